#!/usr/bin/env python
"""Score the statistical NER tagger alone: SciER splits (span level) and dev-gold (derived spans).

Usage (from the repo root)::

    /work/venv/bin/python scripts/ner/evaluate.py                       # shipped model, dev + test + test_ood
    /work/venv/bin/python scripts/ner/evaluate.py --model /tmp/ner-x --splits dev --json

dev-gold has entity names and aliases but no offsets: every verbatim, word-bounded occurrence of
an alias in the title or abstract becomes a gold span (the longest wins where aliases overlap), with
the type mapped as for SciER (Model->Method, Benchmark->Dataset, Metric dropped). This is stricter
than the gold's own name-level scoring (every occurrence must be found, with exact boundaries), so a
name-level F1 (set of distinct normalised mention strings + type per paper) is printed as well.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from kg.evaluate.scier import PRF, ScierRecord, load_scier, score_records, to_scier_label  # noqa: E402
from kg.extract.statistical import StatisticalTagger  # noqa: E402

__all__ = ["dev_gold_records", "name_level", "main"]

DEFAULT_DATA = REPO.parent / "shared" / "data"


def dev_gold_records(path: Path) -> list[ScierRecord]:
    """One record per title and per abstract, with alias occurrences as gold spans."""
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        paper = json.loads(line)
        for fld in ("title", "abstract"):
            text = paper[fld]
            spans = []
            for ent in paper["entities"]:
                label = to_scier_label(ent["type"])
                if label is None:
                    continue
                for alias in {ent["name"], *ent.get("aliases", [])}:
                    for m in re.finditer(rf"(?<!\w){re.escape(alias)}(?!\w)", text):
                        spans.append((m.start(), m.end(), label))
            chosen: list[tuple[int, int, str]] = []
            for s, e, lab in sorted(set(spans), key=lambda x: (x[0] - x[1], x[0])):
                if all(e <= cs or s >= ce for cs, ce, _ in chosen):
                    chosen.append((s, e, lab))
            records.append(ScierRecord(f"{paper['id']}:{fld}", text, tuple(sorted(chosen)), ()))
    return records


def _norm(s: str) -> str:
    return re.sub(r"[\W_]+", "", s.casefold())


def name_level(records: list[ScierRecord], tagger: StatisticalTagger) -> PRF:
    """Distinct (normalised string, label) per paper, title and abstract together."""
    gold: dict[str, set[tuple[str, str]]] = {}
    pred: dict[str, set[tuple[str, str]]] = {}
    for rec, spans in zip(records, tagger.tag_many(r.text for r in records), strict=True):
        pid = rec.id.rsplit(":", 1)[0]
        gold.setdefault(pid, set()).update((_norm(rec.text[s:e]), lab) for s, e, lab in rec.entities)
        pred.setdefault(pid, set()).update((_norm(rec.text[s:e]), lab) for s, e, lab in spans)
    total = PRF()
    for pid in gold:
        g, p = gold[pid], pred[pid]
        total = total + PRF(len(g & p), len(p - g), len(g - p))
    return total


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", type=Path, default=None, help="model folder (default: the shipped one)")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--splits", default="dev,test,test_ood")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    ap.add_argument("--errors", type=int, default=0, help="print the first N false positives/negatives")
    args = ap.parse_args(argv)

    tagger = StatisticalTagger.load(args.model)
    out: dict[str, object] = {"model": str(tagger.path)}
    for split in [s for s in args.splits.split(",") if s]:
        records = load_scier(args.data / "scier" / "sentences" / f"{split}.jsonl")
        t0 = time.perf_counter()
        preds = dict(zip((r.id for r in records), tagger.tag_many(r.text for r in records), strict=True))
        by_text = {r.text: preds[r.id] for r in records}
        scores = score_records(records, by_text.__getitem__, name=f"scier/{split}")
        secs = time.perf_counter() - t0
        out[f"scier/{split}"] = {**scores.to_dict(), "seconds": round(secs, 1)}
        if not args.json:
            print(scores.table(), f"\n({secs:.1f} s)\n")
            for err in scores.errors[: args.errors]:
                print("  ", err)
    gold_path = args.data / "dev-gold" / "seeds-dev.jsonl"
    if gold_path.is_file():
        records = dev_gold_records(gold_path)
        scores = score_records(records, tagger.tag, name="dev-gold (alias spans)")
        names = name_level(records, tagger)
        out["dev-gold"] = {**scores.to_dict(), "name_level": names.to_dict()}
        if not args.json:
            print(scores.table())
            print(f"name level: P {names.precision:.4f} R {names.recall:.4f} F1 {names.f1:.4f}")
            for err in scores.errors[: args.errors]:
                print("  ", err)
    if args.json:
        for v in out.values():
            if isinstance(v, dict):
                v.pop("errors", None)
        print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
