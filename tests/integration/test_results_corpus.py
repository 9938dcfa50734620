"""Results on the bundled corpus, through the real CLI: every output carries them, and the
leaderboard of the most reported benchmark is made of numbers the abstracts state."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kg.evaluate.results import value_key
from kg.leaderboard import benchmarks_with_results
from kg.write.graphjson import read_graph

pytestmark = pytest.mark.slow

KG = Path(sys.executable).with_name("kg")


def test_every_output_carries_results(corpus_build):
    g = read_graph(corpus_build)
    assert len(g.results) >= 100  # the corpus abstracts report hundreds of numbers
    abstracts = {p.id: p.abstract for p in g.papers}
    entity_ids = {e.id for e in g.entities}
    for r in g.results:
        assert r.kind in ("score", "gain", "ratio") and r.unit in (None, "%", "points", "x")
        for eid in (r.metric, r.benchmark, r.baseline):
            assert eid is None or eid in entity_ids
        assert r.subject in entity_ids or r.subject == r.paper_id
    rows = [json.loads(line) for line in (corpus_build / "extractions.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sum(len(row["results"]) for row in rows) == len(g.results)
    for row in rows:
        for res in row["results"]:
            # Offsets index the original abstract; the value is as read (LaTeX "5\\% to~10" reads "5% to 10").
            written = abstracts[row["id"]][res["start"] : res["end"]]
            assert value_key(written) == value_key(res["value"]), (written, res["value"])
    summary = json.loads((corpus_build / "summary.json").read_text(encoding="utf-8"))
    assert sum(summary["results"].values()) == len(g.results)
    ttl = (corpus_build / "graph.ttl").read_text(encoding="utf-8")
    assert ttl.count("a mlkg:Result") == len(g.results)


def test_leaderboard_of_the_most_reported_benchmark(corpus_build):
    g = read_graph(corpus_build)
    bench, n = benchmarks_with_results(g)[0]
    assert n >= 3
    done = subprocess.run([str(KG), "leaderboard", bench.name, "--out", str(corpus_build), "--json"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)["rows"]
    assert len(rows) == n
    abstracts = {p.id: p.abstract for p in g.papers}
    for row in rows:
        assert row["evidence"] in abstracts[row["paper_id"]] or row["value"] in abstracts[row["paper_id"]]
    scores = [r["value_num"] for r in rows if r["kind"] == "score" and r["metric"] == rows[0]["metric"]]
    assert scores == sorted(scores, reverse=True) or scores == sorted(scores)
    bad = subprocess.run([str(KG), "leaderboard", bench.name + "x", "--out", str(corpus_build)],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and bench.name in bad.stderr and "Traceback" not in bad.stderr
