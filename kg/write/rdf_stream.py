"""graph.ttl streamed: :func:`write_rdf` writes the triples of :func:`kg.write.rdf_graph.to_rdf` as
Turtle or N-Triples straight to a file, one subject at a time, without holding the triples.

At 30,000 papers the rdflib graph took 2.7 GB and most of three minutes (docs/scale.md); a unit
test checks that both give isomorphic graphs, hostile strings included.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache
from typing import IO

import rdflib
from rdflib import RDF, RDFS, XSD, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS

from kg.blocks import BLOCKS_MARK
from kg.types import Graph
from kg.vocab import ONTOLOGY_VERSION
from kg.write.namespace import DC, MLKG, PREFIXES, SCHEMA, agent_iri, entity_iri, node_iri, paper_iri
from kg.write.rdf_graph import BAD_IRI, ISO_DATE, confidence_literal, paper_link_property, relation_property
from kg.write.rdf_results import result_pairs

__all__ = ["write_rdf"]

_PN_LOCAL = re.compile(r"(?:[A-Za-z0-9_]|%[0-9A-Fa-f]{2})(?:[A-Za-z0-9_.\-]|%[0-9A-Fa-f]{2})*")
_DECIMAL = re.compile(r"[+-]?[0-9]*\.[0-9]+")
# String escapes: the four Turtle / N-Triples require, plus every other control character.
_ESCAPES = {i: f"\\u{i:04X}" for i in (*range(0x20), 0x7F)}
_ESCAPES.update({0x5C: "\\\\", 0x22: '\\"', 0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t", 0x08: "\\b", 0x0C: "\\f"})
_ESCAPE_TABLE = str.maketrans(_ESCAPES)
_NAMESPACES = sorted(PREFIXES.items(), key=lambda kv: -len(kv[1]))


@lru_cache(maxsize=65536)
def _decimal_lexical(value: float) -> str:
    # Exactly the lexical form rdflib gives confidence_literal(value), so both writers give equal literals.
    return str(confidence_literal(value))


class _Out:
    """Terms and triples as Turtle (subject blocks, prefixed names) or N-Triples (one per line)."""

    def __init__(self, f: IO[str], ntriples: bool) -> None:
        self.f = f
        self.nt = ntriples
        self.triples = 0
        self._iris: dict[str, str] = {}
        self._papers: dict[str, str] = {}
        self._entities: dict[str, str] = {}
        self.a = self.iri(str(RDF.type))

    def iri(self, uri: str) -> str:
        text = self._iris.get(uri)
        if text is None:
            text = self._name(uri)
            if len(self._iris) < 10_000:  # vocabulary and agents, not data nodes
                self._iris[uri] = text
        return text

    def _name(self, uri: str) -> str:
        if self.nt:
            return f"<{uri}>"
        if uri == str(RDF.type):
            return "a"
        for prefix, ns in _NAMESPACES:
            if uri.startswith(ns):
                local = uri[len(ns) :]
                if _PN_LOCAL.fullmatch(local) and not local.endswith("."):
                    return f"{prefix}:{local}"
        return f"<{uri}>"

    def paper(self, paper_id: str) -> str:
        text = self._papers.get(paper_id)
        if text is None:
            text = self._papers[paper_id] = self._name(str(paper_iri(paper_id)))
        return text

    def entity(self, entity_id: str) -> str:
        text = self._entities.get(entity_id)
        if text is None:
            text = self._entities[entity_id] = self._name(str(entity_iri(entity_id)))
        return text

    def literal(self, text: str, datatype: URIRef | None = None) -> str:
        quoted = '"' + text.translate(_ESCAPE_TABLE) + '"'
        return quoted if datatype is None else f"{quoted}^^{self.iri(str(datatype))}"

    def decimal(self, value: float) -> str:
        lexical = _decimal_lexical(value)
        if not self.nt and _DECIMAL.fullmatch(lexical):
            return lexical
        return self.literal(lexical, XSD.decimal)

    def term(self, node: rdflib.term.Node) -> str:
        """Any IRI or literal (a bare decimal where Turtle allows one)."""
        if isinstance(node, Literal):
            lexical = str(node)
            if node.datatype == XSD.decimal and not self.nt and _DECIMAL.fullmatch(lexical):
                return lexical
            return self.literal(lexical, node.datatype)
        return self.iri(str(node))

    def block(self, subject: str, pairs: Iterable[tuple[str, str]]) -> None:
        pairs = list(pairs)
        if not pairs:
            return
        self.triples += len(pairs)
        if self.nt:
            self.f.write("".join(f"{subject} {p} {o} .\n" for p, o in pairs))
        else:
            self.f.write(subject + " " + " ;\n    ".join(f"{p} {o}" for p, o in pairs) + " .\n\n")


def write_rdf(graph: Graph, f: IO[str], fmt: str = "turtle") -> int:
    """Write the triples of :func:`to_rdf` to ``f`` as Turtle (``fmt="turtle"``) or N-Triples
    (``"nt"``), one subject at a time; return how many triples were written.

    Memory beyond the Graph: the text of each paper and entity IRI, which entities each paper
    mentions, and the distinct (subject, property, object) of the relations. A triple that
    :func:`to_rdf` would merge may be written twice (two assertions of one relation with equal
    evidence); parsers and the store keep it once.

    Examples
    --------
    >>> import io
    >>> from kg.types import Entity, EntityType, Graph, Paper
    >>> out = io.StringIO()
    >>> write_rdf(Graph(papers=(Paper("p1", 'Say "hi"', "A"),)), out, fmt="nt")
    5
    >>> [line for line in out.getvalue().splitlines() if "title" in line]
    ['<https://w3id.org/mlkg/paper/p1> <http://purl.org/dc/terms/title> "Say \\\\"hi\\\\"" .']
    """
    if fmt not in ("turtle", "nt"):
        raise ValueError(f"write_rdf writes turtle or nt, not {fmt!r}")
    out = _Out(f, ntriples=fmt == "nt")
    if not out.nt:
        f.write(BLOCKS_MARK + "\n" + "".join(f"@prefix {prefix}: <{ns}> .\n" for prefix, ns in PREFIXES.items()) + "\n")
    iri, lit = out.iri, out.literal
    rdf_type, identifier, mentions = out.a, iri(str(DCTERMS.identifier)), iri(str(SCHEMA.mentions))

    # Which entities each paper mentions: the mention counts and every entity's papers.
    mentioned: dict[str, list[str]] = defaultdict(list)
    for paper_id, entity_id, _count in graph.mentions:
        mentioned[paper_id].append(entity_id)
    for e in graph.entities:
        for paper_id in e.papers:
            mentioned[paper_id].append(e.id)

    title, abstract, date = iri(str(DCTERMS.title)), iri(str(DCTERMS.abstract)), iri(str(DCTERMS.date))
    url, same_as, creator = iri(str(SCHEMA.url)), iri(str(SCHEMA.sameAs)), iri(str(DC.creator))
    subject = iri(str(DCTERMS.subject))
    paper_types = [(rdf_type, iri(str(MLKG.Paper))), (rdf_type, iri(str(SCHEMA.ScholarlyArticle)))]
    for p in graph.papers:
        pairs = [*paper_types, (identifier, lit(p.id)), (title, lit(p.title)), (abstract, lit(p.abstract))]
        if p.date:
            pairs.append((date, lit(p.date, XSD.date if ISO_DATE.match(p.date) else None)))
        if p.url:
            pairs.append((url, lit(p.url, XSD.anyURI) if BAD_IRI.search(p.url) else f"<{p.url}>"))
        if p.arxiv_id and not BAD_IRI.search(p.arxiv_id):
            pairs.append((same_as, f"<https://arxiv.org/abs/{p.arxiv_id}>"))
        pairs += [(creator, lit(author)) for author in p.authors]
        pairs += [(subject, lit(category)) for category in p.categories]
        pairs += [(mentions, out.entity(eid)) for eid in dict.fromkeys(mentioned.pop(p.id, ()))]
        out.block(out.paper(p.id), pairs)
    for paper_id, entity_ids in mentioned.items():  # papers the graph names but does not hold
        out.block(out.paper(paper_id), [(mentions, out.entity(eid)) for eid in dict.fromkeys(entity_ids)])
    del mentioned

    pref, alt = iri(str(SKOS.prefLabel)), iri(str(SKOS.altLabel))
    entity_class = iri(str(MLKG.Entity))
    for e in graph.entities:
        pairs = [(rdf_type, iri(str(MLKG[e.type.rdf_name])))]
        parent = e.type.parent
        while parent is not None:
            pairs.append((rdf_type, iri(str(MLKG[parent.rdf_name]))))
            parent = parent.parent
        pairs += [(rdf_type, entity_class), (identifier, lit(e.id)), (pref, lit(e.name))]
        pairs += [(alt, lit(a)) for a in e.aliases if a != e.name]
        out.block(out.entity(e.id), pairs)

    version = graph.meta.get("extractor") or graph.meta.get("kg") or ONTOLOGY_VERSION
    agents: dict[str, str] = {}
    subj, pred, obj = iri(str(RDF.subject)), iri(str(RDF.predicate)), iri(str(RDF.object))
    derived, attributed = iri(str(PROV.wasDerivedFrom)), iri(str(PROV.wasAttributedTo))
    evidence, confidence = iri(str(MLKG.evidence)), iri(str(MLKG.confidence))
    assertion_class = iri(str(MLKG.RelationAssertion))
    plain: set[tuple[str, str, str]] = set()

    def qualified(s: str, p: str, o: str, node: str, cls: str, more: list[tuple[str, str]]) -> None:
        """The plain triple (once) and the node qualifying it: its class, rdf:subject/predicate/object, ``more``."""
        if (s, p, o) not in plain:
            plain.add((s, p, o))
            out.block(s, [(p, o)])
        out.block(node, [(rdf_type, cls), (subj, s), (pred, p), (obj, o), *more])

    for r in graph.relations:
        if r.extractor not in agents:
            agent = agents[r.extractor] = iri(str(agent_iri(r.extractor, version)))
            out.block(
                agent,
                [
                    (rdf_type, iri(str(PROV.SoftwareAgent))),
                    (iri(str(RDFS.label)), lit(r.extractor)),
                    (iri(str(DCTERMS.hasVersion)), lit(version)),
                ],
            )
        s = out.paper(r.head) if r.head_is_paper else out.entity(r.head)
        p, o = iri(str(relation_property(r.type))), out.entity(r.tail)
        a = f"<{node_iri('assertion', r.head, r.type.value, r.tail, r.paper_id, r.evidence)}>"
        more = [
            (derived, out.paper(r.paper_id)),
            (evidence, lit(r.evidence)),
            (confidence, out.decimal(r.confidence)),
            (attributed, agents[r.extractor]),
        ]
        qualified(s, p, o, a, assertion_class, more)
    plain.clear()

    link_class, via = iri(str(MLKG.PaperLink)), iri(str(MLKG.via))
    for link in graph.paper_links:
        s, p, o = out.paper(link.source), iri(str(paper_link_property(link.type))), out.paper(link.target)
        a = f"<{node_iri('link', link.source, link.type.value, link.target, link.via)}>"
        more = [
            (via, out.entity(link.via)),
            (derived, s),
            (evidence, lit(link.evidence)),
            (confidence, out.decimal(link.confidence)),
        ]
        qualified(s, p, o, a, link_class, more)
    for result in graph.results:
        out.block(*result_pairs(result, out.term))
    return out.triples
