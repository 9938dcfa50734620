"""Neo4jWriter against a fake driver (tests/fixtures/neo4j_fake.py): the exact Cypher and parameters,
including the Neo4j-5-only statements the FalkorDB test server rejects (constraints, IF NOT EXISTS,
1000-row batches), batching, lossless splitting, escaping and transactions. Sessions and errors:
test_neo4j_writer_errors.py."""

from __future__ import annotations

import sys
from pathlib import Path

from kg.types import Entity, EntityType, Graph, Paper, Relation, RelationType
from kg.write import cypher, neo4j_results
from kg.write.neo4j import Neo4jSettings, Neo4jWriter, param_size

sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures"))
from neo4j_fake import P1, P2, SMALL, URI, calls, fake_driver  # noqa: E402

R = RelationType


def test_neo4j_dialect_sends_exact_statements_in_order():
    driver = fake_driver()
    stats = Neo4jWriter(Neo4jSettings(URI), driver=driver).write(SMALL)
    sent = calls(driver)
    schema = cypher.constraints() + cypher.relationship_indexes() + neo4j_results.schema("neo4j")
    assert [q for q, _ in sent[: len(schema)]] == schema
    assert sent[0] == ("CREATE CONSTRAINT kg_paper_id IF NOT EXISTS FOR (n:Paper) REQUIRE n.id IS UNIQUE", {})
    assert sent[1] == (
        "CREATE CONSTRAINT kg_entity_id IF NOT EXISTS FOR (n:Entity) REQUIRE n.id IS UNIQUE",
        {},
    )
    rest = sent[len(schema) :]
    assert rest[0] == (
        "UNWIND $rows AS row MERGE (n:Paper {id: row.id}) SET n += row.props",
        {
            "rows": [
                {
                    "id": "arxiv:1",
                    "props": {
                        "title": "ELECTRA",
                        "abstract": P1.abstract,
                        "date": "2020-03-23",
                        "url": None,
                        "arxiv_id": "1",
                        "authors": ["K. Clark"],
                        "categories": [],
                        "source": None,
                    },
                },
                {
                    "id": "arxiv:2",
                    "props": {
                        "title": "DeBERTaV3",
                        "abstract": P2.abstract,
                        "date": None,
                        "url": None,
                        "arxiv_id": None,
                        "authors": [],
                        "categories": [],
                        "source": None,
                    },
                },
            ]
        },
    )
    # Entities: one statement per type (Benchmark sorts before Model), labels from the ontology only.
    assert rest[1] == (
        "UNWIND $rows AS row MERGE (n:Entity {id: row.id})\n"
        "REMOVE n:Model:Method:Task:Metric SET n:Benchmark:Dataset, n += row.props",
        {"rows": [{"id": "glue", "props": {"name": "GLUE", "type": "Benchmark", "aliases": ["GLUE"]}}]},
    )
    assert rest[2][0].endswith("SET n:Model, n += row.props")
    assert [r["id"] for r in rest[2][1]["rows"]] == ["electra", "bert", "debertav3"]
    # Replacing the papers' earlier assertions, before any relation is merged.
    ids = {"ids": ["arxiv:1", "arxiv:2"]}
    assert rest[3] == ("UNWIND $ids AS pid MATCH (r:Result {paper_id: pid})-[e]->() DELETE e", ids)
    assert rest[4] == ("UNWIND $ids AS pid MATCH (:Paper {id: pid})-[r]->() DELETE r", ids)
    deletes = [cypher.delete_entity_relations(t) for t in RelationType if t is not R.PROPOSES]
    # ... all in one transaction with the results, outgoing and incoming deletes
    replace = [neo4j_results.delete_results(), cypher.delete_paper_outgoing(), *deletes]
    assert [(q, ids) for q in [*replace, cypher.delete_paper_incoming_links()]] in [
        c.args[1] for c in driver.sess.execute_write.call_args_list
    ]
    assert rest[5 : 5 + len(deletes)] == [(q, ids) for q in deletes]
    i = 5 + len(deletes)
    assert rest[i] == ("UNWIND $ids AS pid MATCH (:Paper)-[r]->(:Paper {id: pid}) DELETE r", ids)
    merged = dict(rest[i + 1 :])
    assert merged[cypher.merge_relations(R.IMPROVES_ON, "Entity")] == {
        "rows": [
            {
                "head": "electra",
                "tail": "bert",
                "paper_id": "arxiv:1",
                "evidence": "ELECTRA outperforms BERT on GLUE.",
                "confidence": 0.8,
                "extractor": "rules",
            }
        ]
    }
    assert merged[cypher.merge_relations(R.PROPOSES, "Paper")] == {
        "rows": [
            {
                "head": "arxiv:1",
                "tail": "electra",
                "paper_id": "arxiv:1",
                "evidence": "We propose ELECTRA.",
                "confidence": 0.9,
                "extractor": "rules",
            }
        ]
    }
    assert merged[cypher.merge_relations(R.EVALUATED_ON, "Entity")]["rows"][0]["extractor"] == "ml"
    assert merged[cypher.merge_mentions()] == {
        "rows": [
            {"paper": "arxiv:1", "entity": "electra", "count": 2},
            {"paper": "arxiv:1", "entity": "bert", "count": 1},
            {"paper": "arxiv:2", "entity": "electra", "count": 1},
        ]
    }
    assert merged[cypher.merge_paper_links(R.BUILDS_ON)] == {
        "rows": [
            {
                "source": "arxiv:2",
                "target": "arxiv:1",
                "via": "electra",
                "evidence": "DeBERTaV3 builds on ELECTRA.",
                "confidence": 0.85,
            }
        ]
    }
    assert (stats.papers, stats.entities, stats.relations, stats.mentions, stats.paper_links) == (
        2,
        4,
        4,
        3,
        1,
    )
    assert stats.statements == len(sent)
    assert stats.nodes_created == len(sent)  # the fake reports one per statement
    driver.close.assert_not_called()  # a driver passed in belongs to the caller


