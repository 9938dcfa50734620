"""The endpoint's self-description: a SPARQL 1.1 Service Description and a VoID dataset description.

Both are built with rdflib from the configured address (never from the request's Host header, which
a client controls) and from counts the store gives at request time.

Examples
--------
>>> g = service_description("http://127.0.0.1:7878", allow_update=False, triples=10)
>>> (URIRef("http://127.0.0.1:7878/sparql"), SD.supportedLanguage, SD.SPARQL11Query) in g
True
>>> (None, SD.supportedLanguage, SD.SPARQL11Update) in g
False
"""

from __future__ import annotations

from collections.abc import Mapping

import rdflib
from rdflib import RDF, XSD, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, VOID

from kg.store import ONTOLOGY_GRAPH
from kg.vocab import NAMESPACE, ONTOLOGY_VERSION
from kg.write.namespace import DATA, PREFIXES

__all__ = ["SD", "FORMATS", "service_description", "void_description", "VOID_QUERIES"]

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
_F = Namespace("http://www.w3.org/ns/formats/")
FORMATS = (
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "N-Triples",
    "JSON-LD",
    "RDF_XML",
)

#: Queries whose answers fill the VoID description (run through the pool, so updates show).
VOID_QUERIES = {
    "triples": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "classes": "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY ?c",
    "properties": "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY ?p",
}


def _graph() -> rdflib.Graph:
    g = rdflib.Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    g.bind("sd", SD)
    g.bind("void", VOID)
    return g


def service_description(base: str, allow_update: bool, triples: int) -> rdflib.Graph:
    """The SPARQL 1.1 Service Description of the endpoint at ``base``/sparql."""
    g = _graph()
    endpoint = URIRef(f"{base}/sparql")
    g.add((endpoint, RDF.type, SD.Service))
    g.add((endpoint, SD.endpoint, endpoint))
    g.add((endpoint, SD.supportedLanguage, SD.SPARQL11Query))
    if allow_update:
        g.add((endpoint, SD.supportedLanguage, SD.SPARQL11Update))
    for fmt in FORMATS:
        g.add((endpoint, SD.resultFormat, _F[fmt]))
    dataset = URIRef(f"{base}/void#dataset")
    g.add((endpoint, SD.defaultDataset, dataset))
    g.add((dataset, RDF.type, SD.Dataset))
    default = URIRef(f"{base}/void#default-graph")
    g.add((dataset, SD.defaultGraph, default))
    g.add((default, RDF.type, SD.Graph))
    g.add((default, VOID.triples, Literal(triples, datatype=XSD.integer)))
    named = URIRef(f"{base}/void#ontology-graph")
    g.add((dataset, SD.namedGraph, named))
    g.add((named, SD.name, URIRef(ONTOLOGY_GRAPH)))
    return g


def void_description(
    base: str, triples: int, classes: Mapping[str, int], properties: Mapping[str, int]
) -> rdflib.Graph:
    """The VoID description of the default graph: size, class and property partitions.

    Examples
    --------
    >>> g = void_description("http://h:1", 5, {NAMESPACE + "Paper": 2}, {})
    >>> g.value(URIRef("http://h:1/void#dataset"), VOID.triples).toPython()
    5
    """
    g = _graph()
    ds = URIRef(f"{base}/void#dataset")
    g.add((ds, RDF.type, VOID.Dataset))
    g.add((ds, DCTERMS.title, Literal("kg: a knowledge graph of ML research papers")))
    g.add(
        (
            ds,
            DCTERMS.description,
            Literal(
                "Models, methods, datasets, benchmarks, tasks and metrics extracted from paper titles and "
                "abstracts, with typed relations that each carry their provenance "
                "(paper, evidence sentence, confidence)."
            ),
        )
    )
    g.add((ds, VOID.sparqlEndpoint, URIRef(f"{base}/sparql")))
    g.add((ds, VOID.vocabulary, URIRef(NAMESPACE)))
    g.add((ds, VOID.uriSpace, Literal(str(DATA))))
    g.add((ds, DCTERMS.conformsTo, URIRef(f"https://w3id.org/mlkg/ontology/{ONTOLOGY_VERSION}")))
    g.add((ds, VOID.triples, Literal(triples, datatype=XSD.integer)))
    g.add((ds, VOID.classes, Literal(len(classes), datatype=XSD.integer)))
    g.add((ds, VOID.properties, Literal(len(properties), datatype=XSD.integer)))
    for i, (cls, n) in enumerate(sorted(classes.items())):
        part = URIRef(f"{base}/void#class-{i}")
        g.add((ds, VOID.classPartition, part))
        g.add((part, VOID["class"], URIRef(cls)))
        g.add((part, VOID.entities, Literal(n, datatype=XSD.integer)))
    for i, (prop, n) in enumerate(sorted(properties.items())):
        part = URIRef(f"{base}/void#property-{i}")
        g.add((ds, VOID.propertyPartition, part))
        g.add((part, VOID.property, URIRef(prop)))
        g.add((part, VOID.triples, Literal(n, datatype=XSD.integer)))
    return g
