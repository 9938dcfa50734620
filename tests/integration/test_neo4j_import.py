"""Neo4j's own import tool on `kg export --format neo4j-csv`: neo4j-admin (from Maven, run by
scripts/neo4j.sh admin) imports the CSV export of the bundled corpus build into a fresh database;
Neo4j started on it holds the same nodes by label and relationships by type, Result nodes and their
links included, as `kg push` of the same build writes into another fresh Neo4j. `kg push` onto the
imported graph then merges into it: no count changes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import neo4j
import pytest
from conftest import NEO4J_SH, db_counts, neo4j_env

from kg.write.neo4j_csv import import_command

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]

KG = str(Path(sys.executable).with_name("kg"))


def kg(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([KG, *map(str, args)], capture_output=True, text=True, timeout=900, env=env)
    assert done.returncode == 0, done.stderr
    return done


def push(server, out: Path) -> None:  # type: ignore[no-untyped-def]
    kg("push", "--out", out, "--neo4j", server.uri, "--neo4j-dialect", "neo4j", "--quiet",
       env={**os.environ, **server.env()})  # fmt: skip


def counts(server) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with neo4j.GraphDatabase.driver(server.uri, auth=server.auth) as driver:
        return dict(db_counts(driver))


def test_neo4j_admin_import_of_the_csv_export_equals_kg_push(neo4j_factory, corpus_build: Path, tmp_path: Path):
    csv_dir = tmp_path / "csv"
    kg("export", "--format", "neo4j-csv", csv_dir, "--out", corpus_build)

    # The import runs on a DBMS home no server has started yet: database `neo4j` does not exist.
    imported_home = tmp_path / "imported"
    cmd = import_command(csv_dir, "neo4j")
    assert cmd[0] == "neo4j-admin"
    # (neo4j-admin writes import.report into its working directory.)
    done = subprocess.run(["bash", str(NEO4J_SH), "admin", *cmd[1:]], env=neo4j_env(imported_home),
                          cwd=tmp_path, capture_output=True, text=True, timeout=900)  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "IMPORT DONE" in done.stdout + done.stderr
    assert (tmp_path / "import.report").read_text() == ""  # no record skipped as bad

    with neo4j_factory(imported_home) as (server, _):
        imported = counts(server)
        push(server, corpus_build)  # later updates merge into the imported graph
        after_push = counts(server)
    with neo4j_factory(tmp_path / "pushed") as (server, _):
        push(server, corpus_build)
        pushed = counts(server)

    assert pushed["Paper"] > 300 and pushed["Result"] > 0 and pushed["REPORTS"] == pushed["Result"]
    assert {"RESULT_OF", "ON_BENCHMARK", "MEASURED_IN", "MENTIONS", "PROPOSES"} <= set(pushed)
    assert imported == pushed
    assert after_push == pushed
