"""``MLKG``: the terms of ontology/kg.ttl as an rdflib DefinedNamespace, plus the data namespaces.

A mistyped term raises (``_fail = True``) instead of minting a new IRI; a unit test checks that
this class and ontology/kg.ttl declare the same terms.

Examples
--------
>>> MLKG.improvesOn
rdflib.term.URIRef('https://w3id.org/mlkg/ontology#improvesOn')
>>> MLKG.improvedOn
Traceback (most recent call last):
...
AttributeError: term 'improvedOn' not in namespace 'https://w3id.org/mlkg/ontology#'
>>> entity_iri("model:bert")
rdflib.term.URIRef('https://w3id.org/mlkg/entity/model/bert')
>>> paper_iri("arxiv:2106.09685")
rdflib.term.URIRef('https://w3id.org/mlkg/paper/arxiv/2106.09685')
"""

from __future__ import annotations

import hashlib
from urllib.parse import quote

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

from kg.vocab import NAMESPACE

__all__ = [
    "MLKG",
    "DATA",
    "SCHEMA",
    "DC",
    "PREFIXES",
    "entity_iri",
    "paper_iri",
    "agent_iri",
    "node_iri",
]


class MLKG(DefinedNamespace):
    """Every term ontology/kg.ttl declares in the mlkg namespace."""

    _NS = Namespace(NAMESPACE)
    _fail = True

    # classes
    Paper: URIRef
    Entity: URIRef
    Model: URIRef
    Method: URIRef
    Dataset: URIRef
    Benchmark: URIRef
    Task: URIRef
    Metric: URIRef
    RelationAssertion: URIRef
    PaperLink: URIRef
    # the eight relation types (RelationType.rdf_name)
    proposes: URIRef
    improvesOn: URIRef
    evaluatedOn: URIRef
    buildsOn: URIRef
    trainedOn: URIRef
    uses: URIRef
    appliedTo: URIRef
    evaluatedWith: URIRef
    # provenance and derived links
    evidence: URIRef
    confidence: URIRef
    relatedPaper: URIRef
    paperBuildsOn: URIRef
    paperImprovesOn: URIRef
    via: URIRef
    # results
    Result: URIRef
    ResultKind: URIRef
    Score: URIRef
    Gain: URIRef
    Ratio: URIRef
    resultKind: URIRef
    resultSubject: URIRef
    resultMetric: URIRef
    resultBenchmark: URIRef
    resultBaseline: URIRef
    value: URIRef
    valueLow: URIRef
    valueHigh: URIRef
    valueText: URIRef
    unit: URIRef
    # annotation properties (how code spells each term)
    jsonName: URIRef
    cypherName: URIRef
    idPrefix: URIRef
    colour: URIRef


#: Base of the IRIs of papers, entities, assertions and agents in graph.ttl.
DATA = Namespace("https://w3id.org/mlkg/")
SCHEMA = Namespace("https://schema.org/")
DC = Namespace("http://purl.org/dc/elements/1.1/")

#: Prefixes bound in graph.ttl, offered by the query page and accepted by ``kg query``.
PREFIXES: dict[str, str] = {
    "mlkg": NAMESPACE,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "prov": "http://www.w3.org/ns/prov#",
    "dcterms": "http://purl.org/dc/terms/",
    "dc": str(DC),
    "schema": str(SCHEMA),
    "dcat": "http://www.w3.org/ns/dcat#",
    "entity": str(DATA) + "entity/",
    "paper": str(DATA) + "paper/",
}


def _path(kind: str, ident: str) -> URIRef:
    # Split "prefix:rest" at the first colon into two path segments; both are percent-encoded
    # (no "/" kept), so distinct ids always give distinct IRIs.
    prefix, sep, rest = ident.partition(":")
    tail = f"{quote(prefix, safe='')}/{quote(rest, safe='')}" if sep and prefix else quote(ident, safe="")
    return URIRef(f"{DATA}{kind}/{tail}")


def entity_iri(entity_id: str) -> URIRef:
    """IRI of an entity from its kg id (``model:bert`` -> ``.../entity/model/bert``).

    Examples
    --------
    >>> entity_iri("method:low rank/adaptation")
    rdflib.term.URIRef('https://w3id.org/mlkg/entity/method/low%20rank%2Fadaptation')
    """
    return _path("entity", entity_id)


def paper_iri(paper_id: str) -> URIRef:
    """IRI of a paper from its kg id (``title:ab12`` -> ``.../paper/title/ab12``).

    Examples
    --------
    >>> paper_iri("title:0123abcd")
    rdflib.term.URIRef('https://w3id.org/mlkg/paper/title/0123abcd')
    """
    return _path("paper", paper_id)


def agent_iri(name: str, version: str) -> URIRef:
    """IRI of the software agent (extractor name and version) an assertion is attributed to.

    Examples
    --------
    >>> agent_iri("rules", "0.1.0")
    rdflib.term.URIRef('https://w3id.org/mlkg/agent/rules/0.1.0')
    """
    return URIRef(f"{DATA}agent/{quote(name, safe='')}/{quote(version, safe='')}")


def node_iri(kind: str, *parts: str) -> URIRef:
    """Stable IRI of a qualification node: a hash of the parts it qualifies.

    Examples
    --------
    >>> node_iri("assertion", "a", "b") == node_iri("assertion", "a", "b")
    True
    >>> str(node_iri("assertion", "a", "b")).startswith("https://w3id.org/mlkg/assertion/")
    True
    """
    digest = hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:20]
    return URIRef(f"{DATA}{kind}/{digest}")
