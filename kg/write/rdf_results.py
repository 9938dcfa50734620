"""Results in graph.ttl: one ``mlkg:Result`` node per reported number (ontology/kg.ttl "results").

Each result node carries ``mlkg:resultKind`` (mlkg:Score / Gain / Ratio), ``mlkg:value``
(xsd:decimal), ``mlkg:valueText`` (as written), ``mlkg:unit``, ``mlkg:valueLow`` /
``mlkg:valueHigh`` for ranges, links ``mlkg:resultSubject`` (an entity, or the paper for PAPER),
``mlkg:resultMetric``, ``mlkg:resultBenchmark``, ``mlkg:resultBaseline``, and like a relation
assertion ``prov:wasDerivedFrom`` the paper, ``mlkg:evidence`` and ``mlkg:confidence``.
:func:`add_results` feeds :func:`kg.write.rdf.to_rdf`; :func:`result_pairs` feeds the streaming
writer, and a unit test checks both give the same triples.

Examples
--------
>>> from kg.types import Result
>>> r = Result("p1#result-0", "p1", "p1", None, "mmlu", None, "85.3", 85.3, "%", "score", "It gets 85.3%.", 0.9)
>>> g = rdflib.Graph()
>>> add_results(g, [r])
>>> str(g.value(result_iri(r.id), MLKG.value)), g.value(result_iri(r.id), MLKG.resultKind) == MLKG.Score
('85.3', True)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal

import rdflib
from rdflib import RDF, XSD, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV

from kg.types import Result
from kg.vocab import RESULT_KINDS
from kg.write.namespace import MLKG, entity_iri, node_iri, paper_iri

__all__ = ["add_results", "result_iri", "result_pairs", "kind_iri", "value_literal"]

_KIND_IRI = {kind: MLKG[kind.capitalize()] for kind in RESULT_KINDS}


def result_iri(result_id: str) -> URIRef:
    """IRI of a result node (a hash of its id, like assertion nodes)."""
    return node_iri("result", result_id)


def kind_iri(kind: str) -> URIRef:
    """``mlkg:Score``, ``mlkg:Gain`` or ``mlkg:Ratio``."""
    return _KIND_IRI[kind]


def value_literal(value: float) -> Literal:
    """The number as xsd:decimal, exactly as parsed (85.3, not 85.29999...)."""
    d = Decimal(repr(float(value)))
    return Literal(Decimal(format(d, "f")) if "E" in str(d) else d, datatype=XSD.decimal)


def _confidence(value: float) -> Literal:
    return Literal(Decimal(str(round(float(value), 4))), datatype=XSD.decimal)


def _terms(r: Result) -> list[tuple[URIRef, rdflib.term.Node]]:
    subject = paper_iri(r.subject) if r.subject_is_paper else entity_iri(r.subject)
    terms: list[tuple[URIRef, rdflib.term.Node]] = [
        (RDF.type, MLKG.Result),
        (DCTERMS.identifier, Literal(r.id)),
        (MLKG.resultKind, kind_iri(r.kind)),
        (MLKG.value, value_literal(r.value_num)),
        (MLKG.valueText, Literal(r.value)),
    ]
    if r.unit:
        terms.append((MLKG.unit, Literal(r.unit)))
    if r.value_low is not None and r.value_high is not None:
        terms += [(MLKG.valueLow, value_literal(r.value_low)), (MLKG.valueHigh, value_literal(r.value_high))]
    terms.append((MLKG.resultSubject, subject))
    for prop, eid in ((MLKG.resultMetric, r.metric), (MLKG.resultBenchmark, r.benchmark),
                      (MLKG.resultBaseline, r.baseline)):
        if eid is not None:
            terms.append((prop, entity_iri(eid)))
    terms += [
        (PROV.wasDerivedFrom, paper_iri(r.paper_id)),
        (MLKG.evidence, Literal(r.evidence)),
        (MLKG.confidence, _confidence(r.confidence)),
    ]
    return terms


def add_results(g: rdflib.Graph, results: Iterable[Result]) -> None:
    """Add the triples of every result to ``g``."""
    for r in results:
        s = result_iri(r.id)
        for p, o in _terms(r):
            g.add((s, p, o))


def result_pairs(r: Result, term: Callable[[rdflib.term.Node], str]) -> tuple[str, list[tuple[str, str]]]:
    """(subject, [(predicate, object)]) of one result as text, ``term`` spelling each RDF term."""
    return term(result_iri(r.id)), [(term(p), term(o)) for p, o in _terms(r)]
