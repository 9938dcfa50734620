"""The RDF model in rdflib: :func:`to_rdf`, and the term rules both RDF writers share.

For each relation the plain triple stays for simple queries (``entity mlkg:improvesOn entity``, or
``paper mlkg:improvesOn entity`` for paper-level claims) and a ``mlkg:RelationAssertion`` node
qualifies it: ``rdf:subject`` / ``rdf:predicate`` / ``rdf:object``, ``prov:wasDerivedFrom`` the
paper, ``mlkg:evidence`` the sentence, ``mlkg:confidence`` (xsd:decimal) and
``prov:wasAttributedTo`` the extractor (a ``prov:SoftwareAgent`` with ``dcterms:hasVersion``).
Derived paper-to-paper links get the same treatment (``mlkg:PaperLink``); reported numbers are
``mlkg:Result`` nodes (:mod:`kg.write.rdf_results`). docs/sparql.md shows
the shapes with queries; ontology/shapes.ttl checks them.

:func:`to_rdf` holds the whole graph in memory (JSON-LD export, tests, small graphs);
:func:`kg.write.rdf_stream.write_rdf` streams the same triples to a file.
Examples
--------
>>> from kg.types import Entity, EntityType, Graph, Paper, Relation, RelationType
>>> g = Graph(papers=(Paper("arxiv:1", "T", "A"),),
...           entities=(Entity("method:x", EntityType.METHOD, "X"),
...                     Entity("method:lora", EntityType.METHOD, "LoRA")),
...           relations=(Relation("method:x", RelationType.IMPROVES_ON, "method:lora", "arxiv:1",
...                               "X beats LoRA.", 0.9),))
>>> rdf = to_rdf(g)
>>> (entity_iri("method:x"), MLKG.improvesOn, entity_iri("method:lora")) in rdf
True
>>> len(list(rdf.subjects(RDF.type, MLKG.RelationAssertion)))
1
"""

from __future__ import annotations

import re
from decimal import Decimal

import rdflib
from rdflib import RDF, RDFS, XSD, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS

from kg.types import Entity, Graph, Paper, PaperLink, Relation, RelationType
from kg.vocab import ONTOLOGY_VERSION
from kg.write.namespace import DC, MLKG, PREFIXES, SCHEMA, agent_iri, entity_iri, node_iri, paper_iri
from kg.write.rdf_results import add_results

__all__ = ["to_rdf", "relation_property", "paper_link_property", "confidence_literal", "ISO_DATE", "BAD_IRI"]

#: A date dcterms:date types as xsd:date; any other date stays a plain literal.
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Characters that cannot appear in an IRI (RFC 3987 / Turtle IRIREF): such a URL stays a literal.
BAD_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def relation_property(rel: RelationType) -> URIRef:
    """The ontology property of a relation type.

    Examples
    --------
    >>> relation_property(RelationType.EVALUATED_ON)
    rdflib.term.URIRef('https://w3id.org/mlkg/ontology#evaluatedOn')
    """
    return MLKG[rel.rdf_name]


def paper_link_property(rel: RelationType) -> URIRef:
    """The paper-to-paper property of a derived link: ``mlkg:paperBuildsOn`` / ``mlkg:paperImprovesOn``,
    else the generic ``mlkg:relatedPaper``.

    Examples
    --------
    >>> paper_link_property(RelationType.BUILDS_ON)
    rdflib.term.URIRef('https://w3id.org/mlkg/ontology#paperBuildsOn')
    >>> paper_link_property(RelationType.USES)
    rdflib.term.URIRef('https://w3id.org/mlkg/ontology#relatedPaper')
    """
    name = "paper" + rel.rdf_name[0].upper() + rel.rdf_name[1:]
    try:
        return MLKG[name]
    except AttributeError:
        return MLKG.relatedPaper


def confidence_literal(value: float) -> Literal:
    """A confidence as xsd:decimal, rounded to 4 places."""
    # xsd:decimal, not xsd:double: confidences compare and print exactly (0.85, not 8.5E-1).
    return Literal(Decimal(str(round(float(value), 4))), datatype=XSD.decimal)


def _add_paper(g: rdflib.Graph, p: Paper) -> None:
    s = paper_iri(p.id)
    g.add((s, RDF.type, MLKG.Paper))
    g.add((s, RDF.type, SCHEMA.ScholarlyArticle))
    g.add((s, DCTERMS.identifier, Literal(p.id)))
    g.add((s, DCTERMS.title, Literal(p.title)))
    g.add((s, DCTERMS.abstract, Literal(p.abstract)))
    if p.date:
        dt = XSD.date if ISO_DATE.match(p.date) else None
        g.add((s, DCTERMS.date, Literal(p.date, datatype=dt)))
    if p.url:
        g.add(
            (s, SCHEMA.url, Literal(p.url, datatype=XSD.anyURI) if BAD_IRI.search(p.url) else URIRef(p.url))
        )
    if p.arxiv_id and not BAD_IRI.search(p.arxiv_id):
        g.add((s, SCHEMA.sameAs, URIRef(f"https://arxiv.org/abs/{p.arxiv_id}")))
    for author in p.authors:
        g.add((s, DC.creator, Literal(author)))
    for category in p.categories:
        g.add((s, DCTERMS.subject, Literal(category)))


