"""Where and how :class:`kg.write.neo4j.Neo4jWriter` writes, and what one write did: the settings,
the dialects (``neo4j``, ``falkordb``) and what each changes, URI checks.

Dialect ``falkordb`` (the second Bolt test server, see scripts/falkordb.sh) keeps every statement's
parameters under ``max_param_bytes`` (larger ones crash that server) and escapes strings the way
that server needs (:func:`falkordb_escape`); ``neo4j`` sends 1,000-row batches as they are.

Examples
--------
>>> s = Neo4jSettings.from_env({"NEO4J_URI": "bolt://db:7687", "NEO4J_PASSWORD": "pw"})
>>> (s.uri, s.user, s.password, s.database, s.dialect)
('bolt://db:7687', 'neo4j', 'pw', None, 'neo4j')
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any
from urllib.parse import urlsplit

from kg.errors import WriterError
from kg.write import cypher
from kg.write.cypher import Dialect

__all__ = [
    "SCHEMES",
    "FALKORDB_MAX_PARAM_BYTES",
    "Neo4jSettings",
    "WriteStats",
    "check_uri",
    "falkordb_escape",
]

SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")
#: FalkorDB 4.16 over Bolt crashes on a RUN whose parameters exceed ~4 KB (measured: 4,000 ok, 4,100
#: crash); 3,000 leaves room for PackStream overhead, which :func:`param_size` over-estimates anyway.
FALKORDB_MAX_PARAM_BYTES = 3000


@dataclass(frozen=True, slots=True)
class Neo4jSettings:
    """Where and how to write. Build it from flags, or from the environment with :meth:`from_env`.

    ``password=None`` connects without authentication. ``database=None`` uses the server's default.
    ``dialect="falkordb"`` keeps statements within what FalkorDB's Bolt endpoint accepts.
    """

    uri: str
    user: str = "neo4j"
    password: str | None = None
    database: str | None = None
    dialect: Dialect = "neo4j"
    batch_size: int = 1000
    max_param_bytes: int | None = None
    max_retry_seconds: float = 30.0
    connect_timeout: float = 10.0
    tx_statements: int | None = None

    def __post_init__(self) -> None:
        if self.dialect not in cypher.DIALECTS:
            raise ValueError(f"unknown dialect {self.dialect!r} (known: {', '.join(cypher.DIALECTS)})")
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {self.batch_size}")
        if self.tx_statements is not None and self.tx_statements < 1:
            raise ValueError(f"tx_statements must be >= 1, got {self.tx_statements}")
        if self.max_param_bytes is not None and self.max_param_bytes < 256:
            raise ValueError(f"max_param_bytes must be >= 256, got {self.max_param_bytes}")

    @property
    def param_budget(self) -> int | None:
        """The per-statement parameter budget in bytes (None: unlimited)."""
        if self.max_param_bytes is not None:
            return self.max_param_bytes
        return FALKORDB_MAX_PARAM_BYTES if self.dialect == "falkordb" else None

    @property
    def statements_per_transaction(self) -> int:
        """Statements grouped into one managed transaction. Neo4j: one 1000-row batch each (a small
        retry unit); FalkorDB: 50 of its small size-capped batches, whose BEGIN/COMMIT round trips
        would otherwise dominate (it has no rollback, so grouping changes no guarantee there)."""
        if self.tx_statements is not None:
            return self.tx_statements
        return 50 if self.dialect == "falkordb" else 1

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Neo4jSettings:
        """Settings from NEO4J_URI, NEO4J_USERNAME (or NEO4J_USER), NEO4J_PASSWORD, NEO4J_DATABASE and
        KG_NEO4J_DIALECT; keyword ``overrides`` that are not None win (that is how flags apply).

        Examples
        --------
        >>> Neo4jSettings.from_env({"NEO4J_URI": "bolt://a:1"}, uri="bolt://b:2", database=None).uri
        'bolt://b:2'
        >>> Neo4jSettings.from_env({})
        Traceback (most recent call last):
        ...
        kg.errors.WriterError: no Neo4j URI: pass --neo4j bolt://HOST:7687 or set NEO4J_URI
        """
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {
            "uri": env.get("NEO4J_URI"),
            "user": env.get("NEO4J_USERNAME") or env.get("NEO4J_USER"),
            "password": env.get("NEO4J_PASSWORD"),
            "database": env.get("NEO4J_DATABASE") or None,
            "dialect": env.get("KG_NEO4J_DIALECT"),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        if not values.get("uri"):
            raise WriterError("no Neo4j URI: pass --neo4j bolt://HOST:7687 or set NEO4J_URI")
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown Neo4j settings: {sorted(unknown)}")
        try:
            return cls(**{k: v for k, v in values.items() if v is not None})
        except ValueError as exc:
            raise WriterError(str(exc)) from None

    def redacted(self) -> str:
        """A one-line description without the password."""
        db = f", database {self.database}" if self.database else ""
        return f"{self.uri} (user {self.user!r}{db}, dialect {self.dialect})"


@dataclass(frozen=True, slots=True)
class WriteStats:
    """What one write sent and what the server reported doing."""

    papers: int = 0
    entities: int = 0
    relations: int = 0
    mentions: int = 0
    paper_links: int = 0
    results: int = 0
    statements: int = 0
    nodes_created: int = 0
    relationships_created: int = 0
    relationships_deleted: int = 0
    properties_set: int = 0
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        """Records written: papers + entities + relations + mentions + paper links + results."""
        return self.papers + self.entities + self.relations + self.mentions + self.paper_links + self.results


def falkordb_escape(value: Any) -> Any:
    r"""Escape ``\`` and ``'`` in every string of a parameter value, for FalkorDB's Bolt endpoint.

    FalkorDB 4.16 splices Bolt parameters into a quoted text prefix without escaping them: a string
    holding ``'`` or ending in ``\`` fails the statement, and backslash sequences are decoded.
    Escaping both characters makes the server store exactly the original string (verified on the
    test server for quotes, backslashes, ``\n``, ``\u00e9`` and more; see docs/cypher.md).

    Examples
    --------
    >>> print(falkordb_escape({"rows": [{"e": "ELECTRA's \\ head", "n": 1.5}]}))
    {'rows': [{'e': "ELECTRA\\'s \\\\ head", 'n': 1.5}]}
    >>> print(falkordb_escape(["it's"])[0])
    it\'s
    """
    if isinstance(value, str):
        return value.replace("\\", "\\\\").replace("'", "\\'")
    if isinstance(value, list):
        return [falkordb_escape(v) for v in value]
    if isinstance(value, dict):
        return {k: falkordb_escape(v) for k, v in value.items()}
    return value


def check_uri(uri: str) -> None:
    """Raise WriterError for a URI the driver cannot use (scheme, host, port), before connecting.

    Examples
    --------
    >>> check_uri("bolt://h:0")
    Traceback (most recent call last):
    ...
    kg.errors.WriterError: invalid Neo4j URI 'bolt://h:0': port 0
    """
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError as exc:
        raise WriterError(f"invalid Neo4j URI {uri!r}: {exc}") from None
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise WriterError(
            f"invalid Neo4j URI {uri!r}: expected bolt://HOST:PORT or neo4j://HOST:PORT (schemes: {', '.join(SCHEMES)})"
        )
    if port == 0:
        raise WriterError(f"invalid Neo4j URI {uri!r}: port 0")
