"""The learned relation typer: one-vs-rest logistic regression over hashed features of candidate pairs.

Trained by ``scripts/train_relations.py`` on train-gold (train.jsonl, train-conf.jsonl) and
dev-gold; thresholds and the confidence map were chosen on train-gold dev.jsonl (provenance in
``kg/models/relations/provenance.json``). Inference is numpy only and reads nothing but the
artefact shipped in the package.

Two passes per paper: ``paper`` candidates give what the paper proposes; its best-scored
Model/Method is the paper's own contribution (else PAPER), which then heads the ``self``
candidates of sentences that say "we / our method" without naming it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from kg.extract.relation_features import (
    BITS,
    LABELS,
    SELF,
    Candidate,
    RelationInput,
    allowed_mask,
    candidates,
    hash_features,
)
from kg.types import PAPER, PaperRelation
from kg.vocab import EntityType, RelationType

__all__ = ["MODEL_DIR", "RelationModel", "load_relation_model", "scored_candidates", "decode"]

MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "relations"
_SYSTEMS = frozenset({EntityType.MODEL, EntityType.METHOD})


@dataclass(frozen=True)
class RelationModel:
    """Weights (``2**bits`` x len(LABELS)), per-label thresholds and the raw -> confidence map.

    ``calibration`` maps a source ("alone": the learned model by itself; in combined mode
    "learned", "rules" or "both", whichever found the triple) to (raw score lower edge, confidence)
    pairs, ascending: a relation whose raw score is at least an edge gets that bin's precision
    measured on dev, and 0.8 or more only where that precision was at least 0.9.
    """

    weights: np.ndarray
    thresholds: dict[str, float]
    calibration: dict[str, tuple[tuple[float, float], ...]] = field(default_factory=dict)
    bits: int = BITS
    meta: dict[str, object] = field(default_factory=dict)

    def probabilities(self, feats: list[np.ndarray]) -> np.ndarray:
        """Sigmoid scores of each candidate (rows) for each label (columns)."""
        if not feats:
            return np.zeros((0, len(LABELS)))
        lens = np.fromiter((len(f) for f in feats), dtype=np.int64)
        flat = np.concatenate(feats)
        starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
        logits = np.add.reduceat(self.weights[flat].astype(np.float64), starts, axis=0)
        return 1.0 / (1.0 + np.exp(-np.clip(logits, -30, 30)))

    def confidence(self, raw: float, source: str = "alone") -> float:
        """Calibrated confidence of a raw score; a model not calibrated yet (training) returns it
        as it is, a source the calibration lacks stays below 0.8."""
        if not self.calibration:
            return float(raw)
        table = self.calibration.get(source)
        if not table:
            return round(min(float(raw), 0.79), 3)
        conf = table[0][1]
        for edge, c in table:
            if raw >= edge:
                conf = c
        return round(float(conf), 3)

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(directory / "weights.npz", weights=self.weights.astype(np.float16))
        cfg = {"bits": self.bits, "labels": [r.value for r in LABELS], "thresholds": self.thresholds,
               "calibration": {k: [list(x) for x in v] for k, v in self.calibration.items()}}
        (directory / "config.json").write_text(json.dumps(cfg, indent=2) + "\n")

    @classmethod
    def load(cls, directory: Path = MODEL_DIR) -> RelationModel:
        cfg = json.loads((directory / "config.json").read_text())
        if cfg["labels"] != [r.value for r in LABELS]:
            raise ValueError(f"{directory}: trained for labels {cfg['labels']}, not this ontology's")
        with np.load(directory / "weights.npz") as z:
            w = z["weights"].astype(np.float32)
        calib = {k: tuple((float(a), float(b)) for a, b in v) for k, v in cfg.get("calibration", {}).items()}
        return cls(w, dict(cfg["thresholds"]), calib, int(cfg["bits"]))


@lru_cache(maxsize=1)
def load_relation_model() -> RelationModel | None:
    """The shipped model, or None when the artefact is absent (the rules then work alone)."""
    if not (MODEL_DIR / "weights.npz").is_file():
        return None
    return RelationModel.load(MODEL_DIR)


def scored_candidates(
    model: RelationModel, inp: RelationInput, own: list[str], main: str, kinds: frozenset[str]
) -> tuple[list[Candidate], np.ndarray]:
    """Candidates of ``kinds`` and their probabilities, zero where the ontology forbids a label."""
    cands = candidates(inp, own, main, kinds)
    probs = model.probabilities([hash_features(c.features, model.bits) for c in cands])
    head_type = "Paper" if main == PAPER else inp.types[main].value
    for n, c in enumerate(cands):
        probs[n] *= allowed_mask(c, inp.types, head_type)
    return cands, probs


def _best(
    out: dict[tuple[str, RelationType, str], tuple[float, str]], key: tuple[str, RelationType, str],
    p: float, evidence: str,
) -> None:
    if key not in out or out[key][0] < p:
        out[key] = (p, evidence)


def decode(model: RelationModel, inp: RelationInput, raw: bool = False) -> list[PaperRelation]:
    """Relations of one paper: proposals first, then everything else from the contribution.

    Confidences are calibrated for the model alone, or the raw scores with ``raw``.

    Examples
    --------
    >>> model = load_relation_model()
    >>> model is None or isinstance(model.thresholds["improves-on"], float)
    True
    """
    proposes = RelationType.PROPOSES
    cands, probs = scored_candidates(model, inp, [], PAPER, frozenset({"paper"}))
    col = LABELS.index(proposes)
    props: dict[tuple[str, RelationType, str], tuple[float, str]] = {}
    for c, p in zip(cands, probs[:, col], strict=True):
        _best(props, (PAPER, proposes, c.tail), float(p), c.evidence)
    thr = model.thresholds
    own = sorted(
        (k[2] for k, (p, _) in props.items() if p >= thr[proposes.value]), key=lambda n: -props[(PAPER, proposes, n)][0]
    )
    systems = [n for n in own if inp.types[n] in _SYSTEMS]
    main = systems[0] if systems else PAPER
    cands, probs = scored_candidates(model, inp, own, main, frozenset({"pair", "self"}))
    found = {k: v for k, v in props.items() if v[0] >= thr[proposes.value]}
    cuts = np.array([thr[r.value] for r in LABELS])
    for c, row in zip(cands, probs, strict=True):
        head = main if c.head == SELF else c.head
        if head == c.tail:
            continue
        for j in np.flatnonzero(row >= cuts):
            _best(found, (head, LABELS[j], c.tail), float(row[j]), c.evidence)
    return [
        PaperRelation(h, r, t, ev.strip(), round(p, 4) if raw else model.confidence(p), extractor=f"learned:{r.value}")
        for (h, r, t), (p, ev) in found.items()
    ]