def test_every_statement_uses_parameters_not_values():
    driver = fake_driver()
    Neo4jWriter(Neo4jSettings(URI), driver=driver).write(SMALL)
    texts = "\n".join(q for q, _ in calls(driver))
    for value in ("arxiv:1", "ELECTRA outperforms", "electra", "K. Clark", "0.85"):
        assert value not in texts


def test_batches_of_batch_size_rows():
    g = Graph(papers=tuple(Paper(f"p{i}", f"T{i}", "A") for i in range(5)))
    driver = fake_driver()
    Neo4jWriter(Neo4jSettings(URI, batch_size=2), driver=driver).write(g)
    paper_batches = [p["rows"] for q, p in calls(driver) if q == cypher.merge_papers()]
    assert [[r["id"] for r in b] for b in paper_batches] == [["p0", "p1"], ["p2", "p3"], ["p4"]]


def test_neo4j_dialect_sends_a_large_batch_whole():
    g = Graph(papers=tuple(Paper(f"p{i}", "T" * 200, "A" * 2000) for i in range(1000)))
    driver = fake_driver()
    Neo4jWriter(Neo4jSettings(URI), driver=driver).write(g)
    paper_batches = [p["rows"] for q, p in calls(driver) if q == cypher.merge_papers()]
    assert [len(b) for b in paper_batches] == [1000]


def test_falkordb_dialect_indexes_only_missing_ones_and_no_constraints():
    driver = fake_driver([{"label": "Paper", "properties": ["id"]}, {"label": "USES", "properties": ["paper_id"]}])
    Neo4jWriter(Neo4jSettings(URI, dialect="falkordb"), driver=driver).write(Graph())
    sent = [q for q, _ in calls(driver)]
    assert sent[0] == "CALL db.indexes() YIELD label, properties RETURN label, properties"
    assert "CREATE INDEX FOR (n:Entity) ON (n.id)" in sent
    assert "CREATE INDEX FOR (n:Paper) ON (n.id)" not in sent
    assert "CREATE INDEX FOR ()-[r:USES]-() ON (r.paper_id)" not in sent
    assert "CREATE INDEX FOR ()-[r:IMPROVES_ON]-() ON (r.paper_id)" in sent
    assert not any("CONSTRAINT" in q or "IF NOT EXISTS" in q for q in sent)


