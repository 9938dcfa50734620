"""A feed built by `kg add`, one daily file at a time, equals one `kg build` of every file (counts,
ids and bytes of every output, the SPARQL store, Neo4j), and a killed `kg add` resumes to the
same result. The real console script and the real extractor."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import neo4j
import pyoxigraph as ox
import pytest
from conftest import db_counts

import loaders
from kg.types import Paper

sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures"))
from build_outputs import output_snapshot  # noqa: E402

KG = str(Path(sys.executable).with_name("kg"))
DAYS = (7, 7, 7, 7, 20)  # papers per daily file; the last is long enough to be killed inside
OUTPUTS = ("extractions.jsonl", "rejected.jsonl", "graph.json", "graph.ttl", "graph.html")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def days(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    rows, seen = [], set()
    for rec in loaders.load(loaders.bundled_corpus()):
        if isinstance(rec, Paper) and rec.id not in seen:
            seen.add(rec.id)
            rows.append(json.dumps({"title": rec.title, "abstract": rec.abstract, "date": f"d{len(rows)}"}))
    root = tmp_path_factory.mktemp("feed")
    files, start = [], 0
    for n, size in enumerate(DAYS, 1):
        lines = rows[start : start + size]
        start += size
        if n == 3:
            lines += [rows[0], "{broken", '{"title": "NUL \\u0000", "abstract": "x"}']  # a repeat, two rejects
        path = root / f"day{n}.jsonl"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        files.append(path)
    return files


def kg(*args: str | Path, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([KG, *map(str, args)], capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stderr
    return proc


def snapshot(out: Path) -> dict[str, object]:
    snap = output_snapshot(out, OUTPUTS)
    store = ox.Store.read_only(str(out / "store"))
    q = "SELECT ?t (COUNT(?s) AS ?n) { ?s a ?t } GROUP BY ?t"
    snap["store"] = (len(store), sorted((r["t"].value, r["n"].value) for r in store.query(q)))
    del store
    return snap


@pytest.fixture(scope="module")
def reference(days: list[Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    out = tmp_path_factory.mktemp("all-at-once")
    kg("build", *days, "--out", out, "--quiet", "--batch-size", "4")
    return snapshot(out)


def test_five_daily_adds_equal_one_build_of_all(days: list[Path], reference: dict[str, object], tmp_path: Path) -> None:
    out = tmp_path / "feed"
    kg("build", days[0], "--out", out, "--quiet", "--batch-size", "4")
    for n, day in enumerate(days[1:], 2):
        proc = kg("add", day, "--out", out, "--batch-size", "4")
        text = " ".join(proc.stdout.split())
        added = json.loads((out / "summary.json").read_text())["run"]["added"]
        assert f"what's new: {DAYS[n - 1]} papers" in text and added["papers"] == DAYS[n - 1]
        assert "new improves-on / evaluated-on / builds-on:" in text
        for rel in added["relations"]:
            assert rel["evidence"] and rel["type"] in ("improves-on", "evaluated-on", "builds-on")
        run = json.loads((out / "summary.json").read_text())["run"]
        assert run["extracted"] == DAYS[n - 1]  # the old papers came from the cache
    feed = snapshot(out)
    assert feed == reference
    summary = reference["summary"]
    assert isinstance(summary, dict)
    assert summary["papers"] == sum(DAYS) and summary["duplicates"] == 1 and summary["rejected"] == 2


def cached_rows(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as con:
            return int(con.execute("SELECT COUNT(*) FROM extractions").fetchone()[0])
    except sqlite3.Error:
        return 0


def test_killed_add_resumes_to_the_same_result(days: list[Path], reference: dict[str, object], tmp_path: Path) -> None:
    out = tmp_path / "feed"
    kg("build", *days[:4], "--out", out, "--quiet", "--batch-size", "4")
    before = cached_rows(out / "cache.sqlite")
    proc = subprocess.Popen(
        [KG, "add", str(days[4]), "--out", str(out), "--quiet", "--batch-size", "2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    deadline = time.monotonic() + 300
    while cached_rows(out / "cache.sqlite") < before + 4 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, "kg add ended before the kill point"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done = cached_rows(out / "cache.sqlite") - before
    assert 4 <= done < DAYS[4]
    again = kg("add", days[4], "--out", out, "--quiet", "--batch-size", "4")
    assert again.returncode == 0
    run = json.loads((out / "summary.json").read_text())["run"]
    assert run["added"]["papers"] == DAYS[4] and run["extracted"] == DAYS[4] - done
    assert snapshot(out) == reference
    assert not list(out.glob(".*.tmp"))


def node_ids(driver: neo4j.Driver) -> set[str]:
    return {r["id"] for r in driver.execute_query("MATCH (n) RETURN n.id AS id").records}


@pytest.mark.neo4j
def test_feed_into_neo4j_equals_one_build(days: list[Path], bolt_server, bolt, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    for key, value in bolt_server.env().items():  # the credentials of the Neo4j test server
        monkeypatch.setenv(key, value)
    neo = ("--neo4j", bolt_server.uri, "--neo4j-dialect", bolt_server.dialect, "--skip", "html", "--quiet")
    kg("build", days[0], "--out", tmp_path / "feed", *neo)
    for day in days[1:]:
        kg("add", day, "--out", tmp_path / "feed", *neo)
    fed, fed_ids = db_counts(bolt), node_ids(bolt)
    bolt.execute_query("MATCH (n) DETACH DELETE n")
    kg("build", *days, "--out", tmp_path / "once", *neo)
    assert fed == db_counts(bolt) and fed["Paper"] == sum(DAYS)
    assert fed_ids == node_ids(bolt)
