"""Neo4j 5 itself (scripts/neo4j.sh), each test on a server of its own: the server killed in the middle
of `kg push`: one-line error, exit 3; a re-run completes with exact counts."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import neo4j
import pytest
from conftest import db_counts

from kg.types import Graph
from kg.write.graphjson import write_graph

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
KG = str(Path(sys.executable).with_name("kg"))
_spec = importlib.util.spec_from_file_location("neo4j_write_bench", REPO / "bench" / "neo4j_write.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


def graph_counts(g: Graph) -> Counter[str]:
    """Relationships by type and nodes by kind, as a push of ``g`` into an empty database gives."""
    c: Counter[str] = Counter({"papers": len(g.papers), "entities": len(g.entities)})
    c["MENTIONS"] = len(g.mentions)
    for r in g.relations:
        c[r.type.cypher] += 1
    for link in g.paper_links:
        c[link.type.cypher] += 1
    return c


def kind_counts(c: Counter[str]) -> Counter[str]:
    out: Counter[str] = Counter({k: v for k, v in c.items() if k.isupper()})
    out["papers"] = c["Paper"]
    out["entities"] = sum(v for k, v in c.items() if k.startswith("Entity") or "+Entity" in k)
    return out


def push(server, out: Path, wipe: bool = False) -> subprocess.Popen[str]:  # type: ignore[no-untyped-def]
    cmd = [KG, "push", "--out", str(out), "--neo4j", server.uri, "--neo4j-dialect", "neo4j", "--quiet"]
    cmd += ["--wipe"] if wipe else []
    env = {**os.environ, **server.env()}
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def test_server_killed_mid_push_then_a_re_run_completes_with_exact_counts(neo4j_factory, tmp_path):
    g = bench.synthetic_graph(2000)
    write_graph(g, tmp_path / "out")
    with neo4j_factory(tmp_path / "srv") as (server, env):
        driver = neo4j.GraphDatabase.driver(server.uri, auth=server.auth)
        try:
            running = push(server, tmp_path / "out")
            deadline = time.monotonic() + 120
            while not driver.execute_query("MATCH (p:Paper) RETURN count(p) AS n").records[0]["n"]:
                assert running.poll() is None and time.monotonic() < deadline, "push ended before any paper"
                time.sleep(0.05)
            pid = int((tmp_path / "srv" / "neo4j.pid").read_text())
            os.kill(pid, signal.SIGKILL)  # the server dies in the middle of the write
            _, err = running.communicate(timeout=120)
            assert running.returncode == 3, err
            assert len(err.strip().splitlines()) == 1 and ("lost Neo4j" in err or "cannot reach" in err), err
        finally:
            driver.close()

        # The same server (same data directory) again; the push is simply run again.
        started = subprocess.run(["bash", str(REPO / "scripts" / "neo4j.sh"), "start"], env=env, text=True,
                                 capture_output=True)  # fmt: skip
        assert started.returncode == 0, started.stderr
        driver = neo4j.GraphDatabase.driver(server.uri, auth=server.auth)
        try:
            partial = kind_counts(db_counts(driver))
            assert partial["papers"] > 0 and partial != graph_counts(g)  # it really stopped half-way
            again = push(server, tmp_path / "out")
            _, err = again.communicate(timeout=600)
            assert again.returncode == 0, err
            assert kind_counts(db_counts(driver)) == graph_counts(g)
            third = push(server, tmp_path / "out")
            third.communicate(timeout=600)
            assert third.returncode == 0 and kind_counts(db_counts(driver)) == graph_counts(g)
        finally:
            driver.close()
