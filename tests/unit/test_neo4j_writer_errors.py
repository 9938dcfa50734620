"""Neo4jWriter against a fake driver (tests/fixtures/neo4j_fake.py): sessions (database, write
access, auto-commit `CALL {} IN TRANSACTIONS` for clearing), the driver it opens itself, and
one-line errors for dangling references, failed statements, connection failures and bad URIs."""

from __future__ import annotations

import sys
from pathlib import Path
from unittest.mock import MagicMock

import neo4j
import neo4j.exceptions as nx
import pytest

from kg.errors import WriterError
from kg.types import Graph, PaperLink, Relation, RelationType
from kg.write.neo4j import Neo4jSettings, Neo4jWriter

sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures"))
from neo4j_fake import P1, SMALL, URI, calls, fake_driver  # noqa: E402

R = RelationType


def test_clear_uses_call_in_transactions_in_an_auto_commit_session_on_neo4j():
    driver = fake_driver()
    Neo4jWriter(Neo4jSettings(URI, database="kg"), driver=driver).clear()
    driver.session.assert_called_once_with(database="kg", default_access_mode=neo4j.WRITE_ACCESS)
    driver.sess.run.assert_called_once_with(
        "MATCH (n) WHERE n:Paper OR n:Entity CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"
    )
    # Result nodes go too (managed: results are few, one per reported number)
    assert calls(driver) == [("MATCH (r:Result) DETACH DELETE r", {})]


def test_clear_on_falkordb_is_one_managed_statement():
    driver = fake_driver()
    Neo4jWriter(Neo4jSettings(URI, dialect="falkordb"), driver=driver).clear()
    assert calls(driver) == [
        ("MATCH (n) WHERE n:Paper OR n:Entity DETACH DELETE n", {}),
        ("MATCH (r:Result) DETACH DELETE r", {}),
    ]
    driver.sess.run.assert_not_called()


def test_database_and_write_access_for_every_session():
    driver = fake_driver()
    Neo4jWriter(Neo4jSettings(URI, database="papers"), driver=driver).write(SMALL)
    driver.session.assert_called_once_with(database="papers", default_access_mode=neo4j.WRITE_ACCESS)
    assert driver.sess.execute_write.call_count > 5  # one managed transaction per batch


@pytest.mark.parametrize(
    "graph, message",
    [
        (Graph(relations=(Relation("x", R.USES, "y", "p9", "e", 0.5),)), "unknown paper 'p9'"),
        (
            Graph(papers=(P1,), relations=(Relation("ghost", R.USES, "electra", "arxiv:1", "e", 0.5),)),
            "relation head 'ghost'",
        ),
        (Graph(papers=(P1,), mentions=(("arxiv:1", "nobody", 1),)), r"mention \('arxiv:1', 'nobody'\)"),
        (
            Graph(papers=(P1,), paper_links=(PaperLink("arxiv:1", R.BUILDS_ON, "arxiv:404", "x", "e", 1.0),)),
            "'arxiv:1' -> 'arxiv:404'",
        ),
    ],
)
def test_dangling_references_are_errors_not_silent_drops(graph, message):
    driver = fake_driver()
    with pytest.raises(WriterError, match=message):
        Neo4jWriter(Neo4jSettings(URI), driver=driver).write(graph)
    driver.tx.run.assert_not_called()


def test_failed_statement_names_the_step_and_server_code():
    driver = fake_driver()
    driver.sess.execute_write.side_effect = nx.ClientError._hydrate_neo4j(
        code="Neo.ClientError.Statement.SyntaxError", message="Invalid input 'X'"
    )
    with pytest.raises(WriterError, match=r"at schema: Neo.ClientError.Statement.SyntaxError: Invalid input 'X'"):
        Neo4jWriter(Neo4jSettings(URI), driver=driver).write(SMALL)


@pytest.mark.parametrize(
    "exc, message",
    [
        (
            nx.AuthError("The client is unauthorized due to authentication failure."),
            "rejected the credentials of user 'alice'",
        ),
        (
            nx.ServiceUnavailable("Couldn't connect to db.example:7687"),
            "cannot reach Neo4j at bolt://db.example:7687",
        ),
        (nx.DatabaseError("An unknown error occurred"), "refused the connection"),
    ],
)
def test_connection_errors_become_one_line_writer_errors(monkeypatch, exc, message):
    driver = fake_driver()
    driver.verify_connectivity.side_effect = exc
    opened = []
    monkeypatch.setattr(neo4j.GraphDatabase, "driver", lambda uri, **kw: opened.append((uri, kw)) or driver)
    with pytest.raises(WriterError, match=message) as info:
        Neo4jWriter(Neo4jSettings(URI, user="alice", password="secret")).write(SMALL)
    assert "\n" not in str(info.value) and "secret" not in str(info.value)
    assert opened[0][0] == URI and opened[0][1]["auth"] == ("alice", "secret")
    driver.close.assert_called_once()
    driver.tx.run.assert_not_called()


def test_own_driver_is_configured_for_retries_and_closed(monkeypatch):
    driver = fake_driver()
    opened = []
    monkeypatch.setattr(neo4j.GraphDatabase, "driver", lambda uri, **kw: opened.append(kw) or driver)
    Neo4jWriter(Neo4jSettings(URI, max_retry_seconds=12.5)).write(Graph())
    assert opened[0]["max_transaction_retry_time"] == 12.5 and opened[0]["auth"] is None
    driver.verify_connectivity.assert_called_once()
    driver.close.assert_called_once()


def test_falkordb_retries_an_unanswered_handshake(monkeypatch):
    driver = fake_driver()
    driver.verify_connectivity.side_effect = [
        nx.ServiceUnavailable("Failed to read four byte Bolt handshake"),
        None,
    ]
    monkeypatch.setattr(neo4j.GraphDatabase, "driver", lambda uri, **kw: driver)
    Neo4jWriter(Neo4jSettings(URI, dialect="falkordb")).write(Graph())
    assert driver.verify_connectivity.call_count == 2


@pytest.mark.parametrize(
    "uri", ["http://localhost:7474", "localhost:7687", "bolt://", "bolt://host:notaport", "redis://x:6379"]
)
def test_malformed_uri_is_rejected_before_connecting(monkeypatch, uri):
    monkeypatch.setattr(neo4j.GraphDatabase, "driver", MagicMock(side_effect=AssertionError("must not connect")))
    with pytest.raises(WriterError, match="invalid Neo4j URI"):
        Neo4jWriter(Neo4jSettings(uri)).write(Graph())
