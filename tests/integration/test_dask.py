"""`kg build --executor dask --scheduler ADDR` on a real dask.distributed cluster: `dask scheduler` and
`dask worker --nworkers 2` started as processes, as on a real cluster (docs/scale.md). Extraction runs
as tasks on the workers and the result equals a serial build; --workers 2 as well."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import bundled_jsonl

from kg.pipeline import run_build

sys.path.insert(0, str(Path(__file__).parents[2] / "bench"))
from real_corpus import dask_cluster  # noqa: E402

KG = str(Path(sys.executable).with_name("kg"))
N = 24
COMPARED = ("extractions.jsonl", "rejected.jsonl", "graph.json")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bundled_jsonl(tmp_path_factory.mktemp("dask") / "papers.jsonl", N, bad_line="[1]")


@pytest.fixture(scope="module")
def serial(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("serial")
    from kg.write.graphjson import write_graph

    run_build([corpus], out, quiet=True, writers=[lambda g, d: [write_graph(g, d)]])
    return out


def _client_says(address: str, code: str) -> str:
    """Run ``code`` (an expression over ``client``) in a fresh interpreter connected to ``address``."""
    script = f"from distributed import Client\nwith Client({address!r}, timeout='60s') as client:\n    print({code})"
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The scheduler address of a 2-process cluster started with dask's own command line."""
    from conftest import _free_port

    with dask_cluster(tmp_path_factory.mktemp("dask-logs"), port=_free_port()) as (address, _):
        assert _client_says(address, "len(client.scheduler_info()['workers'])") == "2"
        yield address


def same_outputs(a: Path, b: Path) -> None:
    for name in COMPARED:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_cli_build_on_a_dask_cluster_equals_serial(corpus: Path, serial: Path, cluster: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    cmd = [KG, "build", str(corpus), "--out", str(out), "--quiet", "--executor", "dask",
           "--scheduler", cluster, "--batch-size", "5"]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    same_outputs(out, serial)
    run = json.loads((out / "summary.json").read_text())["run"]
    assert (run["extracted"], run["cached"]) == (N, 0)
    # The extraction ran on the workers: each that got a task holds a loaded extractor.
    loaded = _client_says(cluster, "sum(client.run(lambda: len(__import__('kg.parallel').parallel._WORKER)).values())")
    assert int(loaded) >= 1


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
