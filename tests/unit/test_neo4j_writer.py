"""Neo4jWriter against a fake driver (MagicMock(spec=neo4j.Driver)): the exact Cypher and parameters,
including the Neo4j-5-only statements the FalkorDB test server rejects (constraints, IF NOT EXISTS,
CALL {} IN TRANSACTIONS, 1000-row batches), batching, lossless splitting and error messages."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from unittest.mock import MagicMock

import neo4j
import neo4j.exceptions as nx
import pytest

from kg.errors import WriterError
from kg.types import Entity, EntityType, Graph, Paper, PaperLink, Relation, RelationType
from kg.write import cypher, neo4j_results
from kg.write.neo4j import Neo4jSettings, Neo4jWriter, param_size

R = RelationType
URI = "bolt://db.example:7687"


def _fixture_graph() -> Graph:
    spec = importlib.util.spec_from_file_location(
        "sparql_graph", Path(__file__).parents[1] / "fixtures" / "sparql_graph.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.fixture_graph()


class FakeResult:
    """What tx.run returns: records (with .data()) and a summary with counters."""

    def __init__(self, records):
        self._records = [MagicMock(data=MagicMock(return_value=r)) for r in records]

    def __iter__(self):
        return iter(self._records)

    def consume(self):
        return MagicMock(counters=neo4j.SummaryCounters({"nodes-created": 1, "properties-set": 2}))


def fake_driver(records: list[dict] | None = None) -> MagicMock:
    """A MagicMock(spec=neo4j.Driver) whose sessions run units of work on a recording fake tx."""
    driver = MagicMock(spec=neo4j.Driver)
    session = driver.session.return_value.__enter__.return_value
    tx = MagicMock(spec=neo4j.ManagedTransaction)
    tx.run.side_effect = lambda q, p: FakeResult(records or [])
    session.execute_write.side_effect = lambda fn, *args: fn(tx, *args)
    driver.tx = tx
    driver.sess = session
    return driver


def calls(driver: MagicMock) -> list[tuple[str, dict]]:
    """Every statement the writer ran, in order, as (query, parameters)."""
    return [(c.args[0], c.args[1]) for c in driver.tx.run.call_args_list]


P1 = Paper(
    "arxiv:1",
    "ELECTRA",
    "We propose ELECTRA. ELECTRA outperforms BERT on GLUE.",
    date="2020-03-23",
    arxiv_id="1",
    authors=("K. Clark",),
)
P2 = Paper("arxiv:2", "DeBERTaV3", "DeBERTaV3 builds on ELECTRA.")
SMALL = Graph(
    papers=(P1, P2),
    entities=(
        Entity("electra", EntityType.MODEL, "ELECTRA", ("ELECTRA",), ("arxiv:1", "arxiv:2")),
        Entity("bert", EntityType.MODEL, "BERT", ("BERT",), ("arxiv:1",)),
        Entity("glue", EntityType.BENCHMARK, "GLUE", ("GLUE",), ("arxiv:1",)),
        Entity("debertav3", EntityType.MODEL, "DeBERTaV3", ("DeBERTaV3",), ("arxiv:2",)),
    ),
    relations=(
        Relation("arxiv:1", R.PROPOSES, "electra", "arxiv:1", "We propose ELECTRA.", 0.9),
        Relation("electra", R.IMPROVES_ON, "bert", "arxiv:1", "ELECTRA outperforms BERT on GLUE.", 0.8),
        Relation(
            "electra", R.EVALUATED_ON, "glue", "arxiv:1", "ELECTRA outperforms BERT on GLUE.", 0.7, "ml"
        ),
        Relation("debertav3", R.BUILDS_ON, "electra", "arxiv:2", "DeBERTaV3 builds on ELECTRA.", 0.85),
    ),
    mentions=(("arxiv:1", "electra", 2), ("arxiv:1", "bert", 1), ("arxiv:2", "electra", 1)),
    paper_links=(
        PaperLink("arxiv:2", R.BUILDS_ON, "arxiv:1", "electra", "DeBERTaV3 builds on ELECTRA.", 0.85),
    ),
)


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
    driver = fake_driver(
        [{"label": "Paper", "properties": ["id"]}, {"label": "USES", "properties": ["paper_id"]}]
    )
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


def test_fixture_graph_relationship_types_and_labels_come_from_the_ontology():
    driver = fake_driver()
    Neo4jWriter(Neo4jSettings(URI), driver=driver).write(_fixture_graph())
    import re

    allowed = (
        {t.cypher for t in EntityType} | {t.cypher for t in RelationType} | {"Paper", "Entity", "MENTIONS"}
        | {neo4j_results.RESULT, neo4j_results.REPORTS, *neo4j_results.LINK_TYPES.values()}
    )
    for q, _ in calls(driver):
        for name in re.findall(r"[(\[]\w*:([A-Za-z_:]+)", q):
            assert set(name.split(":")) - {""} <= allowed, q


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
    with pytest.raises(
        WriterError, match=r"at schema: Neo.ClientError.Statement.SyntaxError: Invalid input 'X'"
    ):
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
    monkeypatch.setattr(
        neo4j.GraphDatabase, "driver", MagicMock(side_effect=AssertionError("must not connect"))
    )
    with pytest.raises(WriterError, match="invalid Neo4j URI"):
        Neo4jWriter(Neo4jSettings(uri)).write(Graph())


def test_transactions_neo4j_one_batch_each_falkordb_grouped():
    g = _fixture_graph()
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