def test_falkordb_dialect_keeps_every_statement_under_the_budget_without_losing_text():
    abstract = "".join(f"Sentence {i} about ELECTRA — ünïcode. " for i in range(400))  # ~16 KB
    evidence = "ELECTRA outperforms BERT " * 300
    aliases = tuple(f"alias number {i}" for i in range(400))
    g = Graph(
        papers=(Paper("p1", "Long", abstract), *(Paper(f"q{i}", f"Paper {i}", "short") for i in range(60))),
        entities=(
            Entity("electra", EntityType.MODEL, "ELECTRA", aliases),
            Entity("bert", EntityType.MODEL, "BERT"),
        ),
        relations=(Relation("electra", R.IMPROVES_ON, "bert", "p1", evidence, 0.9),),
    )
    driver = fake_driver()
    settings = Neo4jSettings(URI, dialect="falkordb")
    Neo4jWriter(settings, driver=driver).write(g)
    sent = calls(driver)
    assert all(param_size(p) <= settings.param_budget for _, p in sent)
    # Many small papers share statements, cut by size not by count.
    paper_batches = [p["rows"] for q, p in sent if q == cypher.merge_papers()]
    assert sum(len(b) for b in paper_batches) == 61 and 2 <= len(paper_batches) < 61
    first = next(r for b in paper_batches for r in b if r["id"] == "p1")
    assert first["props"]["abstract"] == ""
    pieces = [p["part"] for q, p in sent if q == cypher.append_property("paper", "abstract")]
    assert len(pieces) > 4 and "".join(pieces) == abstract
    alias_q = cypher.append_property("entity", "aliases")
    assert sum((p["part"] for q, p in sent if q == alias_q), []) == list(aliases)
    ev_q = cypher.append_property("relation", "evidence", R.IMPROVES_ON, "Entity")
    ev = [p for q, p in sent if q == ev_q]
    assert "".join(p["part"] for p in ev) == evidence
    assert {(p["head"], p["tail"], p["paper_id"]) for p in ev} == {("electra", "bert", "p1")}
    # Appends come after the statement that created the record.
    order = [q for q, _ in sent]
    assert order.index(cypher.merge_relations(R.IMPROVES_ON, "Entity")) < order.index(ev_q)


def test_falkordb_dialect_escapes_quotes_and_backslashes_in_parameters():
    g = Graph(papers=(Paper("p1", "ELECTRA's \\ test", "It's."),))
    driver = fake_driver()
    Neo4jWriter(Neo4jSettings(URI, dialect="falkordb"), driver=driver).write(g)
    [props] = [p["rows"][0]["props"] for q, p in calls(driver) if q == cypher.merge_papers()]
    assert (props["title"], props["abstract"]) == ("ELECTRA\\'s \\\\ test", "It\\'s.")
    driver = fake_driver()
    Neo4jWriter(Neo4jSettings(URI), driver=driver).write(g)  # Neo4j takes parameters as they are
    [props] = [p["rows"][0]["props"] for q, p in calls(driver) if q == cypher.merge_papers()]
    assert props["title"] == "ELECTRA's \\ test"


def test_fixture_graph_relationship_types_and_labels_come_from_the_ontology(sparql_fixture_graph):
    driver = fake_driver()
    Neo4jWriter(Neo4jSettings(URI), driver=driver).write(sparql_fixture_graph)
    import re

    allowed = (
        {t.cypher for t in EntityType}
        | {t.cypher for t in RelationType}
        | {"Paper", "Entity", "MENTIONS"}
        | {neo4j_results.RESULT, neo4j_results.REPORTS, *neo4j_results.LINK_TYPES.values()}
    )
    for q, _ in calls(driver):
        for name in re.findall(r"[(\[]\w*:([A-Za-z_:]+)", q):
            assert set(name.split(":")) - {""} <= allowed, q


def test_transactions_neo4j_one_batch_each_falkordb_grouped(sparql_fixture_graph):
    g = sparql_fixture_graph
    driver = fake_driver()
    Neo4jWriter(Neo4jSettings(URI), driver=driver).write(g)
    sizes = [len(c.args[1]) for c in driver.sess.execute_write.call_args_list]
    replace_group = len(RelationType) + 2  # results, outgoing, per type except PROPOSES, incoming links
    assert sorted(set(sizes)) == [1, replace_group]
    driver = fake_driver()
    settings = Neo4jSettings(URI, dialect="falkordb", batch_size=1)
    Neo4jWriter(settings, driver=driver).write(g)
    sizes = [len(c.args[1]) for c in driver.sess.execute_write.call_args_list]
    assert settings.statements_per_transaction == 50
    assert max(sizes) < 50 + replace_group and sum(sizes) == len(calls(driver)) > 3 * len(sizes)
    driver = fake_driver()
    Neo4jWriter(Neo4jSettings(URI, dialect="falkordb", batch_size=1, tx_statements=1), driver=driver).write(g)
    sizes = [len(c.args[1]) for c in driver.sess.execute_write.call_args_list]
    assert sorted(set(sizes)) == [1, replace_group]
