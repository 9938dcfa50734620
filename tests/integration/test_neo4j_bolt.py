"""Neo4jWriter over Bolt against both test servers (Neo4j 5 via scripts/neo4j.sh, FalkorDB via
scripts/falkordb.sh), read back through the official neo4j driver: counts, idempotency, provenance,
derived paper edges, replacement of a re-extracted paper, lossless long and awkward values, labels,
and the one-line connection and credential errors."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import neo4j
import pytest
from conftest import db_counts

from kg.errors import WriterError
from kg.types import Entity, EntityType, Graph, Paper, Relation, RelationType
from kg.write import neo4j_results
from kg.write.graphjson import write_graph
from kg.write.neo4j import Neo4jSettings, Neo4jWriter

pytestmark = pytest.mark.neo4j
R = RelationType

sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures"))
import sparql_graph as fx  # noqa: E402
from sparql_papers import P_DORA, P_QLORA  # noqa: E402


def writer(server, driver, **settings) -> Neo4jWriter:
    return Neo4jWriter(server.settings(**settings), driver=driver)


def rows(driver: neo4j.Driver, query: str, **params) -> list[list]:
    return [list(r.values()) for r in driver.execute_query(query, params).records]


def expected_counts(g: Graph) -> Counter:
    c: Counter = Counter()
    c["Paper"] = len(g.papers)
    for e in g.entities:
        c[
            "+".join(
                sorted(
                    (
                        "Entity",
                        *(["Benchmark", "Dataset"] if e.type is EntityType.BENCHMARK else [e.type.value]),
                    )
                )
            )
        ] += 1
    for r in g.relations:
        c[r.type.cypher] += 1
    for link in g.paper_links:
        c[link.type.cypher] += 1
    c["MENTIONS"] = len(g.mentions)
    for r in g.results:
        c["Result"] += 1
        c["REPORTS"] += 1
        c["RESULT_OF"] += 1
        for key in ("metric", "benchmark", "baseline"):
            if getattr(r, key) is not None:
                c[neo4j_results.LINK_TYPES[key]] += 1
    return c


def relation_facts(driver: neo4j.Driver) -> set[tuple]:
    return {
        tuple(r)
        for r in rows(
            driver,
            "MATCH (h)-[r]->(t:Entity) WHERE type(r) <> 'MENTIONS' AND NOT h:Result "
            "RETURN h.id, type(r), t.id, r.paper_id, r.evidence, r.confidence, r.extractor",
        )
    }


def graph_facts(g: Graph) -> set[tuple]:
    return {(r.head, r.type.cypher, r.tail, r.paper_id, r.evidence, r.confidence, r.extractor) for r in g.relations}


def test_fixture_graph_counts_provenance_links_and_mentions(bolt_server, bolt):
    g = fx.fixture_graph()
    stats = writer(bolt_server, bolt).write(g)
    assert db_counts(bolt) == expected_counts(g)
    assert (stats.papers, stats.entities, stats.relations, stats.mentions, stats.paper_links, stats.results) == (
        11,
        25,
        38,
        39,
        7,
        6,
    )
    assert stats.nodes_created == 11 + 25 + 6
    assert relation_facts(bolt) == graph_facts(g)
    links = {
        tuple(r)
        for r in rows(
            bolt,
            "MATCH (a:Paper)-[r]->(b:Paper) RETURN a.id, type(r), b.id, r.via, r.evidence, r.confidence, r.derived",
        )
    }
    assert links == {(k.source, k.type.cypher, k.target, k.via, k.evidence, k.confidence, True) for k in g.paper_links}
    mentions = {tuple(r) for r in rows(bolt, "MATCH (p:Paper)-[m:MENTIONS]->(e:Entity) RETURN p.id, e.id, m.count")}
    assert mentions == set(g.mentions)
    [[title, date, authors, abstract]] = rows(
        bolt, "MATCH (p:Paper {id: $id}) RETURN p.title, p.date, p.authors, p.abstract", id="arxiv:2106.09685"
    )
    assert (title, date, authors) == (
        "LoRA: Low-Rank Adaptation of Large Language Models",
        "2021-06-17",
        ["Edward J. Hu", "Yelong Shen"],
    )
    assert abstract == g.papers[0].abstract
    assert rows(bolt, "MATCH (e:Entity {id: 'glue'}) RETURN labels(e), e.aliases, e.type") == [
        [["Entity", "Benchmark", "Dataset"], ["GLUE"], "Benchmark"]
    ]


def test_second_identical_write_changes_no_count_and_no_value(bolt_server, bolt):
    g = fx.fixture_graph()
    w = writer(bolt_server, bolt)
    w.write(g)
    before = (
        db_counts(bolt),
        relation_facts(bolt),
        rows(bolt, "MATCH (n) RETURN n.id, properties(n) ORDER BY n.id"),
    )
    again = w.write(g)
    after = (
        db_counts(bolt),
        relation_facts(bolt),
        rows(bolt, "MATCH (n) RETURN n.id, properties(n) ORDER BY n.id"),
    )
    assert after == before
    assert again.nodes_created == 0
    counts = w.counts()
    assert (counts.pop("Paper"), counts.pop("Entity"), counts.pop("Result")) == (11, 25, 6)
    result_edges = {neo4j_results.REPORTS, *neo4j_results.LINK_TYPES.values()}
    assert counts == {k: v for k, v in after[0].items() if k.isupper() and k not in result_edges}


def test_re_extracted_paper_replaces_its_assertions_and_leaves_others(bolt_server, bolt):
    g = fx.fixture_graph()
    w = writer(bolt_server, bolt)
    w.write(g)
    dora = P_DORA
    # DoRA re-extracted: no longer builds on LoRA, the improves-on claim has new evidence and
    # confidence, a new evaluated-on claim, and it no longer mentions commonsense reasoning.
    new_rel = Relation("dora", R.EVALUATED_ON, "glue", dora, "DoRA is evaluated on GLUE.", 0.7)
    changed = tuple(
        dataclasses.replace(r, evidence="DoRA beats LoRA.", confidence=0.5)
        if (r.paper_id, r.type, r.head) == (dora, R.IMPROVES_ON, "dora")
        else r
        for r in g.relations
        if not (r.paper_id == dora and r.type in (R.BUILDS_ON, R.APPLIED_TO))
    ) + (new_rel,)
    links = tuple(k for k in g.paper_links if not (k.source == dora and k.type is R.BUILDS_ON))
    mentions = tuple(m for m in g.mentions if m[:2] != (dora, "commonsense-reasoning"))
    g2 = dataclasses.replace(g, relations=changed, paper_links=links, mentions=mentions)
    # Only DoRA's paper is pushed again: the other papers keep what the first write gave them.
    dora_only = Graph(
        papers=tuple(p for p in g.papers if p.id == dora),
        entities=tuple(e for e in g.entities if dora in e.papers or e.id in ("glue", "lora")),
        relations=tuple(r for r in changed if r.paper_id == dora),
        mentions=tuple(m for m in mentions if m[0] == dora),
    )
    w.write(dora_only)
    assert relation_facts(bolt) == graph_facts(g2)
    # Derived links out of DoRA went with its old assertions; this partial graph derived none.
    g3 = dataclasses.replace(g2, paper_links=tuple(k for k in links if k.source != dora))
    assert db_counts(bolt) == expected_counts(g3)
    assert rows(bolt, "MATCH (:Paper {id: $id})-[r]->(:Paper) RETURN count(r)", id=dora) == [[0]]
    assert rows(bolt, "MATCH (:Paper {id: $id})-[r]->(:Paper) RETURN count(r)", id=P_QLORA) == [[1]]


def test_long_and_awkward_values_arrive_unchanged(bolt_server, bolt):
    abstract = "".join(f"Sentence {i}: ELECTRA's \"RTD\" beats BERT\\MLM — ünïcødé 😀 'quoted'.\n" for i in range(300))
    evidence = "It's the model's claim \\ with a trailing backslash \\" * 120
    aliases = tuple(f"alias {i} d'x" for i in range(300))
    title = "A title with 'quotes', \"doubles\", \\backslashes\\ and <script>alert(1)</script>"
    g = Graph(
        papers=(Paper("p:long", title, abstract, authors=("O'Brien, J.", "Back\\slash")),),
        entities=(
            Entity("electra", EntityType.MODEL, "ELECTRA", aliases),
            Entity("bert", EntityType.MODEL, "BERT's"),
        ),
        relations=(Relation("electra", R.IMPROVES_ON, "bert", "p:long", evidence, 0.9),),
        mentions=(("p:long", "electra", 3),),
    )
    assert len(abstract.encode()) > 16_000 and len(evidence) > 6_000
    stats = writer(bolt_server, bolt).write(g)
    if bolt_server.dialect == "falkordb":
        assert stats.statements > 20  # the long values really went in pieces
    else:  # Neo4j takes them whole: as many statements as for the same graph with short values
        short = Graph(
            papers=(Paper("p:short", "T", "A"),),
            entities=(Entity("a", EntityType.MODEL, "A"), Entity("b", EntityType.MODEL, "B")),
            relations=(Relation("a", R.IMPROVES_ON, "b", "p:short", "E.", 0.9),),
            mentions=(("p:short", "a", 3),),
        )
        assert stats.statements == writer(bolt_server, bolt).write(short).statements
        bolt.execute_query("MATCH (n) WHERE n.id IN ['p:short', 'a', 'b'] DETACH DELETE n")
    assert rows(bolt, "MATCH (p:Paper) RETURN p.title, p.abstract, p.authors") == [
        [title, abstract, ["O'Brien, J.", "Back\\slash"]]
    ]
    assert rows(bolt, "MATCH (e:Entity {id: 'electra'}) RETURN e.aliases") == [[list(aliases)]]
    assert rows(bolt, "MATCH ()-[r:IMPROVES_ON]->(e:Entity {id: 'bert'}) RETURN r.evidence, e.name") == [
        [evidence, "BERT's"]
    ]
    writer(bolt_server, bolt).write(g)  # and again, idempotently
    assert db_counts(bolt) == expected_counts(g)


def test_retyped_entity_keeps_only_its_current_labels(bolt_server, bolt):
    p = Paper("p1", "T", "A")
    w = writer(bolt_server, bolt)
    w.write(Graph(papers=(p,), entities=(Entity("electra", EntityType.METHOD, "ELECTRA"),)))
    w.write(Graph(papers=(p,), entities=(Entity("electra", EntityType.MODEL, "ELECTRA"),)))
    assert rows(bolt, "MATCH (e:Entity) RETURN labels(e), e.type") == [[["Entity", "Model"], "Model"]]
    assert rows(bolt, "MATCH (e:Method) RETURN count(e)") == [[0]]


def test_clear_removes_only_kg_nodes(bolt_server, bolt):
    bolt.execute_query("CREATE (:Other {id: 'keep'})")
    w = writer(bolt_server, bolt)
    w.write(fx.fixture_graph())
    w.clear()
    assert rows(bolt, "MATCH (n) RETURN labels(n), n.id") == [[["Other"], "keep"]]


def test_writer_with_its_own_driver_connects_writes_and_closes(bolt_server, bolt):
    stats = Neo4jWriter(bolt_server.settings()).write(fx.fixture_graph())
    assert stats.papers == 11
    assert db_counts(bolt) == expected_counts(fx.fixture_graph())


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"uri": "http://127.0.0.1:7474"}, "invalid Neo4j URI 'http://127.0.0.1:7474'"),
        ({"uri": "bolt://127.0.0.1:9"}, "cannot reach Neo4j at bolt://127.0.0.1:9"),
        (
            {"uri": "bolt://no-such-host.invalid:7687"},
            "cannot reach Neo4j at bolt://no-such-host.invalid:7687",
        ),
    ],
)
def test_unreachable_or_malformed_is_a_one_line_writer_error(settings, message):
    with pytest.raises(WriterError, match=message) as info:
        Neo4jWriter(Neo4jSettings(dialect="falkordb", **settings)).write(fx.fixture_graph())
    assert "\n" not in str(info.value)


def test_bad_credentials_are_a_one_line_writer_error(bolt_server):
    if bolt_server.dialect == "neo4j":
        # Neo4j checks the password of the server's own user.
        s = bolt_server.settings(password="wrong")
        expected = f"Neo4j at {bolt_server.uri} rejected the credentials of user '{bolt_server.user}'"
    else:
        # FalkorDB authenticates against Redis users: 'neo4j' with a password does not exist.
        s = bolt_server.settings(user="neo4j", password="wrong")
        expected = "refused the connection \\(check user 'neo4j' and password\\)"
    with pytest.raises(WriterError, match=expected) as info:
        Neo4jWriter(s).write(fx.fixture_graph())
    assert "\n" not in str(info.value) and "wrong" not in str(info.value)


def kg_push(server, out: Path, *extra: str, env: dict | None = None) -> subprocess.CompletedProcess[str]:
    kg = str(Path(sys.executable).with_name("kg"))
    cmd = [kg, "push", "--out", str(out), "--neo4j", server.uri, "--neo4j-dialect", server.dialect, *extra]
    return subprocess.run(
        cmd, capture_output=True, text=True, timeout=300, env={**os.environ, **server.env(), **(env or {})}
    )


def test_kg_push_with_a_wrong_password_is_one_line_and_exit_3(bolt_server, bolt, tmp_path):
    write_graph(fx.fixture_graph(), tmp_path)
    user = bolt_server.user or "neo4j"
    done = kg_push(bolt_server, tmp_path, env={"NEO4J_USERNAME": user, "NEO4J_PASSWORD": "not-the-password"})
    assert done.returncode == 3, done.stderr
    assert done.stdout == "" and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "not-the-password" not in done.stderr
    if bolt_server.dialect == "neo4j":
        assert f"rejected the credentials of user '{user}'" in done.stderr
    else:
        assert f"refused the connection (check user '{user}' and password)" in done.stderr
    assert db_counts(bolt) == Counter()  # nothing written


def test_kg_push_cli_twice_gives_the_same_graph(bolt_server, bolt, tmp_path):
    g = fx.fixture_graph()
    write_graph(g, tmp_path)
    first = kg_push(bolt_server, tmp_path)
    assert first.returncode == 0, first.stderr
    assert "wrote 11 papers, 25 entities, 38 relations, 39 mentions, 7 paper links, 6 results" in " ".join(
        first.stdout.split()
    )
    counts = db_counts(bolt)
    assert counts == expected_counts(g)
    second = kg_push(bolt_server, tmp_path, "--quiet")
    assert second.returncode == 0 and second.stdout == ""
    assert db_counts(bolt) == counts
