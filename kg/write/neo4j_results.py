"""Results in Neo4j: ``(:Result)`` nodes linked to what they are about, replaced per paper.

The model (docs/cypher.md)::

    (:Paper)-[:REPORTS]->(:Result {id, paper_id, kind, value, value_text, value_low, value_high,
                                   unit, evidence, confidence})
    (:Result)-[:RESULT_OF]->(:Entity|:Paper)     # the subject (the paper itself for PAPER)
    (:Result)-[:MEASURED_IN]->(:Metric)
    (:Result)-[:ON_BENCHMARK]->(:Dataset)        # Benchmark nodes carry the Dataset label too
    (:Result)-[:AGAINST]->(:Entity)              # the baseline of a gain or ratio

A result is a node, not a relationship property, because it links up to five things (a
relationship has two ends) and leaderboards group and sort these nodes. Writes are ``UNWIND`` +
``MERGE`` on ``Result.id`` (``<paper id>#result-<n>``), so a second write creates no node; the
papers of a write lose their results' links first (:func:`delete_results`, with the other
assertions they replace) and afterwards every result of theirs that was not written again
(:func:`delete_stale_results`), so a re-extracted paper keeps no stale number.

Examples
--------
>>> from kg.types import Result
>>> r = Result("p1#result-0", "p1", "p1", None, "mmlu", None, "85.3", 85.3, "%", "score", "85.3% on MMLU.", 0.9)
>>> rows = result_rows([r], {"p1"}, {"mmlu"})
>>> rows["nodes"][0]["props"]["value"], [link["target"] for link in rows["links"]["ON_BENCHMARK"]]
(85.3, ['mmlu'])
>>> rows["subjects"]["Paper"][0]["target"]
'p1'
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from kg.errors import WriterError
from kg.types import Result

__all__ = [
    "RESULT",
    "REPORTS",
    "LINK_TYPES",
    "result_rows",
    "merge_results",
    "merge_result_links",
    "append_evidence",
    "delete_results",
    "delete_stale_results",
    "clear_results",
    "count_results",
    "schema",
    "split_evidence",
    "send_results",
]

RESULT = "Result"
REPORTS = "REPORTS"
#: Relationship type from a Result to each kind of thing it names.
LINK_TYPES = {"subject": "RESULT_OF", "metric": "MEASURED_IN", "benchmark": "ON_BENCHMARK", "baseline": "AGAINST"}
_TARGET_LABEL = {"Paper": "Paper", "Entity": "Entity"}
#: Evidence longer than this many characters travels in pieces (FalkorDB's parameter cap).
_PIECE = 300


def result_rows(results: Iterable[Result], paper_ids: set[str], entity_ids: set[str]) -> dict[str, Any]:
    """Rows for :func:`merge_results` (``nodes``), the subject links by target label (``subjects``)
    and the other links by relationship type (``links``). A dangling id is a WriterError."""
    nodes: list[dict[str, Any]] = []
    subjects: dict[str, list[dict[str, str]]] = defaultdict(list)
    links: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in results:
        if r.paper_id not in paper_ids:
            raise WriterError(f"result {r.id!r} cites unknown paper {r.paper_id!r}")
        nodes.append(
            {
                "id": r.id,
                "paper_id": r.paper_id,
                "props": {
                    "paper_id": r.paper_id,
                    "kind": r.kind,
                    "value": float(r.value_num),
                    "value_text": r.value,
                    "value_low": r.value_low,
                    "value_high": r.value_high,
                    "unit": r.unit,
                    "evidence": r.evidence,
                    "confidence": float(r.confidence),
                },
            }
        )
        if r.subject_is_paper:
            subjects["Paper"].append({"id": r.id, "target": r.subject})
        elif r.subject in entity_ids:
            subjects["Entity"].append({"id": r.id, "target": r.subject})
        else:
            raise WriterError(f"result {r.id!r}: subject {r.subject!r} is no entity")
        for key in ("metric", "benchmark", "baseline"):
            target = getattr(r, key)
            if target is None:
                continue
            if target not in entity_ids:
                raise WriterError(f"result {r.id!r}: {key} {target!r} is no entity")
            links[LINK_TYPES[key]].append({"id": r.id, "target": target})
    return {"nodes": nodes, "subjects": dict(subjects), "links": dict(links)}


def split_evidence(row: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """A node row whose evidence is long: the row with empty evidence, and the pieces to append.

    Examples
    --------
    >>> row, parts = split_evidence({"id": "r", "props": {"evidence": "x" * 700}})
    >>> row["props"]["evidence"], [len(p) for p in parts]
    ('', [300, 300, 100])
    """
    text = row["props"]["evidence"]
    if len(text) <= _PIECE:
        return row, []
    return {**row, "props": {**row["props"], "evidence": ""}}, [
        text[i : i + _PIECE] for i in range(0, len(text), _PIECE)
    ]


def merge_results() -> str:
    """Upsert Result nodes and their REPORTS edge from the paper: rows ``{id, paper_id, props}``.

    Examples
    --------
    >>> print(merge_results())
    UNWIND $rows AS row MATCH (p:Paper {id: row.paper_id})
    MERGE (r:Result {id: row.id}) SET r += row.props
    MERGE (p)-[:REPORTS]->(r)
    """
    return (
        "UNWIND $rows AS row MATCH (p:Paper {id: row.paper_id})\n"
        f"MERGE (r:{RESULT} {{id: row.id}}) SET r += row.props\n"
        f"MERGE (p)-[:{REPORTS}]->(r)"
    )


def merge_result_links(rel_type: str, target_label: str = "Entity") -> str:
    """Link results to their subject / metric / benchmark / baseline: rows ``{id, target}``.

    Examples
    --------
    >>> merge_result_links("AGAINST").splitlines()[-1]
    'MERGE (r)-[:AGAINST]->(t)'
    """
    if rel_type not in LINK_TYPES.values() or target_label not in _TARGET_LABEL:
        raise ValueError(f"no result link {rel_type!r} to {target_label!r}")
    return (
        f"UNWIND $rows AS row MATCH (r:{RESULT} {{id: row.id}}) MATCH (t:{_TARGET_LABEL[target_label]} "
        "{id: row.target})\n"
        f"MERGE (r)-[:{rel_type}]->(t)"
    )


def append_evidence() -> str:
    """Concatenate ``$part`` onto one result's evidence (see :func:`split_evidence`)."""
    return f"MATCH (r:{RESULT} {{id: $id}}) SET r.evidence = r.evidence + $part"


