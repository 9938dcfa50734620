"""`kg build --neo4j URI` twice changes no count in the database; a re-extracted paper (changed
abstract) keeps only its new assertions there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import neo4j
import pytest
from conftest import db_counts

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]

KG = str(Path(sys.executable).with_name("kg"))


def tails(driver: neo4j.Driver, paper_id: str) -> set[tuple[str, str]]:
    """(head id, tail id) of every assertion ``paper_id`` makes."""
    q = "MATCH (h)-[r]->(e:Entity) WHERE r.paper_id = $id RETURN h.id AS h, e.id AS t"
    return {(r["h"], r["t"]) for r in driver.execute_query(q, {"id": paper_id}).records}


def build(corpus: Path, out: Path, server) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    cmd = [KG, "build", str(corpus), "--out", str(out), "--skip", "html", "--neo4j", server.uri,
           "--neo4j-dialect", server.dialect]  # fmt: skip
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, env={**os.environ, **server.env()})


def test_build_twice_into_neo4j_changes_nothing_and_replaces_re_extracted(  # type: ignore[no-untyped-def]
    bolt_server, bolt, tmp_path: Path
) -> None:
    rows = [
        {
            "id": "2401.00001",
            "title": "ProcNet",
            "abstract": "We propose ProcNet, which outperforms BERT on GLUE.",
        },
        {"id": "2401.00002", "title": "FlowNet", "abstract": "We propose FlowNet and evaluate it on SQuAD."},
    ]
    corpus = tmp_path / "p.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows))
    first = build(corpus, tmp_path / "out", bolt_server)
    assert first.returncode == 0, first.stderr
    assert "neo4j: wrote 2 papers" in " ".join(first.stdout.split())
    before = db_counts(bolt)
    assert before["Paper"] == 2 and before["PROPOSES"] >= 2
    old_tails = tails(bolt, "arxiv:2401.00001")
    assert old_tails

    again = build(corpus, tmp_path / "out", bolt_server)
    assert again.returncode == 0, again.stderr
    assert db_counts(bolt) == before

    rows[0]["abstract"] = "We propose ProcNet for image classification on ImageNet."
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows))
    third = build(corpus, tmp_path / "out", bolt_server)
    assert third.returncode == 0, third.stderr
    graph = json.loads((tmp_path / "out" / "graph.json").read_text())
    expected = {
        (e["source"], e["target"])
        for e in graph["links"]
        if e["kind"] == "relation" and e["paper_id"] == "arxiv:2401.00001"
    }
    assert tails(bolt, "arxiv:2401.00001") == expected
    assert expected != old_tails