def _add_entity(g: rdflib.Graph, e: Entity) -> None:
    s = entity_iri(e.id)
    g.add((s, RDF.type, MLKG[e.type.rdf_name]))
    # Superclasses are materialised so `?x a mlkg:Dataset` finds benchmarks without a reasoner.
    parent = e.type.parent
    while parent is not None:
        g.add((s, RDF.type, MLKG[parent.rdf_name]))
        parent = parent.parent
    g.add((s, RDF.type, MLKG.Entity))
    g.add((s, DCTERMS.identifier, Literal(e.id)))
    g.add((s, SKOS.prefLabel, Literal(e.name)))
    for alias in e.aliases:
        if alias != e.name:
            g.add((s, SKOS.altLabel, Literal(alias)))
    for paper_id in e.papers:
        g.add((paper_iri(paper_id), SCHEMA.mentions, s))


def _node(head: str, head_is_paper: bool) -> URIRef:
    return paper_iri(head) if head_is_paper else entity_iri(head)


def _agent(g: rdflib.Graph, name: str, version: str) -> URIRef:
    agent = agent_iri(name, version)
    g.add((agent, RDF.type, PROV.SoftwareAgent))
    g.add((agent, RDFS.label, Literal(name)))
    g.add((agent, DCTERMS.hasVersion, Literal(version)))
    return agent


def _qualified(g: rdflib.Graph, s: URIRef, p: URIRef, o: URIRef, node: URIRef, cls: URIRef) -> None:
    """The plain triple and the node qualifying it: its class and rdf:subject / predicate / object."""
    g.add((s, p, o))
    g.add((node, RDF.type, cls))
    g.add((node, RDF.subject, s))
    g.add((node, RDF.predicate, p))
    g.add((node, RDF.object, o))


def _add_relation(g: rdflib.Graph, r: Relation, agent: URIRef) -> None:
    s, p, o = _node(r.head, r.head_is_paper), relation_property(r.type), entity_iri(r.tail)
    a = node_iri("assertion", r.head, r.type.value, r.tail, r.paper_id, r.evidence)
    _qualified(g, s, p, o, a, MLKG.RelationAssertion)
    g.add((a, PROV.wasDerivedFrom, paper_iri(r.paper_id)))
    g.add((a, MLKG.evidence, Literal(r.evidence)))
    g.add((a, MLKG.confidence, confidence_literal(r.confidence)))
    g.add((a, PROV.wasAttributedTo, agent))


def _add_link(g: rdflib.Graph, link: PaperLink) -> None:
    s, p, o = paper_iri(link.source), paper_link_property(link.type), paper_iri(link.target)
    a = node_iri("link", link.source, link.type.value, link.target, link.via)
    _qualified(g, s, p, o, a, MLKG.PaperLink)
    g.add((a, MLKG.via, entity_iri(link.via)))
    g.add((a, PROV.wasDerivedFrom, s))
    g.add((a, MLKG.evidence, Literal(link.evidence)))
    g.add((a, MLKG.confidence, confidence_literal(link.confidence)))


def to_rdf(graph: Graph) -> rdflib.Graph:
    """The RDF graph of a built Graph (prefixes bound, no I/O).

    Examples
    --------
    >>> from kg.types import Entity, EntityType, Graph
    >>> mmlu = Entity("benchmark:mmlu", EntityType.BENCHMARK, "MMLU", ("MMLU", "Massive MTL"))
    >>> rdf = to_rdf(Graph(entities=(mmlu,)))
    >>> sorted(str(o).rsplit("#")[1] for o in rdf.objects(entity_iri("benchmark:mmlu"), RDF.type))
    ['Benchmark', 'Dataset', 'Entity']
    >>> [str(x) for x in rdf.objects(entity_iri("benchmark:mmlu"), SKOS.altLabel)]
    ['Massive MTL']
    """
    g = rdflib.Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, replace=True)
    version = graph.meta.get("extractor") or graph.meta.get("kg") or ONTOLOGY_VERSION
    for p in graph.papers:
        _add_paper(g, p)
    for e in graph.entities:
        _add_entity(g, e)
    for paper_id, entity_id, _count in graph.mentions:
        g.add((paper_iri(paper_id), SCHEMA.mentions, entity_iri(entity_id)))
    agents: dict[str, URIRef] = {}
    for r in graph.relations:
        if r.extractor not in agents:
            agents[r.extractor] = _agent(g, r.extractor, version)
        _add_relation(g, r, agents[r.extractor])
    for link in graph.paper_links:
        _add_link(g, link)
    add_results(g, graph.results)
    return g


# --------------------------------------------------------------------------- streaming writer
