#!/usr/bin/env python
"""Results extraction with the gold entities and relations given: how much of the results error is
the slot filling itself, not entity recognition. Prints full tuple / (benchmark, value) / value P R F1.

Usage (from the repo root)::

    .venv/bin/python bench/results_oracle.py ../shared/data/train-gold/dev.jsonl [--errors]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))
from train_results import _sentences  # noqa: E402

from kg.evaluate.results import score_results  # noqa: E402
from kg.extract.results import extract_results  # noqa: E402
from kg.types import Mention, PaperEntity, PaperRelation  # noqa: E402
from kg.vocab import EntityType, RelationType  # noqa: E402
from kg.write.jsonl import result_to_dict  # noqa: E402


def gold_entities(row: dict) -> list[PaperEntity]:
    """The row's gold entities with every whole-word occurrence of an alias as a mention (longest first)."""
    text, out, taken = row["abstract"], [], []
    for e in row["entities"]:
        t = EntityType(e["type"])
        ms = []
        for alias in sorted({e["name"], *e["aliases"]}, key=len, reverse=True):
            for m in re.finditer(r"(?<!\w)" + re.escape(alias) + r"(?!\w)", text):
                if not any(m.start() < b and a < m.end() for a, b in taken):
                    taken.append((m.start(), m.end()))
                    ms.append(Mention("abstract", m.start(), m.end(), alias, t))
        out.append(PaperEntity(e["name"], t, tuple(e["aliases"]), tuple(ms)))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("gold", nargs="+", type=Path)
    ap.add_argument("--errors", action="store_true")
    args = ap.parse_args(argv)
    rows = [json.loads(line) for path in args.gold for line in path.read_text(encoding="utf-8").splitlines() if line]
    preds = []
    for row in rows:
        rels = [PaperRelation(r["head"], RelationType(r["type"]), r["tail"], r.get("evidence", ""), 1.0)
                for r in row["relations"]]
        found = extract_results(row["title"], row["abstract"], _sentences(row["abstract"]), gold_entities(row), rels)
        preds.append({"id": row["id"], "entities": row["entities"], "results": [result_to_dict(r) for r in found]})
    s = score_results(rows, preds)
    print(f"{'level':<18}{'P':>7}{'R':>7}{'F1':>7}   (gold entities, {len(rows)} abstracts)")
    for name, d in s.to_dict().items():
        print(f"{name:<18}{d['precision']:>7.3f}{d['recall']:>7.3f}{d['f1']:>7.3f}")
    if args.errors:
        for e in sorted(s.errors, key=lambda e: (e["paper"], e["kind"])):
            print(e["paper"], e["kind"], e["item"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
