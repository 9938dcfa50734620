"""Time `kg build` on a real corpus (default: ../shared/corpus/conference-abstracts, 13.8k ICLR /
ICML / NeurIPS abstracts in 9 JSON files), then `kg stats` and `kg validate` on the build.

Run: python bench/real_corpus.py [--corpus DIR] [--modes serial,workers2,dask] [--work DIR]
                                 [--json results.json] [--markdown table.md] [--extractor regex]

Each mode is a cold build (fresh out dir, empty cache) through the installed console script:
``serial`` (one process), ``workers2`` (``--workers 2``), ``dask`` (``--executor dask`` on a local
cluster started here as on a real one: ``dask scheduler`` plus ``dask worker --nworkers 2
--nthreads 1``, free ports). Peak RSS is sampled every 0.2 s over the process tree of the command
(for dask: the build process plus the two worker processes). The corpus is read in place, never
copied. The extractor version is `kg info`'s, so numbers say which extractor they measured.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil

__all__ = ["Run", "dask_cluster", "main", "most_connected", "timed"]

ROOT = Path(__file__).resolve().parents[1]
KG = Path(sys.executable).with_name("kg")
DASK = Path(sys.executable).with_name("dask")
CORPUS = ROOT.parent / "shared" / "corpus" / "conference-abstracts"
TOP = 15


@dataclass
class Run:
    mode: str
    seconds: float = 0.0
    papers: int = 0
    papers_per_s: float = 0.0
    rss_tree_mb: float = 0.0
    exit_code: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    relations: dict[str, int] = field(default_factory=dict)
    stages: dict[str, float] = field(default_factory=dict)
    stats_s: float = 0.0
    stats_rss_mb: float = 0.0
    validate_s: float = 0.0
    validate_rss_mb: float = 0.0
    validate_conforms: bool | None = None
    top: dict[str, list[tuple[str, int]]] = field(default_factory=dict)


def timed(cmd: list[str], extra_pids: tuple[int, ...] = ()) -> tuple[float, float, int, str]:
    """(seconds, peak RSS MB of the command's process tree plus ``extra_pids``, exit code, stdout)."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watched = [psutil.Process(proc.pid)] + [psutil.Process(p) for p in extra_pids]
    peak = 0
    out_chunks: list[str] = []
    while proc.poll() is None:
        total = 0
        for p in watched:
            with contextlib.suppress(psutil.Error):  # a process that just ended
                total += p.memory_info().rss + sum(c.memory_info().rss for c in p.children(recursive=True))
        peak = max(peak, total)
        time.sleep(0.2)
    stdout, stderr = proc.communicate()
    out_chunks.append(stdout)
    if proc.returncode != 0:
        print(f"  {' '.join(cmd[:2])}: exit {proc.returncode}: {stderr.strip()[-500:]}", file=sys.stderr)
    return time.perf_counter() - started, peak / 1e6, proc.returncode, "".join(out_chunks)


def most_connected(out: Path, top: int = TOP) -> dict[str, list[tuple[str, int]]]:
    """Per entity type, the ``top`` entities with the most links (relations, either end, plus the
    papers that mention them), read from graph.json a line at a time."""
    from kg.write.graphjson import read_graph

    graph = read_graph(out)
    degree: Counter[str] = Counter()
    for r in graph.relations:
        degree[r.head] += 1
        degree[r.tail] += 1
    for _, eid, _ in graph.mentions:
        degree[eid] += 1
    by_type: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for e in graph.entities:
        by_type[e.type.value].append((e.name, degree[e.id]))
    return {t: sorted(v, key=lambda x: (-x[1], x[0]))[:top] for t, v in sorted(by_type.items())}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def dask_cluster(logs: Path, port: int | None = None) -> Iterator[tuple[str, int]]:
    """A local dask cluster started as on a real one, with dask's own command line: ``dask
    scheduler`` and ``dask worker --nworkers 2 --nthreads 1``; yields (scheduler address, the worker
    command's pid) once both workers joined, and stops them on exit. Logs go to ``logs``.
    tests/integration/test_dask.py uses it too."""
    address = f"tcp://127.0.0.1:{port or _free_port()}"
    procs = [
        subprocess.Popen([str(DASK), "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1],
                          "--no-dashboard"], stdout=subprocess.DEVNULL, stderr=(logs / "scheduler.log").open("w")),
        subprocess.Popen([str(DASK), "worker", address, "--nworkers", "2", "--nthreads", "1", "--no-dashboard",
                          "--memory-limit", "2GB"],
                         stdout=subprocess.DEVNULL, stderr=(logs / "worker.log").open("w")),
    ]  # fmt: skip
    try:
        wait = (
            f"from distributed import Client\nwith Client({address!r}, timeout='120s') as c:\n"
            "    c.wait_for_workers(2, timeout=300)"
        )
        subprocess.run([sys.executable, "-c", wait], check=True, timeout=400)
        yield address, procs[1].pid
    finally:  # also after a failed start: never leave a scheduler or worker behind
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def _regex_build(corpus: Path, out: Path) -> list[str]:
    """The same build with bench/corpus_gen.py's stand-in extractor (serial): the stages after
    extraction on real text, at a fraction of the extractor's cost."""
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT / 'bench')!r}); from pathlib import Path; "
        "from corpus_gen import regex_extractor; from kg.pipeline import run_build; "
        f"run_build([Path({str(corpus)!r})], Path({str(out)!r}), quiet=True, factory=regex_extractor)"
    )
    return [sys.executable, "-c", code]


