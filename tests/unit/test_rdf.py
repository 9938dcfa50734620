"""kg.write.rdf / kg.write.namespace: the RDF model, exporters and SHACL validation."""

import sys
from decimal import Decimal
from pathlib import Path

import pytest
import rdflib
import rdflib.compare
from rdflib import RDF, XSD
from rdflib.namespace import DCTERMS, PROV, SKOS
from typer.testing import CliRunner

import ontology
from kg import registry
from kg.cli import app
from kg.types import Entity, EntityType, Graph, Paper, PaperLink, Relation, RelationType
from kg.write.namespace import MLKG, SCHEMA, entity_iri, paper_iri
from kg.write.rdf import GRAPH_TTL, RdfWriter, to_rdf, validate, write_rdf

sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures"))
import sparql_graph  # noqa: E402

runner = CliRunner()


@pytest.fixture(scope="module")
def graph():
    return sparql_graph.fixture_graph()


@pytest.fixture(scope="module")
def rdf(graph):
    return to_rdf(graph)


def assertions(rdf, s, p, o):
    return [
        a
        for a in rdf.subjects(RDF.subject, s)
        if (a, RDF.predicate, p) in rdf
        and (a, RDF.object, o) in rdf
        and (a, RDF.type, MLKG.RelationAssertion) in rdf
    ]


def test_every_relation_has_plain_triple_and_one_provenance_node(graph, rdf):
    for r in graph.relations:
        s = paper_iri(r.head) if r.head_is_paper else entity_iri(r.head)
        p, o = MLKG[r.type.rdf_name], entity_iri(r.tail)
        assert (s, p, o) in rdf
        nodes = [a for a in assertions(rdf, s, p, o) if (a, MLKG.evidence, rdflib.Literal(r.evidence)) in rdf]
        assert len(nodes) == 1, r
        a = nodes[0]
        assert rdf.value(a, PROV.wasDerivedFrom) == paper_iri(r.paper_id)
        conf = rdf.value(a, MLKG.confidence)
        assert conf.datatype == XSD.decimal and conf.toPython() == Decimal(str(r.confidence))
        agent = rdf.value(a, PROV.wasAttributedTo)
        assert (agent, RDF.type, PROV.SoftwareAgent) in rdf
        assert str(rdf.value(agent, DCTERMS.hasVersion)) == "fixture-1"
    assert len(set(rdf.subjects(RDF.type, MLKG.RelationAssertion))) == len(graph.relations)


def test_paper_level_claim_has_the_paper_as_subject(rdf):
    paper = paper_iri("title:5c0ffee5c0ffee00")
    assert (paper, MLKG.improvesOn, entity_iri("lora")) in rdf
    assert (paper, RDF.type, MLKG.Paper) in rdf and (paper, RDF.type, SCHEMA.ScholarlyArticle) in rdf


def test_entities_are_typed_with_superclasses_and_labelled(rdf):
    mmlu = entity_iri("mmlu")
    assert {MLKG.Benchmark, MLKG.Dataset, MLKG.Entity} <= set(rdf.objects(mmlu, RDF.type))
    lora = entity_iri("lora")
    assert str(rdf.value(lora, SKOS.prefLabel)) == "Low-Rank Adaptation"
    assert [str(x) for x in rdf.objects(lora, SKOS.altLabel)] == ["LoRA"]
    assert (paper_iri("arxiv:2402.09353"), SCHEMA.mentions, lora) in rdf


def test_paper_metadata_and_hostile_title_stay_literals(rdf):
    p = paper_iri("arxiv:2106.09685")
    assert rdf.value(p, DCTERMS.date) == rdflib.Literal("2021-06-17", datatype=XSD.date)
    assert rdf.value(p, SCHEMA.sameAs) == rdflib.URIRef("https://arxiv.org/abs/2106.09685")
    odd = paper_iri("title:5c0ffee5c0ffee00")
    assert "<script>" in str(rdf.value(odd, DCTERMS.title))
    assert rdf.value(odd, DCTERMS.date) == rdflib.Literal("Jul 17")  # not an ISO date: no xsd:date


def test_derived_paper_links_are_plain_and_qualified(rdf):
    dora, lora = paper_iri("arxiv:2402.09353"), paper_iri("arxiv:2106.09685")
    assert (dora, MLKG.paperImprovesOn, lora) in rdf and (dora, MLKG.paperBuildsOn, lora) in rdf
    links = [a for a in rdf.subjects(RDF.type, MLKG.PaperLink) if rdf.value(a, RDF.subject) == dora]
    assert {rdf.value(a, MLKG.via) for a in links} == {entity_iri("lora")}


@pytest.mark.parametrize(("a", "b"), [("a:b", "a/b"), ("a:b", "a%3Ab"), ("x y", "x%20y"), ("m:a:b", "m:a/b")])
def test_distinct_ids_give_distinct_safe_iris(a, b):
    assert entity_iri(a) != entity_iri(b)
    for iri in (entity_iri(a), entity_iri(b)):
        assert " " not in iri and "<" not in iri


