"""Results in RDF: the mlkg:Result nodes of both writers, the SHACL shapes, SPARQL over the store."""

import io
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import rdflib
import rdflib.compare
from rdflib import RDF, XSD
from rdflib.namespace import PROV

from kg.types import Graph, Result
from kg.write.namespace import MLKG, entity_iri, paper_iri
from kg.write.rdf import GRAPH_TTL, RdfWriter, to_rdf, validate, write_rdf
from kg.write.rdf_results import result_iri

sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures"))
import sparql_graph  # noqa: E402
import sparql_papers  # noqa: E402


@pytest.fixture(scope="module")
def graph():
    return sparql_graph.fixture_graph()


def test_result_nodes_link_everything(graph):
    rdf = to_rdf(graph)
    assert len(set(rdf.subjects(RDF.type, MLKG.Result))) == len(graph.results) == 6
    gain = result_iri(f"{sparql_papers.P_MISTRAL}#result-1")
    assert rdf.value(gain, MLKG.resultKind) == MLKG.Gain
    assert rdf.value(gain, MLKG.value) == rdflib.Literal(Decimal("5.3"), datatype=XSD.decimal)
    assert str(rdf.value(gain, MLKG.unit)) == "points"
    assert rdf.value(gain, MLKG.resultSubject) == entity_iri("mistral-7b")
    assert rdf.value(gain, MLKG.resultBaseline) == entity_iri("llama-2")
    assert rdf.value(gain, MLKG.resultBenchmark) == entity_iri("mmlu")
    assert rdf.value(gain, MLKG.resultMetric) == entity_iri("accuracy")
    assert rdf.value(gain, PROV.wasDerivedFrom) == paper_iri(sparql_papers.P_MISTRAL)
    ranged = result_iri(f"{sparql_papers.P_MISTRAL}#result-4")
    assert rdf.value(ranged, MLKG.resultSubject) == paper_iri(sparql_papers.P_MISTRAL)  # PAPER
    assert (str(rdf.value(ranged, MLKG.valueLow)), str(rdf.value(ranged, MLKG.valueHigh))) == ("1.5", "2.5")
    assert str(rdf.value(ranged, MLKG.valueText)) == "1.5-2.5"


@pytest.mark.parametrize("fmt", ["turtle", "nt"])
def test_streamed_results_equal_rdflib(fmt):
    hostile = 'a "quoted" \\ evidence\n<script>'
    g = sparql_graph.fixture_graph()
    extra = Result("p#result-0", sparql_papers.P_LORA, "lora", None, "glue", None, "1e3", 1000.0, None, "score",
                   hostile, 0.123456)
    g = Graph(g.papers, g.entities, g.relations, g.mentions, g.paper_links, g.meta, results=(*g.results, extra))
    buf = io.StringIO()
    write_rdf(g, buf, fmt=fmt)
    back = rdflib.Graph().parse(data=buf.getvalue(), format=fmt)
    assert rdflib.compare.isomorphic(back, to_rdf(g))
    assert hostile in {str(o) for o in back.objects(None, MLKG.evidence)}


@pytest.fixture
def built(graph, tmp_path):
    from kg.store import StoreWriter

    RdfWriter().write(graph, tmp_path)
    StoreWriter().write(graph, tmp_path)
    return tmp_path


def test_results_conform_and_broken_ones_do_not(built):
    conforms, report = validate(built / GRAPH_TTL)
    assert conforms, report
    g = rdflib.Graph().parse(built / GRAPH_TTL)
    r = result_iri(f"{sparql_papers.P_FA2}#result-0")
    g.set((r, MLKG.unit, rdflib.Literal("furlongs")))
    g.set((r, MLKG.resultMetric, entity_iri("mmlu")))  # a Benchmark is no Metric
    g.remove((r, MLKG.value, None))
    g.serialize(built / GRAPH_TTL, format="turtle")
    conforms, report = validate(built / GRAPH_TTL)
    assert not conforms
    assert "unit is one of" in report and "metric is a mlkg:Metric" in report and "exactly one mlkg:value" in report


def test_sparql_over_the_store_ranks_results(built):
    import pyoxigraph as ox

    store = ox.Store.read_only(str(built / "store"))
    q = """PREFIX mlkg: <https://w3id.org/mlkg/ontology#>
           PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
           SELECT ?name ?v WHERE { ?r mlkg:resultBenchmark ?b ; mlkg:resultKind mlkg:Score ;
                                      mlkg:resultSubject ?s ; mlkg:value ?v .
                                   ?b skos:prefLabel "MMLU" . ?s skos:prefLabel ?name } ORDER BY DESC(?v)"""
    rows = [(row["name"].value, row["v"].value) for row in store.query(q)]
    assert rows == [("Mistral 7B", "60.1"), ("Llama 2", "54.8")]
