"""kg.store: the persistent pyoxigraph store of a build."""

import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from typer.testing import CliRunner

from kg.cli import app
from kg.errors import InputError
from kg.store import ONTOLOGY_GRAPH, StoreWriter, load_store, open_store, store_path
from kg.types import Graph, Paper
from kg.write.rdf import GRAPH_TTL, RdfWriter, to_rdf

sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures"))
import served  # noqa: E402
import sparql_graph  # noqa: E402
import sparql_papers  # noqa: E402

runner = CliRunner()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return served.build_fixture(tmp_path_factory.mktemp("built"))


def test_store_holds_graph_ttl_in_default_graph_and_ontology_in_named_graph(built):
    store = open_store(built)
    n_default = len(list(store.quads_for_pattern(None, None, None, ox.DefaultGraph())))
    assert n_default == len(rdflib.Graph().parse(built / GRAPH_TTL))
    assert ox.NamedNode(ONTOLOGY_GRAPH) in set(store.named_graphs())
    rows = list(
        store.query(
            "SELECT ?name WHERE { ?x <https://w3id.org/mlkg/ontology#improvesOn> ?l . "
            "?l <http://www.w3.org/2004/02/skos/core#altLabel> 'LoRA' . "
            "?x <http://www.w3.org/2004/02/skos/core#prefLabel> ?name }"
        )
    )
    assert sorted(r["name"].value for r in rows) == ["DoRA", "Fira", "SVFit"]


def test_rebuild_replaces_the_store_without_stale_triples(tmp_path):
    for graph in (sparql_graph.fixture_graph(), Graph(papers=(Paper("arxiv:9", "Only", "One"),))):
        RdfWriter().write(graph, tmp_path)
        StoreWriter().write(graph, tmp_path)
    store = open_store(tmp_path)
    titles = [r["t"].value for r in store.query("SELECT ?t { ?p <http://purl.org/dc/terms/title> ?t }")]
    assert titles == ["Only"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".store")]  # no leftovers


def test_store_is_loaded_from_graph_ttl_when_missing(tmp_path):
    RdfWriter().write(sparql_graph.fixture_graph(), tmp_path)
    assert not store_path(tmp_path).exists()
    store = open_store(tmp_path)
    assert len(store) >= len(to_rdf(sparql_graph.fixture_graph()))


def test_missing_build_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="run `kg build"):
        open_store(tmp_path)


def test_broken_turtle_leaves_the_old_store(tmp_path):
    from kg.errors import WriterError

    kept = Graph(papers=(Paper("arxiv:9", "Kept", "A"),))
    RdfWriter().write(kept, tmp_path)
    StoreWriter().write(kept, tmp_path)
    bad = tmp_path / "bad.ttl"
    bad.write_text("<a> <b> .", encoding="utf-8")
    with pytest.raises(WriterError, match="bad.ttl"):
        load_store(bad, tmp_path)
    assert [
        r["t"].value
        for r in open_store(tmp_path).query("SELECT ?t { ?p <http://purl.org/dc/terms/title> ?t }")
    ] == ["Kept"]


def test_read_only_store_refuses_writes(built):
    store = open_store(built)
    with pytest.raises(RuntimeError, match="read-write"):
        store.update("INSERT DATA { <http://a/> <http://b/> <http://c/> }")


# ---------------------------------------------------------------- kg query
def test_query_cli_table_csv_json(built):
    q = 'SELECT ?name WHERE { ?x mlkg:buildsOn/skos:prefLabel "ELECTRA" ; skos:prefLabel ?name }'
    table = runner.invoke(app, ["query", q, "--out", str(built)])
    assert table.exit_code == 0 and "DeBERTaV3" in table.output
    csv = runner.invoke(app, ["query", q, "--out", str(built), "--format", "csv"])
    assert csv.output.splitlines() == ["name", "DeBERTaV3"]
    js = runner.invoke(app, ["query", "ASK { ?s a mlkg:Paper }", "--out", str(built), "--format", "json"])
    assert js.exit_code == 0 and '"boolean": true' in js.output


def test_query_cli_construct_gives_turtle(built):
    res = runner.invoke(
        app,
        ["query", "CONSTRUCT { ?s skos:prefLabel ?l } WHERE { ?s skos:prefLabel ?l }", "--out", str(built)],
    )
    assert res.exit_code == 0
    assert len(rdflib.Graph().parse(data=res.output, format="turtle")) == len(sparql_papers.ENTITIES)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("SELEKT ?x", "bad SPARQL"),
        ("INSERT DATA { <http://a/> <http://b/> <http://c/> }", "read-only"),
        ("SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", "refused"),
    ],
)
def test_query_cli_errors_are_one_line_exit_2(built, query, message):
    res = runner.invoke(app, ["query", query, "--out", str(built)], standalone_mode=False)
    assert res.exit_code != 0
    assert isinstance(res.exception, InputError) and message in str(res.exception)


def test_query_cli_row_cap(built):
    res = runner.invoke(
        app, ["query", "SELECT ?s WHERE { ?s ?p ?o }", "--out", str(built), "-f", "csv", "--max-rows", "3"]
    )
    assert res.exit_code == 0 and len(res.stdout.splitlines()) == 4
