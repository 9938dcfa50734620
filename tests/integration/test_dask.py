"""`kg build --executor dask --scheduler ADDR` on a dask.distributed LocalCluster (worker processes):
extraction runs as tasks on the workers, the result equals a serial build; --workers 2 as well."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from distributed import Client, LocalCluster

import loaders
from kg.pipeline import run_build
from kg.types import Paper

KG = str(Path(sys.executable).with_name("kg"))
N = 24
COMPARED = ("extractions.jsonl", "rejected.jsonl", "graph.json")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rows, seen = [], set()
    for rec in loaders.load(loaders.bundled_corpus()):
        if isinstance(rec, Paper) and rec.id not in seen:
            seen.add(rec.id)
            rows.append(json.dumps({"id": rec.id, "title": rec.title, "abstract": rec.abstract}))
        if len(rows) == N:
            break
    path = tmp_path_factory.mktemp("dask") / "papers.jsonl"
    path.write_text("\n".join(rows) + "\n[1]\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def serial(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("serial")
    from kg.write.graphjson import write_graph

    run_build([corpus], out, quiet=True, writers=[lambda g, d: [write_graph(g, d)]])
    return out


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        yield c


def same_outputs(a: Path, b: Path) -> None:
    for name in COMPARED:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_cli_build_on_a_dask_cluster_equals_serial(
    corpus: Path, serial: Path, cluster: LocalCluster, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    cmd = [KG, "build", str(corpus), "--out", str(out), "--quiet", "--executor", "dask",
           "--scheduler", cluster.scheduler_address, "--batch-size", "5"]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    same_outputs(out, serial)
    run = json.loads((out / "summary.json").read_text())["run"]
    assert (run["extracted"], run["cached"]) == (N, 0)
    # The extraction ran on the workers: each that got a task holds a loaded extractor.
    with Client(cluster.scheduler_address) as client:
        loaded = client.run(lambda: len(__import__("kg.parallel").parallel._WORKER))
    assert sum(loaded.values()) >= 1, loaded


def test_unreachable_scheduler_is_a_one_line_error(corpus: Path, tmp_path: Path) -> None:
    cmd = [KG, "build", str(corpus), "--out", str(tmp_path / "o"), "--executor", "dask",
           "--scheduler", "tcp://127.0.0.1:9"]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot reach the dask scheduler tcp://127.0.0.1:9")


def test_two_local_worker_processes_equal_serial(corpus: Path, serial: Path, tmp_path: Path) -> None:
    cmd = [KG, "build", str(corpus), "--out", str(tmp_path / "o"), "--quiet", "--workers", "2",
           "--batch-size", "5"]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    same_outputs(tmp_path / "o", serial)
