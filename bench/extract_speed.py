"""Time our extraction of the bundled corpus against spaCy's en_core_web_sm alone on the same text.

Run: python bench/extract_speed.py [--repeat N]

Baseline: the full ``en_core_web_sm`` pipeline (tok2vec, tagger, parser, attribute_ruler, lemmatizer,
ner) over every title and abstract, via ``nlp.pipe``. Ours: ``Extractor.extract_many`` over the same
papers (its pipeline drops the small model's NER and lemmatizer, adds ``kg_mentions``, then
assembles entities and relations). Prints both times and the ratio (target <= 3, issue 11).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import spacy

import loaders
from kg.extract import load_extractor
from kg.extract.nlp import SPACY_PACKAGE
from kg.types import Paper

__all__ = ["bundled_papers", "main"]

CORPUS = Path(__file__).resolve().parents[1] / "kg" / "data" / "hf-daily-papers"


def bundled_papers() -> list[Paper]:
    """The unique papers of the bundled corpus (first sighting of each id)."""
    seen: dict[str, Paper] = {}
    for rec in loaders.load([CORPUS]):
        if isinstance(rec, Paper) and rec.id not in seen:
            seen[rec.id] = rec
    return list(seen.values())


def _best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="runs of each; the fastest counts")
    args = ap.parse_args()
    papers = bundled_papers()
    texts = [t for p in papers for t in (p.title, p.abstract)]
    baseline = spacy.load(SPACY_PACKAGE)
    ours = load_extractor()
    # Warm up both (vocab growth, lazy init) before timing.
    list(baseline.pipe(texts[:20]))
    list(ours.extract_many(papers[:10]))
    t_base = _best(lambda: list(baseline.pipe(texts, batch_size=64)), args.repeat)
    t_ours = _best(lambda: list(ours.extract_many(papers, batch_size=64)), args.repeat)
    words = sum(len(t.split()) for t in texts)
    print(f"papers: {len(papers)}  words: {words}")
    print(f"en_core_web_sm alone ({','.join(baseline.pipe_names)}): {t_base:.2f} s")
    print(f"kg extraction ({','.join(ours.nlp.pipe_names)} + relations): {t_ours:.2f} s")
    print(f"ratio: {t_ours / t_base:.2f}x (target <= 3x)")


if __name__ == "__main__":
    main()
