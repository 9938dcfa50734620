"""Choose the tagger's span-confidence floor (``min_score`` in kg/models/encoder/config.json) on dev.

Tags each abstract once, then runs the default extractor + linker for each floor and prints entity
and relation F1, so the floor is chosen on train-gold dev.jsonl and checked on dev-ood.jsonl.

Usage: python scripts/choose_min_score.py GOLD.jsonl [--floors 0.5,0.6,0.7,0.8] [--sources hybrid]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from kg.evaluate.gold import read_jsonl, score
from kg.extract.encoder import Span, load_tagger
from kg.link import Linker
from kg.types import Paper
from kg.write.jsonl import extraction_to_dict


class _Floored:
    """The shipped tagger's spans, each paper tagged once, filtered by a changeable floor."""

    def __init__(self) -> None:
        self.inner = load_tagger()
        self.seen: dict[tuple[str, str], list[Span]] = {}
        self.floor = 0.0

    def tag_many(self, items: list[tuple[str, str]]) -> list[list[Span]]:
        todo = [it for it in map(tuple, items) if it not in self.seen]
        floor, self.inner.min_score = self.inner.min_score, 0.0
        for it, spans in zip(todo, self.inner.tag_many(todo), strict=True):
            self.seen[it] = spans  # type: ignore[index]
        self.inner.min_score = floor
        return [[s for s in self.seen[tuple(it)] if s[4] >= self.floor] for it in items]  # type: ignore[index]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("gold", type=Path)
    ap.add_argument("--floors", default="0.5,0.6,0.7,0.75,0.8,0.85")
    ap.add_argument("--sources", default="hybrid")
    args = ap.parse_args()
    os.environ["KG_MENTION_SOURCES"] = args.sources
    from kg.extract import load_extractor

    rows = list(read_jsonl(args.gold))
    papers = [Paper(id=str(g["id"]), title=g["title"], abstract=g["abstract"]) for g in rows]
    extractor = load_extractor()
    tagger = _Floored()
    extractor.tagger = tagger  # type: ignore[assignment]
    print("floor  entities lenient (P / R)   strict  relations  core")
    for floor in (float(f) for f in args.floors.split(",")):
        tagger.floor = floor
        preds = [extraction_to_dict(e) for e in Linker().link(extractor.extract_many(papers))]
        s = score(rows, preds).to_dict()
        e, r = s["entities"], s["relations"]
        print(
            f"{floor:5.2f}  {e['lenient']['f1']:.3f} ({e['lenient']['precision']:.3f} / {e['lenient']['recall']:.3f})"
            f"   {e['strict']['f1']:.3f}   {r['all']['f1']:.3f}      {r['core']['f1']:.3f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
