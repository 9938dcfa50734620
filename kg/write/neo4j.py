"""Write a :class:`kg.types.Graph` to Neo4j over Bolt: batched ``UNWIND $rows … MERGE``, idempotent.

What a write does, in order (Cypher in :mod:`kg.write.cypher`):

1. schema: Neo4j 5 uniqueness constraints + relationship indexes (``IF NOT EXISTS``); on FalkorDB,
   plain indexes for the ones ``db.indexes()`` does not list yet;
2. papers, then entities (per type label), upserted with ``SET n += row.props``;
3. the graph's papers lose the assertions an earlier write gave them (outgoing relationships,
   entity->entity relations carrying their ``paper_id``, derived links into them), so a
   re-extracted paper is *replaced*, not merged with stale claims;
4. relations (one relationship per head, type, tail, paper), MENTIONS, derived Paper->Paper links,
   then results (:mod:`kg.write.neo4j_results`: Result nodes, deleted first per paper like step 3).

Every statement runs in a managed transaction (``Driver.execute_query``), which the driver retries on
transient errors for ``max_retry_seconds``. A second identical write leaves every count unchanged.

Dialect ``falkordb`` (the Bolt test server, see scripts/falkordb.sh) keeps every statement's
parameters under ``max_param_bytes`` (larger ones crash that server): batches are cut by size, and a
value too large for one statement is sent in pieces that the server concatenates
(``SET n.k = n.k + $part``), so nothing is truncated.

Examples
--------
>>> s = Neo4jSettings.from_env({"NEO4J_URI": "bolt://db:7687", "NEO4J_PASSWORD": "pw"})
>>> (s.uri, s.user, s.password, s.database, s.dialect)
('bolt://db:7687', 'neo4j', 'pw', None, 'neo4j')
>>> list(batches([{"id": "a"}, {"id": "b"}, {"id": "c"}], max_rows=2))
[[{'id': 'a'}, {'id': 'b'}], [{'id': 'c'}]]
"""

from __future__ import annotations

import json
import os
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any
from urllib.parse import urlsplit

import neo4j
import neo4j.exceptions as nx

from kg.errors import WriterError
from kg.registry import writers
from kg.types import Graph, RelationType
from kg.write import cypher, neo4j_results
from kg.write.cypher import APPENDABLE, Dialect

