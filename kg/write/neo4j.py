"""Write a :class:`kg.types.Graph` to Neo4j over Bolt: batched ``UNWIND $rows … MERGE``, idempotent.

What a write does, in order (Cypher in :mod:`kg.write.cypher`):

1. schema: Neo4j 5 uniqueness constraints + relationship indexes (``IF NOT EXISTS``), each in a
   transaction of its own; on FalkorDB, plain indexes for the ones ``db.indexes()`` does not list yet;
2. papers, then entities (per type label), upserted with ``SET n += row.props``;
3. the graph's papers lose the assertions an earlier write gave them (outgoing relationships,
   entity->entity relations carrying their ``paper_id``, derived links into them), so a
   re-extracted paper is *replaced*, not merged with stale claims;
4. relations (one relationship per head, type, tail, paper), MENTIONS, derived Paper->Paper links,
   then results (:mod:`kg.write.neo4j_results`: Result nodes, deleted first per paper like step 3).

A second identical write leaves every count unchanged. The parts: :mod:`kg.write.neo4j_settings`
(settings, dialects, URI checks), :mod:`kg.write.neo4j_rows` (graph -> rows),
:mod:`kg.write.neo4j_batches` (rows -> statements -> transactions), :mod:`kg.write.neo4j_session`
(driver, managed and auto-commit transactions, one-line errors). Their public names are re-exported
here.

Examples
--------
>>> s = Neo4jSettings.from_env({"NEO4J_URI": "bolt://db:7687", "NEO4J_PASSWORD": "pw"})
>>> (s.uri, s.user, s.password, s.database, s.dialect)
('bolt://db:7687', 'neo4j', 'pw', None, 'neo4j')
>>> list(batches([{"id": "a"}, {"id": "b"}, {"id": "c"}], max_rows=2))
[[{'id': 'a'}, {'id': 'b'}], [{'id': 'c'}]]
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import neo4j
import neo4j.exceptions as nx

from kg.errors import WriterError
from kg.registry import writers
from kg.types import Graph, RelationType
from kg.write import cypher, neo4j_results
from kg.write.neo4j_batches import Batcher, batches, param_size, split_row
from kg.write.neo4j_rows import graph_rows
from kg.write.neo4j_session import (
    Statement,
    Tally,
    first_line,
    open_driver,
    run_auto_commit,
    run_transaction,
    write_session,
)
from kg.write.neo4j_settings import (
    FALKORDB_MAX_PARAM_BYTES,
    SCHEMES,
    Neo4jSettings,
    WriteStats,
    falkordb_escape,
)

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

    def _open(self) -> neo4j.Driver:
        return open_driver(self.settings)

    def _session(self, driver: neo4j.Driver) -> neo4j.Session:
        return write_session(driver, self.settings)

    def _run(self, session: neo4j.Session, tally: Tally, step: str, statements: list[Statement]) -> list[Any]:
        return run_transaction(session, self.settings, tally, step, statements)

    def _schema(self, session: neo4j.Session, tally: Tally) -> None:
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
        tally = Tally()
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

    def _write(self, session: neo4j.Session, tally: Tally, rows: dict[str, Any]) -> None:
        self._schema(session, tally)
        batcher = Batcher(session, self.settings, tally)
        self._write_rows(batcher, rows)
        batcher.flush()

    def _write_rows(self, b: Batcher, rows: dict[str, Any]) -> None:
        b.unwind(
            "papers",
            cypher.merge_papers(),
            rows["papers"],
            "paper",
            lambda k: cypher.append_property("paper", k),
            ("id",),
        )
        for type_, ents in sorted(rows["entities"].items()):
            b.unwind(
                f"entities :{type_.cypher}",
                cypher.merge_entities(type_),
                ents,
                "entity",
                lambda k: cypher.append_property("entity", k),
                ("id",),
            )
        # Replace, per batch of papers in one transaction: what they asserted before goes.
        replace_all = [neo4j_results.delete_results(), cypher.delete_paper_outgoing()]
        replace_all += [cypher.delete_entity_relations(r) for r in RelationType if r is not RelationType.PROPOSES]
        replace_all += [cypher.delete_paper_incoming_links()]
        b.ids("replace paper assertions", replace_all, [p["id"] for p in rows["papers"]])
        for (rel, head), rels in sorted(rows["relations"].items()):
            b.unwind(
                f"relations :{rel.cypher} from {head}",
                cypher.merge_relations(rel, head),
                rels,
                "relation",
                lambda k, rel=rel, head=head: cypher.append_property("relation", k, rel, head),
                ("head", "tail", "paper_id"),
            )
        b.unwind("mentions", cypher.merge_mentions(), rows["mentions"])
        for rel, links in sorted(rows["paper_links"].items()):
            b.unwind(
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
            lambda step, query, batch: b.unwind(step, query, batch),
            b.submit,
            b.ids,
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
                    self._run(session, Tally(), "clear", [(q, {})])
                else:
                    run_auto_commit(session, q)
                self._run(session, Tally(), "clear results", [(neo4j_results.clear_results(), {})])
        except (nx.Neo4jError, nx.DriverError) as exc:
            raise WriterError(f"could not clear the kg graph at {self.settings.uri}: {first_line(exc)}") from exc
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
                    Tally(),
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