def run_mode(mode: str, corpus: Path, work: Path, extractor: str = "default") -> Run:
    out = work / f"out-{mode}-{extractor}"
    shutil.rmtree(out, ignore_errors=True)
    cmd = [str(KG), "build", str(corpus), "--out", str(out), "--quiet"]
    if extractor == "regex":
        if mode != "serial":
            raise SystemExit("--extractor regex runs serial only")
        cmd = _regex_build(corpus, out)
    if mode == "workers2":
        cmd += ["--workers", "2"]
    if mode == "dask":
        with dask_cluster(work) as (address, worker):
            seconds, rss, code, _ = timed(cmd + ["--executor", "dask", "--scheduler", address], (worker,))
    else:
        seconds, rss, code, _ = timed(cmd)
    run = Run(mode, seconds=round(seconds, 1), rss_tree_mb=round(rss), exit_code=code)
    if code != 0:
        return run
    summary = json.loads((out / "summary.json").read_text())
    run.papers = summary["papers"]
    run.papers_per_s = round(run.papers / seconds, 1)
    run.counts = summary["entities"]
    run.relations = summary["relations"]
    run.stages = summary["run"]["timings"]
    run.top = most_connected(out)
    s, rss, code, _ = timed([str(KG), "stats", "--out", str(out), "--json"])
    run.stats_s, run.stats_rss_mb = round(s, 1), round(rss)
    s, rss, code, _ = timed([str(KG), "validate", "--out", str(out)])
    run.validate_s, run.validate_rss_mb, run.validate_conforms = round(s, 1), round(rss), code == 0
    return run


def table(runs: list[Run], version: str) -> str:
    rows = [
        f"extractor: {version}",
        "",
        "| mode | seconds | papers | papers/s | peak RSS tree MB | kg stats s / MB | kg validate s / MB (conforms) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        rows.append(
            f"| {r.mode} | {r.seconds:,} | {r.papers:,} | {r.papers_per_s} | {r.rss_tree_mb:,} | "
            f"{r.stats_s} / {r.stats_rss_mb:,} | {r.validate_s} / {r.validate_rss_mb:,} ({r.validate_conforms}) |"
            + ("" if r.exit_code == 0 else f" EXIT {r.exit_code}")
        )
    first = next((r for r in runs if r.exit_code == 0), None)
    if first is not None:
        rows += ["", "entities: " + ", ".join(f"{k} {v:,}" for k, v in first.counts.items())]
        rows += ["relations: " + ", ".join(f"{k} {v:,}" for k, v in first.relations.items())]
        rows += ["stages (" + first.mode + "): " + ", ".join(f"{k} {v}" for k, v in first.stages.items())]
        rows += ["", f"| type | the {TOP} most connected entities (links: relations + mentioning papers) |"]
        rows += ["|---|---|"]
        for kind, names in first.top.items():
            rows.append(f"| {kind} | " + ", ".join(f"{n} ({d})" for n, d in names) + " |")
    return "\n".join(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--modes", default="serial,workers2,dask")
    ap.add_argument("--work", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "kg-real")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--markdown", type=Path)
    ap.add_argument(
        "--extractor", choices=("default", "regex"), default="default",
        help="default: the pipeline's extractor; regex: the bench stand-in (serial; stages after extraction)",
    )  # fmt: skip
    args = ap.parse_args()
    if not args.corpus.is_dir():
        sys.exit(f"error: {args.corpus}: no such corpus directory")
    args.work.mkdir(parents=True, exist_ok=True)
    info = subprocess.run([str(KG), "info"], capture_output=True, text=True, check=True).stdout
    version = next((ln.split(None, 1)[1] for ln in info.splitlines() if ln.startswith("pipeline")), "?")
    if args.extractor == "regex":
        version = "bench/corpus_gen.py regex_extractor (stand-in; kg info: " + version + ")"
    runs = []
    for mode in args.modes.split(","):
        runs.append(run_mode(mode, args.corpus, args.work, args.extractor))
        print(f"{mode}: {asdict(runs[-1])}", flush=True)
        if args.json:
            args.json.write_text(json.dumps({"extractor": version, "runs": [asdict(r) for r in runs]}, indent=2))
    text = table(runs, version)
    print(text)
    if args.markdown:
        args.markdown.write_text(text + "\n")


if __name__ == "__main__":
    main()
