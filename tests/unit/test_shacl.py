"""kg.shacl (the shapes as SPARQL over the store) gives pyshacl's verdict and failing focus nodes,
on a conforming graph and on graphs broken in each way the shapes check."""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

import pyshacl
import pytest
import rdflib
from rdflib import RDF, SH, XSD
from rdflib.namespace import DCTERMS, PROV, SKOS

import ontology
from kg.shacl import SHOWN, UnsupportedShape, compile_shapes, validate_build
from kg.write.namespace import MLKG, SCHEMA, entity_iri, paper_iri
from kg.write.rdf import GRAPH_TTL, RdfWriter

sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures"))
import sparql_graph  # noqa: E402


def pyshacl_verdict(ttl: Path) -> tuple[bool, set[str]]:
    data = rdflib.Graph().parse(ttl, format="turtle").parse(ontology.path("kg.ttl"), format="turtle")
    shapes = rdflib.Graph().parse(ontology.path("shapes.ttl"), format="turtle")
    conforms, results, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none", advanced=True)
    return bool(conforms), {str(f) for f in results.objects(None, SH.focusNode)}


def first_assertion(g: rdflib.Graph) -> rdflib.term.Node:
    return sorted(g.subjects(RDF.type, MLKG.RelationAssertion))[0]


def spoil_confidence(g: rdflib.Graph) -> None:
    g.set((first_assertion(g), MLKG.confidence, rdflib.Literal(Decimal("1.5"), datatype=XSD.decimal)))


def drop_provenance(g: rdflib.Graph) -> None:
    for a in list(g.subjects(RDF.subject, entity_iri("dora"))):
        if g.value(a, RDF.predicate) == MLKG.improvesOn:
            g.remove((a, None, None))


def orphan_assertion(g: rdflib.Graph) -> None:
    a = first_assertion(g)
    g.remove((g.value(a, RDF.subject), g.value(a, RDF.predicate), g.value(a, RDF.object)))


BROKEN = {
    "conforms": lambda g: None,
    "range": lambda g: g.add((entity_iri("dora"), MLKG.evaluatedOn, entity_iri("lora"))),
    "domain": lambda g: g.add((entity_iri("glue"), MLKG.improvesOn, entity_iri("lora"))),
    "confidence": spoil_confidence,
    "no provenance": drop_provenance,
    "orphan assertion": orphan_assertion,
    "no label": lambda g: g.remove((entity_iri("bert"), SKOS.prefLabel, None)),
    "two titles": lambda g: g.add((paper_iri("arxiv:2402.09353"), DCTERMS.title, rdflib.Literal("Again"))),
    "empty title": lambda g: g.set((paper_iri("arxiv:2402.09353"), DCTERMS.title, rdflib.Literal(""))),
    "typed title": lambda g: g.set((paper_iri("arxiv:2402.09353"), DCTERMS.title, rdflib.Literal(3))),
    "mentions a paper": lambda g: g.add((paper_iri("arxiv:2402.09353"), SCHEMA.mentions, paper_iri("arxiv:1"))),
    "no agent": lambda g: g.remove((first_assertion(g), PROV.wasAttributedTo, None)),
    "untyped statement": lambda g: g.add((rdflib.URIRef("urn:x"), RDF.subject, entity_iri("lora"))),
    "entity without class": lambda g: g.remove((entity_iri("bert"), RDF.type, MLKG.Model)),
    "result unit": lambda g: g.set((sorted(g.subjects(RDF.type, MLKG.Result))[0], MLKG.unit, rdflib.Literal("kg"))),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_same_verdict_and_focus_nodes_as_pyshacl(case: str, tmp_path: Path) -> None:
    RdfWriter().write(sparql_graph.fixture_graph(), tmp_path)
    ttl = tmp_path / GRAPH_TTL
    g = rdflib.Graph().parse(ttl, format="turtle")
    BROKEN[case](g)
    g.serialize(ttl, format="turtle")
    conforms, focus = pyshacl_verdict(ttl)
    assert conforms == (case == "conforms")
    report = validate_build(tmp_path, shown=None)
    assert report.conforms == conforms, report.text()
    assert report.focus_nodes == focus
    assert ("Conforms: True" in report.text()) == conforms


def test_many_violations_are_all_counted_and_a_few_listed(tmp_path: Path) -> None:
    """Every entity without its label, every assertion with a confidence of 1.5 and an empty
    evidence: the counts are exact, each constraint lists SHOWN focus nodes, the rest is "... and N
    more"; with shown=None the focus nodes are pyshacl's."""
    RdfWriter().write(sparql_graph.fixture_graph(), tmp_path)
    ttl = tmp_path / GRAPH_TTL
    g = rdflib.Graph().parse(ttl, format="turtle")
    g.remove((None, SKOS.prefLabel, None))
    assertions = sorted(g.subjects(RDF.type, MLKG.RelationAssertion))
    for a in assertions:
        g.set((a, MLKG.confidence, rdflib.Literal(Decimal("1.5"), datatype=XSD.decimal)))
        g.set((a, MLKG.evidence, rdflib.Literal("")))
    g.serialize(ttl, format="turtle")
    entities = {str(e) for e in g.subjects(RDF.type, None) if str(e).startswith(str(entity_iri("")))}
    assert len(entities) > SHOWN and len(assertions) > SHOWN

    report = validate_build(tmp_path)
    by_message = {v.message: v for v in report.violations}
    label = by_message["an entity has exactly one non-empty skos:prefLabel (its canonical name) (minCount 1)"]
    assert label.count == len(entities) and len(label.focus) == SHOWN and set(label.focus) <= entities
    for kind in ("maxInclusive", "minLength"):
        msg = next(m for m in by_message if m.startswith("an assertion has") and m.endswith(f"({kind})"))
        assert by_message[msg].count == len(assertions) and len(by_message[msg].focus) == SHOWN
    assert f"  ... and {len(entities) - SHOWN} more" in report.text()
    assert len(report.focus_nodes) <= SHOWN * len(report.violations)

    conforms, focus = pyshacl_verdict(ttl)
    everything = validate_build(tmp_path, shown=None)
    assert (everything.conforms, everything.focus_nodes) == (conforms, focus) == (False, focus)
    assert [v.count for v in everything.violations] == [v.count for v in report.violations]


def test_a_stale_store_is_not_used(tmp_path: Path) -> None:
    from kg.store import StoreWriter

    graph = sparql_graph.fixture_graph()
    RdfWriter().write(graph, tmp_path)
    StoreWriter().write(graph, tmp_path)
    assert validate_build(tmp_path).conforms
    g = rdflib.Graph().parse(tmp_path / GRAPH_TTL, format="turtle")
    g.remove((entity_iri("bert"), SKOS.prefLabel, None))
    g.serialize(tmp_path / GRAPH_TTL, format="turtle")  # newer than the store now
    assert not validate_build(tmp_path).conforms


def test_a_shacl_feature_it_does_not_translate_is_an_error(tmp_path: Path) -> None:
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n@prefix ex: <urn:ex:> .\n"
        "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:pattern \"^a\" ] .\n"
    )
    with pytest.raises(UnsupportedShape, match="pattern"):
        compile_shapes(shapes)
