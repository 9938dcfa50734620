"""Time `kg build` on synthetic corpora of growing size: papers/s, peak RSS, output sizes.

Run: python bench/scale.py [--sizes 1000,10000,100000] [--workers 1,2] [--extractor spacy|regex]
                           [--work DIR] [--seed S] [--json results.json]

For each size N the corpus is the first N records of one seeded corpus (bench/corpus_gen.py), so
sizes share papers. Each (N, workers) pair runs `kg build CORPUS --out FRESH_DIR --quiet
--workers W` (the real console script) in a fresh directory: a cold build with an empty cache.
``--extractor regex`` runs the same pipeline in a subprocess with the cheap stand-in extractor
(bench/corpus_gen.py) instead, to measure the stages after extraction at sizes where spaCy
would need hours.

Peak RSS is sampled every 0.2 s over the whole process tree (the build and its workers): "rss
main" is the build process alone, "rss tree" the sum over the tree at its peak. Stage seconds
come from the build's summary.json. Goals on a 2-core box: 100k < 30 min, RSS < 2 GB,
papers/s flat within +-20% from 1k to 100k.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from corpus_gen import write_corpus  # noqa: E402

__all__ = ["Result", "run_one", "main"]

KG = Path(sys.executable).with_name("kg")
_SHORT = {"extractions.jsonl": "jsonl", "graph.json": "json", "graph.ttl": "ttl", "store": "store",
          "graph.html": "html", "cache.sqlite": "cache"}  # fmt: skip


@dataclass(frozen=True)
class Result:
    papers: int
    workers: int
    extractor: str
    seconds: float
    papers_per_s: float
    rss_main_mb: float
    rss_tree_mb: float
    outputs_mb: dict[str, float]
    stages: dict[str, float]
    counts: dict[str, int]
    exit_code: int


def _prefix(corpus: Path, n: int, work: Path) -> Path:
    path = work / f"corpus-{n}.jsonl"
    if not path.exists():
        with corpus.open(encoding="utf-8") as src, path.open("w", encoding="utf-8") as dst:
            for i, line in enumerate(src):
                if i >= n:
                    break
                dst.write(line)
    return path


def _size_mb(path: Path) -> float:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6
    return path.stat().st_size / 1e6 if path.exists() else 0.0


def _command(corpus: Path, out: Path, workers: int, extractor: str, skip: list[str]) -> list[str]:
    if extractor == "spacy":
        cmd = [str(KG), "build", str(corpus), "--out", str(out), "--quiet", "--workers", str(workers)]
        return cmd + [arg for s in skip for arg in ("--skip", s)]
    code = (
        "import sys; sys.path.insert(0, {bench!r}); from pathlib import Path; "
        "from corpus_gen import regex_extractor; from kg.pipeline import run_build, default_graph_writers; "
        "run_build([Path({c!r})], Path({o!r}), quiet=True, workers={w}, factory=regex_extractor, "
        "writers=default_graph_writers({s!r}))"
    ).format(bench=str(ROOT / "bench"), c=str(corpus), o=str(out), w=workers, s=skip)
    return [sys.executable, "-c", code]


def run_one(corpus: Path, n: int, workers: int, extractor: str, work: Path, skip: list[str]) -> Result:
    """One cold build of the first ``n`` papers of ``corpus``; samples RSS while it runs."""
    out = work / f"out-{extractor}-{n}-w{workers}"
    if out.exists():
        import shutil

        shutil.rmtree(out)
    started = time.perf_counter()
    proc = subprocess.Popen(_command(corpus, out, workers, extractor, skip), cwd=work)
    ps = psutil.Process(proc.pid)
    peak_main = peak_tree = 0
    while proc.poll() is None:
        try:
            main_rss = ps.memory_info().rss
            tree = main_rss + sum(c.memory_info().rss for c in ps.children(recursive=True))
        except psutil.Error:
            tree = main_rss = 0
        peak_main, peak_tree = max(peak_main, main_rss), max(peak_tree, tree)
        time.sleep(0.2)
    seconds = time.perf_counter() - started
    summary = json.loads((out / "summary.json").read_text()) if (out / "summary.json").exists() else {}
    outputs = {
        name: round(_size_mb(out / name), 1)
        for name in ("extractions.jsonl", "graph.json", "graph.ttl", "store", "graph.html", "cache.sqlite")
    }
    counts = {
        "papers": summary.get("papers", 0),
        "entities": sum(summary.get("entities", {}).values()),
        "relations": sum(summary.get("relations", {}).values()),
    }
    return Result(
        papers=n, workers=workers, extractor=extractor, seconds=round(seconds, 1),
        papers_per_s=round(n / seconds, 1), rss_main_mb=round(peak_main / 1e6),
        rss_tree_mb=round(peak_tree / 1e6),
        outputs_mb=outputs, stages=summary.get("run", {}).get("timings", {}), counts=counts,
        exit_code=proc.returncode,
    )  # fmt: skip


def _table(results: list[Result]) -> str:
    head = (
        f"{'papers':>7} {'w':>2} {'extractor':>9} {'seconds':>8} {'papers/s':>8} {'rss main':>8} "
        f"{'rss tree':>8} {'entities':>8} {'relations':>9}  outputs MB / stage seconds"
    )
    rows = [head, "-" * len(head)]
    for r in results:
        outs = " ".join(f"{_SHORT[k]}={v}" for k, v in r.outputs_mb.items())
        stages = " ".join(f"{k}={v}" for k, v in r.stages.items())
        rows.append(
            f"{r.papers:>7} {r.workers:>2} {r.extractor:>9} {r.seconds:>8} {r.papers_per_s:>8} "
            f"{r.rss_main_mb:>8} {r.rss_tree_mb:>8} {r.counts['entities']:>8} {r.counts['relations']:>9}  "
            f"{outs} | {stages}" + ("" if r.exit_code == 0 else f"  EXIT {r.exit_code}")
        )
    return "\n".join(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000,100000", help="comma-separated corpus sizes")
    ap.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    ap.add_argument("--extractor", choices=("spacy", "regex"), default="spacy")
    ap.add_argument("--work", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "kg-scale")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path, help="also write the results here")
    ap.add_argument("--skip", action="append", default=[], help="pass --skip rdf|html to kg build")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    workers = [int(w) for w in args.workers.split(",")]
    args.work.mkdir(parents=True, exist_ok=True)
    corpus = args.work / f"corpus-max-{max(sizes)}-seed{args.seed}.jsonl"
    if not corpus.exists():
        write_corpus(max(sizes), corpus, args.seed)
    results = []
    for n in sizes:
        part = _prefix(corpus, n, args.work)
        for w in workers:
            results.append(run_one(part, n, w, args.extractor, args.work, args.skip))
            print(_table(results[-1:]).splitlines()[-1], flush=True)
            if args.json:
                args.json.write_text(json.dumps([asdict(r) for r in results], indent=2))
    print()
    print(_table(results))


if __name__ == "__main__":
    main()
