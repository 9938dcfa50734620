"""extractions.jsonl: one linked extraction per paper, in the gold-annotation shape of GUIDELINES.md.

Examples
--------
>>> from kg.types import EntityType, Mention, Paper, PaperEntity, PaperRelation, RelationType
>>> ex = Extraction(Paper("p1", "ProcX: a model", "We propose ProcX."),
...     (PaperEntity("ProcX", EntityType.MODEL, ("ProcX",), (Mention("title", 0, 5, "ProcX", EntityType.MODEL),),
...                  id="procx"),),
...     (PaperRelation(PAPER, RelationType.PROPOSES, "ProcX", "We propose ProcX.", 0.95,
...                    head_id="p1", tail_id="procx"),))
>>> row = extraction_to_dict(ex)
>>> row["entities"][0]["mentions"]
[{'text': 'ProcX', 'start': 0, 'end': 5, 'field': 'title'}]
>>> row["relations"][0]["head"], row["relations"][0]["tail_id"]
('PAPER', 'procx')
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kg.types import PAPER, Extraction, PaperResult

__all__ = ["EXTRACTIONS_JSONL", "extraction_to_dict", "result_to_dict", "write_extractions"]

EXTRACTIONS_JSONL = "extractions.jsonl"


def extraction_to_dict(ex: Extraction) -> dict[str, Any]:
    """The JSON object of one paper (keys in the order of the gold files)."""
    return {
        "id": ex.paper.id,
        "title": ex.paper.title,
        "entities": [
            {
                "id": e.id,
                "name": e.name,
                "type": e.type.value,
                "aliases": list(e.aliases),
                "mentions": [{"text": m.text, "start": m.start, "end": m.end, "field": m.field} for m in e.mentions],
            }
            for e in ex.entities
        ],
        "relations": [
            {
                "head": PAPER if r.head == PAPER else r.head,
                "type": r.type.value,
                "tail": r.tail,
                "head_id": r.head_id,
                "tail_id": r.tail_id,
                "evidence": r.evidence,
                "confidence": round(r.confidence, 4),
            }
            for r in ex.relations
        ],
        "results": [result_to_dict(r) for r in ex.results],
    }


def result_to_dict(r: PaperResult) -> dict[str, Any]:
    """A result in the GUIDELINES shape plus its parsed number, linked ids, confidence and offsets.

    Examples
    --------
    >>> r = PaperResult("PAPER", "accuracy", "MMLU", "85.3", 85.3, "%", "score", None, "It gets 85.3% on MMLU.", 0.9)
    >>> d = result_to_dict(r)
    >>> d["value"], d["value_num"], d["unit"], d["kind"]
    ('85.3', 85.3, '%', 'score')
    """
    return {
        "subject": r.subject,
        "metric": r.metric,
        "benchmark": r.benchmark,
        "value": r.value,
        "unit": r.unit,
        "kind": r.kind,
        "compared_to": r.compared_to,
        "evidence": r.evidence,
        "value_num": r.value_num,
        "value_low": r.value_low,
        "value_high": r.value_high,
        "confidence": round(r.confidence, 4),
        "subject_id": r.subject_id,
        "metric_id": r.metric_id,
        "benchmark_id": r.benchmark_id,
        "compared_to_id": r.compared_to_id,
        "field": r.field,
        "start": r.start,
        "end": r.end,
    }


def write_extractions(extractions: Iterable[Extraction], path: Path) -> int:
    """Write one JSON line per extraction; return how many were written."""
    n = 0
    with Path(path).open("w", encoding="utf-8") as f:
        for ex in extractions:
            f.write(json.dumps(extraction_to_dict(ex), ensure_ascii=False) + "\n")
            n += 1
    return n
