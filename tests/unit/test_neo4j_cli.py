"""Neo4j settings from flags and environment, and `kg push` errors (one line, exit 3, no traceback)."""

import subprocess
import sys
from pathlib import Path

import pytest

from kg.cli.neo4j import Neo4jOptions
from kg.errors import WriterError
from kg.write.neo4j import FALKORDB_MAX_PARAM_BYTES, Neo4jSettings

KG = str(Path(sys.executable).with_name("kg"))
ENV = {
    "NEO4J_URI": "bolt://env:7687",
    "NEO4J_USERNAME": "envuser",
    "NEO4J_PASSWORD": "envpw",
    "NEO4J_DATABASE": "envdb",
}


def test_environment_supplies_what_flags_do_not():
    s = Neo4jOptions(user="flaguser").settings(ENV)
    assert (s.uri, s.user, s.password, s.database, s.dialect) == (
        "bolt://env:7687",
        "flaguser",
        "envpw",
        "envdb",
        "neo4j",
    )


def test_flags_win_over_environment():
    s = Neo4jOptions("neo4j://flag:7687", "u", "p", "db", "falkordb").settings(ENV)
    assert (s.uri, s.user, s.password, s.database, s.dialect) == (
        "neo4j://flag:7687",
        "u",
        "p",
        "db",
        "falkordb",
    )
    assert s.param_budget == FALKORDB_MAX_PARAM_BYTES


def test_defaults_without_environment():
    s = Neo4jOptions("bolt://h:7687").settings({})
    assert (s.user, s.password, s.database, s.param_budget) == ("neo4j", None, None, None)
    assert "envpw" not in Neo4jOptions("bolt://h:7687").settings(ENV).redacted()


def test_bad_settings_are_writer_errors():
    with pytest.raises(WriterError, match="no Neo4j URI"):
        Neo4jOptions().settings({})
    with pytest.raises(WriterError, match="unknown dialect 'memgraph'"):
        Neo4jOptions("bolt://h:1", dialect="memgraph").settings({})
    with pytest.raises(ValueError, match="batch_size"):
        Neo4jSettings("bolt://h:1", batch_size=0)


def _push(tmp_path, *args, env=None):
    return subprocess.run(
        [KG, "push", "--out", str(tmp_path), *args],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", **(env or {})},
        timeout=120,
    )


def test_push_without_build_is_input_error(tmp_path):
    r = _push(tmp_path, "--neo4j", "bolt://127.0.0.1:1")
    assert r.returncode == 2 and "graph.json is missing" in r.stderr and "Traceback" not in r.stderr


def test_push_without_uri_says_how_to_give_one(tmp_path):
    (tmp_path / "graph.json").write_text(
        '{"directed": true, "multigraph": true, "graph": {}, "nodes": [], "links": []}'
    )
    r = _push(tmp_path)
    assert r.returncode == 3 and "pass --neo4j bolt://HOST:7687 or set NEO4J_URI" in r.stderr


@pytest.mark.parametrize(
    "uri, message",
    [
        ("http://localhost:7474", "invalid Neo4j URI 'http://localhost:7474'"),
        ("bolt://127.0.0.1:1", "cannot reach Neo4j at bolt://127.0.0.1:1"),
    ],
)
def test_push_connection_errors_are_one_line(tmp_path, uri, message):
    (tmp_path / "graph.json").write_text(
        '{"directed": true, "multigraph": true, "graph": {}, "nodes": [], "links": []}'
    )
    r = _push(tmp_path, env={"NEO4J_URI": uri})
    assert r.returncode == 3, r.stderr
    assert message in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) <= 3  # one message, maybe wrapped by the terminal width
