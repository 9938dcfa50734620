"""Connections and transactions of :class:`kg.write.neo4j.Neo4jWriter`: opening and checking a
driver (one-line errors for a bad URI, an unreachable server, rejected credentials) and running a
list of statements in one managed write transaction, which the driver retries on transient errors
for ``max_retry_seconds``.

Only statements that may share an explicit transaction run here: ``CALL { } IN TRANSACTIONS``
(:func:`kg.write.cypher.clear_graph`) must run in an auto-commit one (:func:`run_auto_commit`).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import neo4j
import neo4j.exceptions as nx

from kg.errors import WriterError
from kg.write.neo4j_settings import Neo4jSettings, check_uri, falkordb_escape

__all__ = [
    "Statement",
    "COUNTERS",
    "Tally",
    "first_line",
    "open_driver",
    "write_session",
    "run_transaction",
    "run_auto_commit",
]

# The driver logs each retry of a lost connection as a WARNING; with no handler configured Python
# prints those to stderr, which buried `kg push`'s one-line error under ten lines when Neo4j died
# mid-write. The outcome reaches the user as a WriterError instead.
logging.getLogger("neo4j").addHandler(logging.NullHandler())

Statement = tuple[str, dict[str, Any]]
COUNTERS = ("nodes_created", "relationships_created", "relationships_deleted", "properties_set")


@dataclass
class Tally:
    """What a write has run so far (statements, the server's counters) and what is still queued."""

    statements: int = 0
    counters: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    pending: list[Statement] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)


def first_line(exc: BaseException) -> str:
    """An exception's message on one line, at most 300 characters."""
    text = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return " ".join(str(text).split())[:300]


def open_driver(s: Neo4jSettings) -> neo4j.Driver:
    """A driver for ``s``, its connectivity and credentials checked (closed again on failure)."""
    check_uri(s.uri)
    auth = (s.user or "neo4j", s.password) if s.password is not None else None
    config: dict[str, Any] = {
        "max_transaction_retry_time": s.max_retry_seconds,
        "connection_timeout": s.connect_timeout,
        "user_agent": "kg-neo4j-writer",
    }
    if s.dialect == "falkordb":
        # FalkorDB leaves the handshake of the first connection after a client hung up unanswered;
        # a short acquisition deadline turns that into a quick, retried failure instead of 60 s.
        config["connection_acquisition_timeout"] = min(3.0, s.connect_timeout)
    try:
        driver = neo4j.GraphDatabase.driver(s.uri, auth=auth, **config)
    except (ValueError, nx.ConfigurationError) as exc:
        raise WriterError(f"invalid Neo4j URI {s.uri!r}: {first_line(exc)}") from exc
    try:
        _verify(driver, s)
    except BaseException:
        driver.close()
        raise
    return driver


def _verify(driver: neo4j.Driver, s: Neo4jSettings) -> None:
    attempts = 3 if s.dialect == "falkordb" else 1
    for attempt in range(attempts):
        try:
            driver.verify_connectivity()
            return
        except nx.AuthError as exc:
            raise WriterError(
                f"Neo4j at {s.uri} rejected the credentials of user {s.user!r}: {first_line(exc)}"
            ) from exc
        except nx.ServiceUnavailable as exc:
            if "handshake" in str(exc) and attempt + 1 < attempts:
                continue
            raise WriterError(f"cannot reach Neo4j at {s.uri}: {first_line(exc)}") from exc
        except (nx.Neo4jError, nx.DriverError) as exc:
            # FalkorDB answers a bad user/password with a bare UnknownError during HELLO.
            raise WriterError(
                f"Neo4j at {s.uri} refused the connection (check user {s.user!r} and password): {first_line(exc)}"
            ) from exc


def write_session(driver: neo4j.Driver, s: Neo4jSettings) -> neo4j.Session:
    """A write session on the configured database (the server's default when None)."""
    return driver.session(database=s.database, default_access_mode=neo4j.WRITE_ACCESS)


def _unit_of_work(tx: neo4j.ManagedTransaction, statements: list[Statement]) -> list[tuple[list[dict[str, Any]], Any]]:
    """Run statements in order in one transaction; the driver may call this again on a retry."""
    out = []
    for query, params in statements:
        result = tx.run(query, params)
        records = [r.data() for r in result]
        out.append((records, result.consume().counters))
    return out


def run_transaction(
    session: neo4j.Session, s: Neo4jSettings, tally: Tally, step: str, statements: list[Statement]
) -> list[Any]:
    """Run ``statements`` in one managed write transaction (retried by the driver on transient
    errors); returns each statement's records as dicts and adds its counters to ``tally``."""
    if s.dialect == "falkordb":
        statements = [(q, falkordb_escape(p)) for q, p in statements]
    try:
        results = session.execute_write(_unit_of_work, statements)
    except nx.ServiceUnavailable as exc:
        raise WriterError(f"lost Neo4j at {s.uri} while writing {step}: {first_line(exc)}") from exc
    except (nx.Neo4jError, nx.DriverError) as exc:
        code = getattr(exc, "code", None) or type(exc).__name__
        hint = ""
        if step == "schema" and "UnknownError" in str(code) and s.dialect == "neo4j":
            hint = " (a FalkorDB server? pass --neo4j-dialect falkordb)"
        raise WriterError(f"Neo4j write failed at {step}: {code}: {first_line(exc)}{hint}") from exc
    tally.statements += len(statements)
    out = []
    for records, counters in results:
        for name in COUNTERS:
            tally.counters[name] += int(getattr(counters, name, 0) or 0)
        out.append(records)
    return out


def run_auto_commit(session: neo4j.Session, query: str) -> None:
    """Run one statement in an implicit (auto-commit) transaction: the only kind in which Neo4j
    accepts ``CALL { } IN TRANSACTIONS``. Not retried: callers make it idempotent."""
    session.run(query).consume()
