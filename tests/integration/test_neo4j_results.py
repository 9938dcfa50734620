"""Results through Bolt (test server, read back with the official driver): Result nodes and their
links, idempotent writes, per-paper replacement, long evidence, and kg push --clear."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest

from kg.types import Graph, Result
from kg.write.neo4j import Neo4jWriter

pytestmark = pytest.mark.neo4j

sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures"))
import sparql_graph as fx  # noqa: E402
from sparql_papers import P_FA2, P_MISTRAL  # noqa: E402


def writer(server, driver) -> Neo4jWriter:
    return Neo4jWriter(server.settings(), driver=driver)


def rows(driver, query, **params):
    return [list(r.values()) for r in driver.execute_query(query, params).records]


RESULTS = """
MATCH (p:Paper)-[:REPORTS]->(r:Result)-[:RESULT_OF]->(s)
OPTIONAL MATCH (r)-[:MEASURED_IN]->(m)
OPTIONAL MATCH (r)-[:ON_BENCHMARK]->(b)
OPTIONAL MATCH (r)-[:AGAINST]->(c)
RETURN r.id, p.id, s.id, m.id, b.id, c.id, r.kind, r.value, r.value_text, r.value_low, r.value_high, r.unit,
       r.evidence, r.confidence
ORDER BY r.id"""


def expected(g: Graph) -> list[list]:
    return [
        [r.id, r.paper_id, r.subject, r.metric, r.benchmark, r.baseline, r.kind, r.value_num, r.value, r.value_low,
         r.value_high, r.unit, r.evidence, r.confidence]
        for r in sorted(g.results, key=lambda r: r.id)
    ]


def test_results_arrive_with_every_link_and_a_second_write_changes_nothing(bolt_server, bolt):
    g = fx.fixture_graph()
    w = writer(bolt_server, bolt)
    stats = w.write(g)
    assert stats.results == 6
    assert rows(bolt, RESULTS) == expected(g)
    before = rows(bolt, "MATCH (r:Result) RETURN r.id, properties(r) ORDER BY r.id")
    again = w.write(g)
    assert again.nodes_created == 0 and again.relationships_created == again.relationships_deleted
    assert rows(bolt, "MATCH (r:Result) RETURN r.id, properties(r) ORDER BY r.id") == before
    assert w.counts()["Result"] == 6


def test_re_extracted_paper_replaces_its_results_only(bolt_server, bolt):
    g = fx.fixture_graph()
    w = writer(bolt_server, bolt)
    w.write(g)
    mistral = next(p for p in g.papers if p.id == P_MISTRAL)
    first = next(r for r in g.results if r.id == f"{P_MISTRAL}#result-0")
    kept = dataclasses.replace(first, value="61", value_num=61.0)
    again = Graph(
        papers=(mistral,),
        entities=tuple(e for e in g.entities if e.id in ("mistral-7b", "accuracy", "mmlu")),
        results=(kept,),
    )
    w.write(again)
    left = [r for r in g.results if r.paper_id != P_MISTRAL] + [kept]
    assert rows(bolt, RESULTS) == expected(Graph(results=tuple(left)))


def test_long_evidence_arrives_whole_and_clear_removes_results(bolt_server, bolt):
    g = fx.fixture_graph()
    evidence = "FlashAttention-2 is 2x faster — ünïcødé 'quoted' \\ back. " * 80
    assert len(evidence.encode()) > 4000
    long = Result("arxiv:2307.08691#result-0", P_FA2, "flashattention-2", None, None, "flashattention", "2", 2.0,
                  "x", "ratio", evidence, 0.9)
    g = dataclasses.replace(g, results=(long,))
    w = writer(bolt_server, bolt)
    w.write(g)
    assert rows(bolt, "MATCH (r:Result) RETURN r.evidence") == [[evidence]]
    w.clear()
    assert rows(bolt, "MATCH (n) WHERE n:Result OR n:Paper RETURN count(n)") == [[0]]