__all__ = [
    "SCHEMES",
    "FALKORDB_MAX_PARAM_BYTES",
    "Neo4jSettings",
    "WriteStats",
    "Neo4jWriter",
    "batches",
    "param_size",
    "falkordb_escape",
    "split_row",
    "graph_rows",
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


def param_size(value: Any) -> int:
    """An upper bound of a value's size on the wire: its ASCII JSON length (a non-ASCII character
    counts 6 bytes, more than its UTF-8 form; PackStream markers are smaller than JSON's quotes,
    commas and colons), plus one per apostrophe, which :func:`falkordb_escape` doubles.

    Examples
    --------
    >>> param_size({"id": "é"}), param_size("it's")
    (16, 7)
    """
    text = json.dumps(value, ensure_ascii=True, default=str)
    return len(text) + text.count("'")


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


def batches(rows: Iterable[Any], max_rows: int, max_bytes: int | None = None) -> Iterator[list[Any]]:
    """Consecutive groups of at most ``max_rows`` rows whose :func:`param_size` sum stays within
    ``max_bytes`` (a single row larger than that forms its own group; see :func:`split_row`).

    Examples
    --------
    >>> [len(b) for b in batches([{"s": "x" * 40}] * 5, max_rows=10, max_bytes=100)]
    [2, 2, 1]
    """
    batch: list[Any] = []
    size = 0
    for row in rows:
        n = param_size(row) + 1
        if batch and (len(batch) >= max_rows or (max_bytes is not None and size + n > max_bytes)):
            yield batch
            batch, size = [], 0
        batch.append(row)
        size += n
    if batch:
        yield batch


def _pieces(value: Any, budget: int) -> list[Any]:
    """Cut a string or list into consecutive pieces of at most ``budget`` bytes (param_size)."""
    out: list[Any] = []
    if isinstance(value, str):
        start = 0
        while start < len(value):
            end = min(len(value), start + budget - 2)
            while end > start + 1 and param_size(value[start:end]) > budget:
                end = start + max(1, (end - start) * 3 // 4)
            out.append(value[start:end])
            start = end
        return out
    if isinstance(value, list):
        cur: list[Any] = []
        for item in value:
            if param_size(item) + 2 > budget:
                raise WriterError(
                    f"list item too large for one statement ({param_size(item)} bytes): {item!r:.80}"
                )
            if cur and param_size(cur + [item]) > budget:
                out.append(cur)
                cur = []
            cur.append(item)
        if cur:
            out.append(cur)
        return out
    raise WriterError(f"cannot split a {type(value).__name__} value")


def split_row(
    row: dict[str, Any], kind: str, budget: int, key_params: dict[str, Any]
) -> tuple[dict[str, Any], list[tuple[str, Any]]]:
    """Make ``row`` fit ``budget`` bytes losslessly: large appendable values (see
    :data:`kg.write.cypher.APPENDABLE`) are emptied in the row and returned as ``(key, piece)``
    appends, in order, each small enough to travel with ``key_params`` (the record's identifiers).

    Examples
    --------
    >>> row = {"id": "p1", "props": {"title": "T", "abstract": "a" * 50}}
    >>> first, rest = split_row(row, "paper", 64, {"id": "p1"})
    >>> first["props"]["abstract"], [(k, len(p)) for k, p in rest]
    ('', [('abstract', 38), ('abstract', 12), ('title', 1)])
    >>> "".join(p for k, p in rest if k == "abstract") == "a" * 50
    True
    """
    if param_size(row) <= budget:
        return row, []
    nested = "props" in row
    values = dict(row["props"] if nested else row)
    piece_budget = budget - param_size({**key_params, "part": ""})
    if piece_budget < 16:
        raise WriterError(f"{kind} {key_params} has identifiers too long for one statement ({budget} bytes)")
    appends: list[tuple[str, Any]] = []
    for key in sorted(APPENDABLE[kind]):
        v = values.get(key)
        if isinstance(v, (str, list)) and v:
            values[key] = "" if isinstance(v, str) else []
            appends += [(key, p) for p in _pieces(v, piece_budget)]
    first = {**row, "props": values} if nested else values
    if param_size(first) > budget:
        raise WriterError(f"{kind} {key_params} does not fit one statement even without its long values")
    return first, appends


def _check_uri(uri: str) -> None:
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError as exc:
        raise WriterError(f"invalid Neo4j URI {uri!r}: {exc}") from None
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise WriterError(
            f"invalid Neo4j URI {uri!r}: expected bolt://HOST:PORT or neo4j://HOST:PORT"
            f" (schemes: {', '.join(SCHEMES)})"
        )
    if port == 0:
        raise WriterError(f"invalid Neo4j URI {uri!r}: port 0")


def _first_line(exc: BaseException) -> str:
    text = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return " ".join(str(text).split())[:300]


def graph_rows(graph: Graph) -> dict[str, Any]:
    """The rows each statement sends, grouped: papers, entities by type, relations by (type, head
    kind), mentions, paper links by type. Raises WriterError for a dangling reference, since a MATCH
    would silently drop it.

    Examples
    --------
    >>> from kg.types import Entity, EntityType, Paper
    >>> g = Graph(papers=(Paper("p1", "T", "A"),), entities=(Entity("e1", EntityType.MODEL, "E"),),
    ...           mentions=(("p1", "e1", 2),))
    >>> graph_rows(g)["mentions"]
    [{'paper': 'p1', 'entity': 'e1', 'count': 2}]
    """
    paper_ids = {p.id for p in graph.papers}
    entity_ids = {e.id for e in graph.entities}
    papers = [
        {
            "id": p.id,
            "props": {
                "title": p.title,
                "abstract": p.abstract,
                "date": p.date,
                "url": p.url,
                "arxiv_id": p.arxiv_id,
                "authors": list(p.authors),
                "categories": list(p.categories),
                "source": p.source or None,
            },
        }
        for p in graph.papers
    ]
    entities: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for e in graph.entities:
        entities[e.type].append(
            {"id": e.id, "props": {"name": e.name, "type": e.type.value, "aliases": list(e.aliases)}}
        )
    relations: dict[tuple[RelationType, str], list[dict[str, Any]]] = defaultdict(list)
    for r in graph.relations:
        if r.paper_id not in paper_ids:
            raise WriterError(f"relation {r.head} {r.type.value} {r.tail} cites unknown paper {r.paper_id!r}")
        head_kind = cypher.PAPER if r.head_is_paper else cypher.ENTITY
        if head_kind == cypher.ENTITY and r.head not in entity_ids:
            raise WriterError(f"relation head {r.head!r} ({r.type.value}, paper {r.paper_id}) is no entity")
        if r.tail not in entity_ids:
            raise WriterError(f"relation tail {r.tail!r} ({r.type.value}, paper {r.paper_id}) is no entity")
        relations[(r.type, head_kind)].append(
            {
                "head": r.head,
                "tail": r.tail,
                "paper_id": r.paper_id,
                "evidence": r.evidence,
                "confidence": float(r.confidence),
                "extractor": r.extractor,
            }
        )
    mentions = []
    for paper, entity, count in graph.mentions:
        if paper not in paper_ids or entity not in entity_ids:
            raise WriterError(f"mention ({paper!r}, {entity!r}) references an unknown paper or entity")
        mentions.append({"paper": paper, "entity": entity, "count": int(count)})
    links: dict[RelationType, list[dict[str, Any]]] = defaultdict(list)
    for link in graph.paper_links:
        if link.source not in paper_ids or link.target not in paper_ids:
            raise WriterError(f"paper link {link.source!r} -> {link.target!r} references an unknown paper")
        if link.type not in cypher.PAPER_LINK_TYPES:
            raise WriterError(f"paper link type {link.type.value!r} is not builds-on or improves-on")
        links[link.type].append(
            {
                "source": link.source,
                "target": link.target,
                "via": link.via,
                "evidence": link.evidence,
                "confidence": float(link.confidence),
            }
        )
    return {
        "papers": papers,
        "entities": dict(entities),
        "relations": dict(relations),
        "mentions": mentions,
        "paper_links": dict(links),
        "results": neo4j_results.result_rows(graph.results, paper_ids, entity_ids),
    }


Statement = tuple[str, dict[str, Any]]
_COUNTERS = ("nodes_created", "relationships_created", "relationships_deleted", "properties_set")


def _unit_of_work(
    tx: neo4j.ManagedTransaction, statements: list[Statement]
) -> list[tuple[list[dict[str, Any]], Any]]:
    """Run statements in order in one transaction; the driver may call this again on a retry."""
    out = []
    for query, params in statements:
        result = tx.run(query, params)
        records = [r.data() for r in result]
        out.append((records, result.consume().counters))
    return out


@dataclass
class _Tally:
    statements: int = 0
    counters: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    pending: list[Statement] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)


@writers.register("neo4j")
class Neo4jWriter:
    """Writes graphs to one Neo4j (or FalkorDB) database.

    Pass ``driver`` to reuse an open ``neo4j.Driver`` (the writer then never closes it); otherwise
    each :meth:`write` opens one from ``settings``, checks connectivity and closes it.

    Raises
    ------
    WriterError
        A one-line message for a malformed URI, an unreachable server, rejected credentials or a
        failed statement (which statement, the server's code and message).
    """

    def __init__(self, settings: Neo4jSettings, driver: neo4j.Driver | None = None) -> None:
        self.settings = settings
        self._driver = driver

    # ------------------------------------------------------------------ connection
    def _open(self) -> neo4j.Driver:
        s = self.settings
        _check_uri(s.uri)
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
            raise WriterError(f"invalid Neo4j URI {s.uri!r}: {_first_line(exc)}") from exc
        try:
            self._verify(driver)
        except BaseException:
            driver.close()
            raise
        return driver

    def _verify(self, driver: neo4j.Driver) -> None:
        s = self.settings
        attempts = 3 if s.dialect == "falkordb" else 1
        for attempt in range(attempts):
            try:
                driver.verify_connectivity()
                return
            except nx.AuthError as exc:
                raise WriterError(
                    f"Neo4j at {s.uri} rejected the credentials of user {s.user!r}: {_first_line(exc)}"
                ) from exc
            except nx.ServiceUnavailable as exc:
                if "handshake" in str(exc) and attempt + 1 < attempts:
                    continue
                raise WriterError(f"cannot reach Neo4j at {s.uri}: {_first_line(exc)}") from exc
            except (nx.Neo4jError, nx.DriverError) as exc:
                # FalkorDB answers a bad user/password with a bare UnknownError during HELLO.
                raise WriterError(
                    f"Neo4j at {s.uri} refused the connection (check user {s.user!r} and password): "
                    f"{_first_line(exc)}"
                ) from exc

    # ------------------------------------------------------------------ statements
    def _session(self, driver: neo4j.Driver) -> neo4j.Session:
        return driver.session(database=self.settings.database, default_access_mode=neo4j.WRITE_ACCESS)

    def _run(
        self, session: neo4j.Session, tally: _Tally, step: str, statements: list[Statement]
    ) -> list[Any]:
        """Run ``statements`` in one managed write transaction (retried by the driver on transient
        errors); returns each statement's records as dicts."""
        if self.settings.dialect == "falkordb":
            statements = [(q, falkordb_escape(p)) for q, p in statements]
        try:
            results = session.execute_write(_unit_of_work, statements)
        except nx.ServiceUnavailable as exc:
            raise WriterError(
                f"lost Neo4j at {self.settings.uri} while writing {step}: {_first_line(exc)}"
            ) from exc
        except (nx.Neo4jError, nx.DriverError) as exc:
            code = getattr(exc, "code", None) or type(exc).__name__
            hint = ""
            if step == "schema" and "UnknownError" in str(code) and self.settings.dialect == "neo4j":
                hint = " (a FalkorDB server? pass --neo4j-dialect falkordb)"
            raise WriterError(f"Neo4j write failed at {step}: {code}: {_first_line(exc)}{hint}") from exc
        tally.statements += len(statements)
        out = []
        for records, counters in results:
            for name in _COUNTERS:
                tally.counters[name] += int(getattr(counters, name, 0) or 0)
            out.append(records)
        return out

    def _unwind(
        self,
        session: neo4j.Session,
        tally: _Tally,
        step: str,
        query: str,
        rows: list[dict[str, Any]],
        kind: str | None = None,
        append: Any = None,
        keys: tuple[str, ...] = (),
    ) -> None:
        """Send ``rows`` through ``query`` in batches, one transaction each. A row too large for the
        budget travels with its long values emptied; statements appending them follow in the same
        transaction."""
        budget = self.settings.param_budget
        limit = None if budget is None else budget - 16  # room for the {"rows": [...]} wrapper
        fitted: list[tuple[dict[str, Any], list[Statement]]] = []
        for row in rows:
            if limit is not None and kind is not None and param_size(row) > limit:
                ids = {k: row[k] for k in keys}
                first, rest = split_row(row, kind, limit, ids)
                fitted.append((first, [(append(key), {**ids, "part": part}) for key, part in rest]))
            else:
                fitted.append((row, []))
        sizes = iter(fitted)
        for batch in batches((row for row, _ in fitted), self.settings.batch_size, limit):
            extra = [st for _ in batch for st in next(sizes)[1]]
            self._submit(session, tally, step, [(query, {"rows": batch}), *extra])

    def _ids(
        self, session: neo4j.Session, tally: _Tally, step: str, queries: list[str], ids: list[str]
    ) -> None:
        budget = self.settings.param_budget
        for batch in batches(ids, self.settings.batch_size, None if budget is None else budget - 16):
            self._submit(session, tally, step, [(q, {"ids": batch}) for q in queries])

    def _submit(self, session: neo4j.Session, tally: _Tally, step: str, group: list[Statement]) -> None:
        """Queue statements that must share a transaction; run the queue once it is long enough."""
        tally.pending += group
        if step not in tally.steps:
            tally.steps.append(step)
        if len(tally.pending) >= self.settings.statements_per_transaction:
            self._flush(session, tally)

    def _flush(self, session: neo4j.Session, tally: _Tally) -> None:
        if tally.pending:
            statements, steps = tally.pending, tally.steps
            tally.pending, tally.steps = [], []
            self._run(session, tally, " / ".join(steps), statements)

    def _schema(self, session: neo4j.Session, tally: _Tally) -> None:
        if self.settings.dialect == "falkordb":
            [records] = self._run(session, tally, "index listing", [(cypher.list_indexes(), {})])
            have = {(r["label"], p) for r in records for p in r["properties"]}
            statements = cypher.falkordb_indexes(have) + neo4j_results.schema("falkordb", have)
        else:
            statements = cypher.constraints() + cypher.relationship_indexes() + neo4j_results.schema("neo4j")
        for q in statements:  # schema changes may not share a transaction with anything else
            self._run(session, tally, "schema", [(q, {})])

    # ------------------------------------------------------------------ public
    def write(self, graph: Graph) -> WriteStats:
        """Upsert ``graph``; the papers it holds get exactly the assertions it holds.

        Examples
        --------
        >>> from unittest.mock import MagicMock
        >>> driver = MagicMock(spec=neo4j.Driver)
        >>> session = driver.session.return_value.__enter__.return_value
        >>> stats = Neo4jWriter(Neo4jSettings("bolt://x:7687"), driver=driver).write(Graph())
        >>> session.execute_write.call_args_list[0].args[1]
        [('CREATE CONSTRAINT kg_paper_id IF NOT EXISTS FOR (n:Paper) REQUIRE n.id IS UNIQUE', {})]
        """
        started = time.perf_counter()
        rows = graph_rows(graph)
        driver = self._driver or self._open()
        tally = _Tally()
        try:
            with self._session(driver) as session:
                self._write(session, tally, rows)
        finally:
            if self._driver is None:
                driver.close()
        c = tally.counters
        return WriteStats(
            papers=len(rows["papers"]),
            entities=sum(len(v) for v in rows["entities"].values()),
            relations=sum(len(v) for v in rows["relations"].values()),
            mentions=len(rows["mentions"]),
            paper_links=sum(len(v) for v in rows["paper_links"].values()),
            results=len(rows["results"]["nodes"]),
            statements=tally.statements,
            nodes_created=c["nodes_created"],
            relationships_created=c["relationships_created"],
            relationships_deleted=c["relationships_deleted"],
            properties_set=c["properties_set"],
            seconds=round(time.perf_counter() - started, 3),
        )

    def _write(self, session: neo4j.Session, tally: _Tally, rows: dict[str, Any]) -> None:
        self._schema(session, tally)
        self._write_rows(session, tally, rows)
        self._flush(session, tally)

    def _write_rows(self, session: neo4j.Session, tally: _Tally, rows: dict[str, Any]) -> None:
        self._unwind(
            session,
            tally,
            "papers",
            cypher.merge_papers(),
            rows["papers"],
            "paper",
            lambda k: cypher.append_property("paper", k),
            ("id",),
        )
        for type_, ents in sorted(rows["entities"].items()):
            self._unwind(
                session,
                tally,
                f"entities :{type_.cypher}",
                cypher.merge_entities(type_),
                ents,
                "entity",
                lambda k: cypher.append_property("entity", k),
                ("id",),
            )
        # Replace, per batch of papers in one transaction: what they asserted before goes.
        replace_all = [neo4j_results.delete_results(), cypher.delete_paper_outgoing()]
        replace_all += [
            cypher.delete_entity_relations(r) for r in RelationType if r is not RelationType.PROPOSES
        ]
        replace_all += [cypher.delete_paper_incoming_links()]
        self._ids(session, tally, "replace paper assertions", replace_all, [p["id"] for p in rows["papers"]])
        for (rel, head), rels in sorted(rows["relations"].items()):
            self._unwind(
                session,
                tally,
                f"relations :{rel.cypher} from {head}",
                cypher.merge_relations(rel, head),
                rels,
                "relation",
                lambda k, rel=rel, head=head: cypher.append_property("relation", k, rel, head),
                ("head", "tail", "paper_id"),
            )
        self._unwind(session, tally, "mentions", cypher.merge_mentions(), rows["mentions"])
        for rel, links in sorted(rows["paper_links"].items()):
            self._unwind(
                session,
                tally,
                f"paper links :{rel.cypher}",
                cypher.merge_paper_links(rel),
                links,
                "paper_link",
                lambda k, rel=rel: cypher.append_property("paper_link", k, rel),
                ("source", "target", "via"),
            )
        neo4j_results.send_results(
            rows["results"],
            [p["id"] for p in rows["papers"]],
            lambda step, query, batch: self._unwind(session, tally, step, query, batch),
            lambda step, statements: self._submit(session, tally, step, statements),
            lambda step, queries, ids: self._ids(session, tally, step, queries, ids),
        )

    def clear(self) -> None:
        """Delete every Paper and Entity node (and their relationships) from the database.

        On Neo4j this is ``CALL {} IN TRANSACTIONS``, which must run in an auto-commit transaction.
        """
        driver = self._driver or self._open()
        q = cypher.clear_graph(self.settings.dialect)
        try:
            with self._session(driver) as session:
                if self.settings.dialect == "falkordb":
                    self._run(session, _Tally(), "clear", [(q, {})])
                else:
                    session.run(q).consume()
                self._run(session, _Tally(), "clear results", [(neo4j_results.clear_results(), {})])
        except (nx.Neo4jError, nx.DriverError) as exc:
            raise WriterError(
                f"could not clear the kg graph at {self.settings.uri}: {_first_line(exc)}"
            ) from exc
        finally:
            if self._driver is None:
                driver.close()

    def counts(self) -> dict[str, int]:
        """Nodes by kind (``Paper``, ``Entity``) and relationships by type, as the server counts them."""
        driver = self._driver or self._open()
        try:
            with self._session(driver) as session:
                nodes, rels, results = self._run(
                    session,
                    _Tally(),
                    "counts",
                    [
                        (cypher.count_nodes(), {}),
                        (cypher.count_relationships(), {}),
                        (neo4j_results.count_results(), {}),
                    ],
                )
        finally:
            if self._driver is None:
                driver.close()
        out = {cypher.PAPER if r["paper"] else cypher.ENTITY: r["n"] for r in nodes}
        out.update({r["type"]: r["n"] for r in rels})
        if results and results[0]["n"]:
            out[neo4j_results.RESULT] = results[0]["n"]
        return out

    def with_settings(self, **changes: Any) -> Neo4jWriter:
        """A writer on the same driver with some settings changed (e.g. ``batch_size=1``)."""
        return Neo4jWriter(replace(self.settings, **changes), driver=self._driver)
