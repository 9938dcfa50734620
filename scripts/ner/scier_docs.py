"""SciER sentences -> spaCy training docs: reading the files, gold spans, and undoing SciER's token spacing."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import spacy
from spacy.tokens import Doc

from kg.vocab import EntityType

__all__ = ["LABELS", "load_records", "records_to_docs", "detokenize"]

# SciER's entity types are exactly three of the ontology's classes; take the spellings from there.
LABELS = (EntityType.METHOD.value, EntityType.TASK.value, EntityType.DATASET.value)


def load_records(path: Path) -> list[dict[str, Any]]:
    """Read one SciER sentence file (JSON lines)."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def records_to_docs(
    nlp: spacy.Language, records: list[dict[str, Any]], detok_rate: float = 0.0, seed: int = 0
) -> tuple[list[Doc], dict[str, int]]:
    """Tokenize each sentence and set its gold entities; overlapping spans keep the longest one.

    A ``detok_rate`` share of the sentences (chosen with ``seed``) is first :func:`detokenize`-d,
    unless that would move an entity boundary off a token boundary. Returns the docs and counts of
    what was kept and dropped (misaligned spans, overlaps), so the caller can report them.
    """
    stats = {"entities": 0, "kept": 0, "misaligned": 0, "overlap": 0, "detokenized": 0}
    rng = random.Random(seed)
    docs = []
    for rec in records:
        if detok_rate and rng.random() < detok_rate:
            text, ents = detokenize(rec["text"], rec["entities"])
            doc = nlp.make_doc(text)
            if all(doc.char_span(e["start"], e["end"]) is not None for e in ents):
                rec = {**rec, "text": text, "entities": ents}
                stats["detokenized"] += 1
        doc = nlp.make_doc(rec["text"])
        spans = []
        for ent in rec["entities"]:
            stats["entities"] += 1
            if ent["type"] not in LABELS:
                continue
            span = doc.char_span(ent["start"], ent["end"], label=ent["type"], alignment_mode="strict")
            if span is None:
                stats["misaligned"] += 1
                continue
            spans.append(span)
        chosen: list[Any] = []
        taken: set[int] = set()
        for span in sorted(spans, key=lambda s: (-(s.end - s.start), s.start)):
            if taken.intersection(range(span.start, span.end)):
                stats["overlap"] += 1
                continue
            taken.update(range(span.start, span.end))
            chosen.append(span)
        doc.ents = sorted(chosen, key=lambda s: s.start)
        stats["kept"] += len(chosen)
        docs.append(doc)
    return docs, stats


_CLOSE = set(",.;:)]}%!?")
_OPEN = set("([{")
_JOIN = set("-/")
_DIGITS = set("0123456789.")


def detokenize(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Undo SciER's PDF-token spacing (``"CornerNet - Lite ( ours ) ,"`` -> ``"CornerNet-Lite (ours),"``).

    SciER joins every token with a space, so a model trained on it sees a space after every token and
    never the glued punctuation and hyphenated names of real abstracts. Entity offsets are carried over.

    Examples
    --------
    >>> ents = [{"start": 0, "end": 16, "type": "Method"}]
    >>> t, ents = detokenize("CornerNet - Lite ( ours ) , fast .", ents)
    >>> t, t[ents[0]["start"]:ents[0]["end"]]
    ('CornerNet-Lite (ours), fast.', 'CornerNet-Lite')
    """
    toks = text.split(" ")
    drop = set()  # indexes of the spaces (between toks[i] and toks[i+1]) to remove
    for i in range(len(toks) - 1):
        left, right = toks[i], toks[i + 1]
        if right in _CLOSE and left or left in _OPEN and right:
            drop.add(i)
        elif len(left) == len(right) == 1 and set(left + right) <= _DIGITS:
            drop.add(i)  # PDF-split numbers: "4 2 . 2" -> "42.2"
        elif right in _JOIN and left[-1:].isalnum() and i + 2 < len(toks) and toks[i + 2][:1].isalnum():
            drop.add(i)
            drop.add(i + 1)
    keep = []
    pos = 0
    for i, tok in enumerate(toks):
        keep.extend([True] * len(tok))
        pos += len(tok)
        if i < len(toks) - 1:
            keep.append(i not in drop)
    new_index = [0] * (len(text) + 1)
    n = 0
    for i, k in enumerate(keep):
        new_index[i] = n
        n += k
    new_index[len(text)] = n
    new_text = "".join(c for c, k in zip(text, keep, strict=True) if k)
    ents = [{**e, "start": new_index[e["start"]], "end": new_index[e["end"]]} for e in entities]
    return new_text, ents