def delete_results() -> str:
    """The links of every Result of the papers ``$ids`` (found by ``paper_id``, indexed): first step
    of replacing them; the nodes stay so that an unchanged result is updated, not re-created.

    Examples
    --------
    >>> delete_results()
    'UNWIND $ids AS pid MATCH (r:Result {paper_id: pid})-[e]->() DELETE e'
    """
    return f"UNWIND $ids AS pid MATCH (r:{RESULT} {{paper_id: pid}})-[e]->() DELETE e"


def delete_stale_results() -> str:
    """Results of the papers ``$ids`` that this write did not report again (no REPORTS edge left:
    the replacement removed the papers' outgoing edges and :func:`merge_results` re-made the current ones).

    Examples
    --------
    >>> delete_stale_results().endswith("WHERE NOT ()-[:REPORTS]->(r) DETACH DELETE r")
    True
    """
    return f"UNWIND $ids AS pid MATCH (r:{RESULT} {{paper_id: pid}}) WHERE NOT ()-[:{REPORTS}]->(r) DETACH DELETE r"


def clear_results() -> str:
    """Every Result node (``kg push --clear``)."""
    return f"MATCH (r:{RESULT}) DETACH DELETE r"


def count_results() -> str:
    """How many Result nodes the database holds."""
    return f"MATCH (r:{RESULT}) RETURN count(r) AS n"


def schema(dialect: str, existing: Iterable[tuple[str, str]] = ()) -> list[str]:
    """Uniqueness of ``Result.id`` and an index on ``Result.paper_id`` (what replacing reads).

    Examples
    --------
    >>> schema("neo4j")[0]
    'CREATE CONSTRAINT kg_result_id IF NOT EXISTS FOR (n:Result) REQUIRE n.id IS UNIQUE'
    >>> schema("falkordb", [("Result", "id")])
    ['CREATE INDEX FOR (n:Result) ON (n.paper_id)']
    """
    if dialect == "falkordb":
        have = set(existing)
        return [f"CREATE INDEX FOR (n:{RESULT}) ON (n.{p})" for p in ("id", "paper_id") if (RESULT, p) not in have]
    return [
        f"CREATE CONSTRAINT kg_result_id IF NOT EXISTS FOR (n:{RESULT}) REQUIRE n.id IS UNIQUE",
        f"CREATE INDEX kg_result_paper_id IF NOT EXISTS FOR (n:{RESULT}) ON (n.paper_id)",
    ]


def send_results(rows: dict[str, Any], paper_ids: list[str], unwind: Any, submit: Any, by_ids: Any) -> None:
    """Queue the statements of :func:`result_rows`' rows: ``unwind(step, query, rows)`` sends rows
    in batches, ``submit(step, statements)`` statements that share a transaction and
    ``by_ids(step, queries, ids)`` queries over batches of ``paper_ids`` (the papers of the write)."""
    fitted = [split_evidence(row) for row in rows["nodes"]]
    unwind("results", merge_results(), [row for row, _ in fitted])
    for row, parts in fitted:
        if parts:
            submit("results (long evidence)", [(append_evidence(), {"id": row["id"], "part": p}) for p in parts])
    for label, links in sorted(rows["subjects"].items()):
        unwind(f"result subjects :{label}", merge_result_links(LINK_TYPES["subject"], label), links)
    for rel_type, links in sorted(rows["links"].items()):
        unwind(f"result links :{rel_type}", merge_result_links(rel_type), links)
    by_ids("stale results", [delete_stale_results()], paper_ids)