def test_hostile_text_round_trips_through_turtle(tmp_path):
    nasty = 'He said "hi" \\ <b>\n\t""" \'\'\' \u2028 end'
    g = Graph(
        papers=(Paper("arxiv:1", nasty, nasty, url="javascript:alert(1) <x>"),),
        entities=(Entity("method:x", EntityType.METHOD, nasty, (nasty, "X")),),
        relations=(Relation("arxiv:1", RelationType.PROPOSES, "method:x", "arxiv:1", nasty, 0.5),),
    )
    [ttl] = RdfWriter().write(g, tmp_path)
    back = rdflib.Graph().parse(ttl)
    assert str(back.value(paper_iri("arxiv:1"), DCTERMS.title)) == nasty
    assert len(back) == len(to_rdf(g))


def test_graph_ttl_parses_back_identically(graph, tmp_path):
    RdfWriter().write(graph, tmp_path)
    back = rdflib.Graph().parse(tmp_path / GRAPH_TTL)
    assert rdflib.compare.isomorphic(back, to_rdf(graph))
    assert not (tmp_path / "store").exists()


# ---------------------------------------------------------------- streaming writer == rdflib
HOSTILE = [
    'He said "hi"',
    'ends with a quote"',
    "ends with a backslash\\",
    "back\\slash \\n \\u0041 \\\"",
    "line\nbreak\r\n\ttab",
    '""" triple """ \'\'\' single \'\'\'',
    "<script>alert(1)</script></script><!--",
    "\u202eRTL override \u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627 \u200f",
    "emoji \U0001f469\u200d\U0001f52c \U0001f680 \ufe0f",
    "controls \x00\x01\x08\x0c\x1f\x7f and \u2028 \u2029 \ufeff",
    "^^<http://x> } . ; @prefix x: <y> .",
    "",
]


def hostile_graph() -> Graph:
    """Every text field holds hostile strings; ids and URLs too; repeats and edge cases."""
    papers = tuple(
        Paper(
            f"arxiv:{i}" if i % 2 else f"title:{text[:8]}",
            text or "empty",
            text + " abstract",
            date="2024-02-29" if i % 3 == 0 else text[:6] or None,
            url=f"https://example.org/{i}" if i % 2 else text or None,
            arxiv_id="2106.09685" if i == 1 else (text or None),
            authors=(text, "A. Author"),
            categories=(text,),
        )
        for i, text in enumerate(HOSTILE)
    )
    ids = [p.id for p in papers]
    entities = tuple(
        Entity(f"{t.value.lower()}:{text}", t, text or "x", (text, "alias " + text, text or "x"), (ids[i], ids[-1]))
        for i, (t, text) in enumerate(zip(list(EntityType) * 2, HOSTILE, strict=False))
    )
    model = next(e for e in entities if e.type is EntityType.MODEL)
    method = next(e for e in entities if e.type is EntityType.METHOD)
    bench = next(e for e in entities if e.type is EntityType.BENCHMARK)
    relations = []
    for i, text in enumerate(HOSTILE):
        pid = ids[i]
        relations += [
            Relation(pid, RelationType.PROPOSES, method.id, pid, text, 0.12345 * (i % 9)),
            Relation(method.id, RelationType.IMPROVES_ON, model.id, pid, text, 1.0, extractor=text or "rules"),
            Relation(model.id, RelationType.EVALUATED_ON, bench.id, pid, "same sentence", 0.5),
        ]
    links = (
        PaperLink(ids[1], RelationType.IMPROVES_ON, ids[0], method.id, HOSTILE[3], 0.85),
        PaperLink(ids[2], RelationType.BUILDS_ON, ids[0], method.id, HOSTILE[6], 0.00001),
    )
    mentions = ((ids[0], model.id, 2), (ids[0], model.id, 1), ("arxiv:not-in-papers", bench.id, 1))
    return Graph(papers, entities, tuple(relations), mentions, links, {"extractor": 'x "1" \\ y'})


@pytest.mark.parametrize("fmt", ["turtle", "nt"])
@pytest.mark.parametrize("which", ["fixture", "hostile"])
def test_streaming_writer_equals_rdflib(graph, fmt, which):
    g = graph if which == "fixture" else hostile_graph()
    from io import StringIO

    buf = StringIO()
    written = write_rdf(g, buf, fmt=fmt)
    back = rdflib.Graph().parse(data=buf.getvalue(), format=fmt)
    expected = to_rdf(g)
    assert rdflib.compare.isomorphic(back, expected)
    assert len(back) == len(expected) <= written
    if which == "hostile":
        titles = {str(o) for o in back.objects(None, DCTERMS.title)}
        assert set(HOSTILE) - {""} <= titles


