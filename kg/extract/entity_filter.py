"""The learned entity filter: which of a paper's recognised entities the annotators would keep.

The recognisers find most gold entities (dev recall ~0.77) but also many plausible terms the
guidelines leave out ("data augmentation", "question answering" as background, fragments such as
"high-resolution"). A logistic regression over hashed features of each entity — its type, which
recognisers found it and how sure the tagger was, its spelling, its head word, how often and where
the paper names it and the words around it — scores it; entities under the
threshold go, with their relations. Trained by ``scripts/train_entity_filter.py`` on train-gold
train.jsonl + train-conf.jsonl + dev-gold, threshold chosen on train-gold dev.jsonl (provenance in
``kg/models/entity-filter/provenance.json``). Inference is numpy only.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from kg.extract.candidate import GENERIC_KEYS
from kg.extract.junk import without
from kg.extract.relation_features import hash_features
from kg.link.keys import entity_key
from kg.types import PaperEntity, PaperRelation

__all__ = ["MODEL_DIR", "EntityFilter", "entity_features", "load_entity_filter"]

MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "entity-filter"
_WORD = re.compile(r"[\w'.+-]+")


def _shape(name: str) -> str:
    letters = [c for c in name if c.isalpha()]
    if not letters:
        return "none"
    if all(c.islower() for c in letters):
        return "lower"
    if all(c.isupper() for c in letters):
        return "caps"
    words = name.split()
    if any(any(c.isupper() for c in w[1:]) for w in words):
        return "inner-caps"
    if all(w[:1].isupper() for w in words if w[:1].isalpha()):
        return "title" if len(words) > 1 else "capitalised"
    return "mixed"


def _context(e: PaperEntity, texts: Mapping[str, str]) -> list[str]:
    """The words just before and after each mention ("the X benchmark", "such as X", "X-based")."""
    fs = set()
    for m in e.mentions:
        text = texts.get(m.field, "")
        before = _WORD.findall(text[max(0, m.start - 30) : m.start].lower())
        after = text[m.end : m.end + 30]
        fs.add(f"prev:{before[-1] if before else '^'}")
        nxt = _WORD.findall(after.lower())
        fs.add(f"next:{nxt[0] if nxt else '$'}")
        if after[:1] in "-(":
            fs.add(f"next-char:{after[:1]}")
    return sorted(fs)


def entity_features(e: PaperEntity, texts: Mapping[str, str]) -> list[str]:
    """Feature strings of one entity of a paper (hashed by :func:`hash_features`); ``texts``: the
    paper's fields by name.

    The relations the paper states about the entity are left out on purpose: the relation typer was
    trained on the filter's training abstracts, so there they would look more reliable than they
    are on new text (the tagger's mentions are made honest by out-of-fold taggers instead).

    Examples
    --------
    >>> from kg.types import Mention
    >>> from kg.vocab import EntityType
    >>> m = Mention("abstract", 0, 4, "LoRA", EntityType.METHOD, origin="enc", score=0.93)
    >>> fs = entity_features(PaperEntity("LoRA", EntityType.METHOD, ("LoRA",), (m,)), {"abstract": "LoRA is"})
    >>> "type:Method" in fs and "enc:0.9" in fs and "shape:inner-caps" in fs and "next:is" in fs
    True
    """
    t = e.type.value
    origins = sorted({m.origin for m in e.mentions})
    enc = [m.score for m in e.mentions if m.origin == "enc"]
    shape = _shape(e.name)
    words = _WORD.findall(e.name.lower()) or [""]
    fs = [f"type:{t}", f"shape:{shape}", f"type:{t}|shape:{shape}", "origins:" + "+".join(origins)]
    fs += [f"origin:{o}" for o in origins] + [f"type:{t}|origin:{o}" for o in origins]
    fs.append(f"enc:{np.floor(max(enc) * 10) / 10:.1f}" if enc else "enc:none")
    fs.append(f"mentions:{min(len(e.mentions), 4)}")
    fs.append(f"aliases:{min(len(e.aliases), 3)}")
    fs.append("fields:" + "+".join(sorted({m.field for m in e.mentions})))
    fs.append(f"words:{min(len(words), 4)}")
    fs += [f"head:{words[-1]}", f"type:{t}|head:{words[-1]}", f"first:{words[0]}", f"name:{' '.join(words)}"]
    if any(ch.isdigit() for ch in e.name):
        fs.append("digit")
    if "-" in e.name:
        fs.append("hyphen")
    if entity_key(e.name) in GENERIC_KEYS:
        fs.append("generic")
    return fs + _context(e, texts)


@dataclass(frozen=True)
class EntityFilter:
    """Weights over ``2**bits`` hashed features and the keep threshold on the sigmoid score."""

    weights: np.ndarray
    threshold: float
    bits: int
    digest: str = ""  # of the weights file: part of the extractor version, so the cache sees a retrain

    def scores(self, entities: Sequence[PaperEntity], texts: Mapping[str, str]) -> np.ndarray:
        """The probability that each entity is one the guidelines annotate (``texts``: the fields)."""
        if not entities:
            return np.zeros(0)
        feats = [hash_features(entity_features(e, texts), self.bits) for e in entities]
        logits = [float(self.weights[f].sum()) for f in feats]
        return 1.0 / (1.0 + np.exp(-np.clip(np.array(logits), -30, 30)))

    def keep(
        self, entities: Sequence[PaperEntity], relations: Sequence[PaperRelation], texts: Mapping[str, str]
    ) -> tuple[list[PaperEntity], list[PaperRelation]]:
        """The entities scored at or above the threshold, and the relations that name no other."""
        scores = self.scores(entities, texts)
        low = {e.name for e, s in zip(entities, scores, strict=True) if s < self.threshold}
        return without(entities, relations, low)

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(directory / "weights.npz", weights=self.weights.astype(np.float16))
        cfg = {"bits": self.bits, "threshold": self.threshold}
        (directory / "config.json").write_text(json.dumps(cfg, indent=2) + "\n")

    @classmethod
    def load(cls, directory: Path = MODEL_DIR) -> EntityFilter:
        cfg = json.loads((directory / "config.json").read_text())
        path = directory / "weights.npz"
        with np.load(path) as z:
            w = z["weights"].astype(np.float32)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:8]
        return cls(w, float(cfg["threshold"]), int(cfg["bits"]), digest)


@lru_cache(maxsize=1)
def load_entity_filter() -> EntityFilter | None:
    """The shipped filter, or None when the artefact is absent (every recognised entity stays)."""
    if not (MODEL_DIR / "weights.npz").is_file():
        return None
    return EntityFilter.load(MODEL_DIR)
