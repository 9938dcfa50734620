"""SIGKILL `kg build` (the real console script, real extractor) at a random point of extraction,
run it again, and compare every output with an uninterrupted build of the same input."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import bundled_jsonl

sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures"))
from build_outputs import output_snapshot  # noqa: E402

KG = str(Path(sys.executable).with_name("kg"))
N = 40
OUTPUTS = ("extractions.jsonl", "rejected.jsonl", "graph.json", "graph.ttl", "graph.html")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bundled_jsonl(tmp_path_factory.mktemp("resume") / "papers.jsonl", N, bad_line="{broken")


def build(corpus: Path, out: Path) -> subprocess.CompletedProcess[str]:
    cmd = [KG, "build", str(corpus), "--out", str(out), "--quiet", "--batch-size", "4"]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600)


def cached_rows(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as con:
            return int(con.execute("SELECT COUNT(*) FROM extractions").fetchone()[0])
    except sqlite3.Error:
        return 0


@pytest.fixture(scope="module")
def reference(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    out = tmp_path_factory.mktemp("uninterrupted")
    proc = build(corpus, out)
    assert proc.returncode == 0, proc.stderr
    return output_snapshot(out, OUTPUTS)


@pytest.mark.parametrize("seed", [7, 2026])
def test_killed_build_resumes_to_the_same_result(
    corpus: Path, reference: dict[str, object], tmp_path: Path, seed: int
) -> None:
    out = tmp_path / "out"
    # Kill once a random number of batches is committed: somewhere inside extraction.
    target = random.Random(seed).randrange(4, N - 4)
    cmd = [KG, "build", str(corpus), "--out", str(out), "--quiet", "--batch-size", "4"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    while cached_rows(out / "cache.sqlite") < target and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, "the build ended before the kill point"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    done = cached_rows(out / "cache.sqlite")
    assert target <= done < N
    assert not (out / "summary.json").exists()

    again = build(corpus, out)
    assert again.returncode == 0, again.stderr
    run = json.loads((out / "summary.json").read_text())["run"]
    assert run["cached"] == done and run["extracted"] == N - done
    assert output_snapshot(out, OUTPUTS) == reference
    assert not list(out.glob(".*.tmp"))  # the killed run's temporary files are gone