@pytest.mark.parametrize("part_bytes", [300, 8_000_000])
def test_store_loads_the_streamed_graph_ttl(tmp_path, monkeypatch, part_bytes):
    import pyoxigraph as ox

    import kg.store

    monkeypatch.setattr(kg.store, "PART_BYTES", part_bytes)  # 300: the file is loaded in many parts
    g = hostile_graph()
    [ttl] = RdfWriter().write(g, tmp_path)
    [store_dir] = kg.store.StoreWriter().write(g, tmp_path)
    assert rdflib.compare.isomorphic(rdflib.Graph().parse(ttl, format="turtle"), to_rdf(g))
    assert kg.store.is_blocks_file(ttl)
    assert (len(list(kg.store.turtle_parts(ttl, part_bytes))) > 10) == (part_bytes == 300)
    store = ox.Store.read_only(str(store_dir))
    assert len(list(store.quads_for_pattern(None, None, None, ox.DefaultGraph()))) == len(to_rdf(g))
    title = ox.NamedNode(str(DCTERMS.title))
    assert {q.object.value for q in store.quads_for_pattern(None, title, None)} >= set(HOSTILE) - {""}


def test_lone_surrogate_is_a_writer_error(tmp_path):
    from kg.errors import WriterError

    g = Graph(papers=(Paper("arxiv:1", "bad \ud800", "A"),))
    with pytest.raises(WriterError, match="not valid Unicode"):
        RdfWriter().write(g, tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("name", "fmt"), [("turtle", "turtle"), ("ntriples", "nt"), ("jsonld", "json-ld")])
def test_exporters_write_parseable_equal_graphs(graph, tmp_path, name, fmt):
    dest = tmp_path / "sub" / f"out.{name}"
    registry.get(registry.exporters, name)(graph, dest)
    back = rdflib.Graph().parse(dest, format=fmt)
    assert len(back) == len(to_rdf(graph)) > 400


def test_mlkg_namespace_matches_the_ontology():
    g = rdflib.Graph().parse(ontology.path("kg.ttl"))
    declared = {str(s).removeprefix(str(MLKG._NS)) for s in g.subjects() if str(s).startswith(str(MLKG._NS))}
    assert declared == set(MLKG.__annotations__)
    for rel in RelationType:
        assert MLKG[rel.rdf_name] in g.subjects(RDF.type, rdflib.OWL.ObjectProperty)
    for et in EntityType:
        assert (MLKG[et.rdf_name], RDF.type, rdflib.OWL.Class) in g
    with pytest.raises(AttributeError):
        MLKG.improvedOn  # noqa: B018


# ---------------------------------------------------------------- SHACL
@pytest.fixture
def built(graph, tmp_path):
    RdfWriter().write(graph, tmp_path)
    return tmp_path


def test_fixture_graph_conforms(built):
    conforms, report = validate(built / GRAPH_TTL)
    assert conforms, report


def _rewrite(path: Path, transform) -> None:
    g = rdflib.Graph().parse(path)
    transform(g)
    g.serialize(path, format="turtle")


def test_relation_without_provenance_does_not_conform(built):
    def drop(g):
        for a in list(g.subjects(RDF.subject, entity_iri("dora"))):
            if g.value(a, RDF.predicate) == MLKG.improvesOn:
                g.remove((a, None, None))

    _rewrite(built / GRAPH_TTL, drop)
    conforms, report = validate(built / GRAPH_TTL)
    assert not conforms
    assert "has no mlkg:RelationAssertion" in report and "improvesOn" in report


def test_range_violation_and_bad_confidence_do_not_conform(built):
    def spoil(g):
        g.add((entity_iri("dora"), MLKG.evaluatedOn, entity_iri("lora")))  # a Method is no Dataset
        a = next(iter(g.subjects(RDF.type, MLKG.RelationAssertion)))
        g.set((a, MLKG.confidence, rdflib.Literal(Decimal("1.5"), datatype=XSD.decimal)))

    _rewrite(built / GRAPH_TTL, spoil)
    conforms, report = validate(built / GRAPH_TTL)
    assert not conforms
    assert "not in the property's range" in report
    assert "confidence" in report


def test_entity_without_label_does_not_conform(built):
    _rewrite(built / GRAPH_TTL, lambda g: g.remove((entity_iri("bert"), SKOS.prefLabel, None)))
    conforms, report = validate(built / GRAPH_TTL)
    assert not conforms and "prefLabel" in report


def test_validate_cli_exit_codes(built, tmp_path_factory):
    ok = runner.invoke(app, ["validate", "--out", str(built)])
    assert ok.exit_code == 0 and "conforms" in ok.output
    _rewrite(built / GRAPH_TTL, lambda g: g.remove((entity_iri("bert"), SKOS.prefLabel, None)))
    bad = runner.invoke(app, ["validate", "--out", str(built)])
    assert bad.exit_code == 1
    assert "Conforms: False" in bad.output
    missing = runner.invoke(app, ["validate", "--out", str(tmp_path_factory.mktemp("empty"))])
    assert missing.exit_code != 0
