"""graph.ttl: the Graph as RDF (rdflib), with a qualified provenance node for every relation.

For each relation the plain triple stays for simple queries (``entity mlkg:improvesOn entity``, or
``paper mlkg:improvesOn entity`` for paper-level claims) and a ``mlkg:RelationAssertion`` node
qualifies it: ``rdf:subject`` / ``rdf:predicate`` / ``rdf:object``, ``prov:wasDerivedFrom`` the
paper, ``mlkg:evidence`` the sentence, ``mlkg:confidence`` (xsd:decimal) and
``prov:wasAttributedTo`` the extractor (a ``prov:SoftwareAgent`` with ``dcterms:hasVersion``).
Derived paper-to-paper links get the same treatment (``mlkg:PaperLink``); reported numbers are
``mlkg:Result`` nodes (:mod:`kg.write.rdf_results`). docs/sparql.md shows
the shapes with queries; ontology/shapes.ttl checks them.

Two ways to the same triples: :func:`to_rdf` builds an in-memory rdflib graph (JSON-LD export,
tests, small graphs); :func:`write_rdf` streams Turtle or N-Triples straight to a file, one
subject at a time, without holding the triples (graph.ttl, ``kg export --format turtle|ntriples``).
At 30,000 papers the rdflib graph took 2.7 GB and most of three minutes (docs/scale.md); a unit
test checks that both give isomorphic graphs, hostile strings included.

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

import os
import re
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import IO

import rdflib
from rdflib import RDF, RDFS, XSD, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS

from kg.blocks import BLOCKS_MARK, GRAPH_TTL
from kg.errors import WriterError
from kg.registry import exporters
from kg.types import Entity, Graph, Paper, PaperLink, Relation, RelationType
from kg.vocab import ONTOLOGY_VERSION
from kg.write.namespace import DC, MLKG, PREFIXES, SCHEMA, agent_iri, entity_iri, node_iri, paper_iri
from kg.write.rdf_results import add_results, result_pairs

__all__ = [
    "GRAPH_TTL",
    "RdfWriter",
    "to_rdf",
    "write_rdf",
    "relation_property",
    "paper_link_property",
    "export_turtle",
    "export_ntriples",
    "export_jsonld",
    "validate",
]


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Characters that cannot appear in an IRI (RFC 3987 / Turtle IRIREF): such a URL stays a literal.
_BAD_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')


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


def _decimal(value: float) -> Literal:
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
        dt = XSD.date if _ISO_DATE.match(p.date) else None
        g.add((s, DCTERMS.date, Literal(p.date, datatype=dt)))
    if p.url:
        g.add(
            (s, SCHEMA.url, Literal(p.url, datatype=XSD.anyURI) if _BAD_IRI.search(p.url) else URIRef(p.url))
        )
    if p.arxiv_id and not _BAD_IRI.search(p.arxiv_id):
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


def _add_relation(g: rdflib.Graph, r: Relation, agent: URIRef) -> None:
    s, p, o = _node(r.head, r.head_is_paper), relation_property(r.type), entity_iri(r.tail)
    g.add((s, p, o))
    a = node_iri("assertion", r.head, r.type.value, r.tail, r.paper_id, r.evidence)
    g.add((a, RDF.type, MLKG.RelationAssertion))
    g.add((a, RDF.subject, s))
    g.add((a, RDF.predicate, p))
    g.add((a, RDF.object, o))
    g.add((a, PROV.wasDerivedFrom, paper_iri(r.paper_id)))
    g.add((a, MLKG.evidence, Literal(r.evidence)))
    g.add((a, MLKG.confidence, _decimal(r.confidence)))
    g.add((a, PROV.wasAttributedTo, agent))


def _add_link(g: rdflib.Graph, link: PaperLink) -> None:
    s, p, o = paper_iri(link.source), paper_link_property(link.type), paper_iri(link.target)
    g.add((s, p, o))
    a = node_iri("link", link.source, link.type.value, link.target, link.via)
    g.add((a, RDF.type, MLKG.PaperLink))
    g.add((a, RDF.subject, s))
    g.add((a, RDF.predicate, p))
    g.add((a, RDF.object, o))
    g.add((a, MLKG.via, entity_iri(link.via)))
    g.add((a, PROV.wasDerivedFrom, s))
    g.add((a, MLKG.evidence, Literal(link.evidence)))
    g.add((a, MLKG.confidence, _decimal(link.confidence)))


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

# A prefixed name's local part when it needs no backslash escapes (Turtle PN_LOCAL, minus ':').
_PN_LOCAL = re.compile(r"(?:[A-Za-z0-9_]|%[0-9A-Fa-f]{2})(?:[A-Za-z0-9_.\-]|%[0-9A-Fa-f]{2})*")
_DECIMAL = re.compile(r"[+-]?[0-9]*\.[0-9]+")
# String escapes: the four Turtle / N-Triples require, plus every other control character.
_ESCAPES = {i: f"\\u{i:04X}" for i in (*range(0x20), 0x7F)}
_ESCAPES.update({0x5C: "\\\\", 0x22: '\\"', 0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t", 0x08: "\\b", 0x0C: "\\f"})
_ESCAPE_TABLE = str.maketrans(_ESCAPES)
_NAMESPACES = sorted(PREFIXES.items(), key=lambda kv: -len(kv[1]))


@lru_cache(maxsize=65536)
def _decimal_lexical(value: float) -> str:
    # Exactly the lexical form rdflib gives _decimal(value), so both writers give equal literals.
    return str(_decimal(value))


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
            pairs.append((date, lit(p.date, XSD.date if _ISO_DATE.match(p.date) else None)))
        if p.url:
            pairs.append((url, lit(p.url, XSD.anyURI) if _BAD_IRI.search(p.url) else f"<{p.url}>"))
        if p.arxiv_id and not _BAD_IRI.search(p.arxiv_id):
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
        if (s, p, o) not in plain:
            plain.add((s, p, o))
            out.block(s, [(p, o)])
        a = f"<{node_iri('assertion', r.head, r.type.value, r.tail, r.paper_id, r.evidence)}>"
        out.block(
            a,
            [
                (rdf_type, assertion_class),
                (subj, s),
                (pred, p),
                (obj, o),
                (derived, out.paper(r.paper_id)),
                (evidence, lit(r.evidence)),
                (confidence, out.decimal(r.confidence)),
                (attributed, agents[r.extractor]),
            ],
        )
    plain.clear()

    link_class, via = iri(str(MLKG.PaperLink)), iri(str(MLKG.via))
    for link in graph.paper_links:
        s, p, o = out.paper(link.source), iri(str(paper_link_property(link.type))), out.paper(link.target)
        if (s, p, o) not in plain:
            plain.add((s, p, o))
            out.block(s, [(p, o)])
        a = f"<{node_iri('link', link.source, link.type.value, link.target, link.via)}>"
        out.block(
            a,
            [
                (rdf_type, link_class),
                (subj, s),
                (pred, p),
                (obj, o),
                (via, out.entity(link.via)),
                (derived, s),
                (evidence, lit(link.evidence)),
                (confidence, out.decimal(link.confidence)),
            ],
        )
    for result in graph.results:
        out.block(*result_pairs(result, out.term))
    return out.triples


def _serialize(graph: Graph, dest: Path, fmt: str) -> Path:
    """Write ``graph`` to ``dest``: turtle and nt streamed by :func:`write_rdf`, other formats
    through rdflib. The file is written beside ``dest`` and renamed over it."""
    dest = Path(dest)
    tmp = dest.with_name(f".{dest.name}.tmp")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        if fmt in ("turtle", "nt"):
            with tmp.open("w", encoding="utf-8", newline="\n", buffering=1 << 20) as f:
                write_rdf(graph, f, fmt)
        else:
            to_rdf(graph).serialize(destination=tmp, format=fmt, encoding="utf-8", context=dict(PREFIXES))
        os.replace(tmp, dest)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise WriterError(f"cannot write {dest}: {exc.strerror or exc}") from exc
    except UnicodeEncodeError as exc:
        tmp.unlink(missing_ok=True)
        reason = f"the graph holds text that is not valid Unicode ({exc.reason})"
        raise WriterError(f"cannot write {dest}: {reason}") from exc
    return dest


class RdfWriter:
    """Write ``out_dir/graph.ttl`` (:func:`write_rdf`); ``kg.store.StoreWriter`` loads it into the store.

    Examples
    --------
    >>> import tempfile
    >>> from kg.types import Graph, Paper
    >>> with tempfile.TemporaryDirectory() as d:
    ...     [p.name for p in RdfWriter().write(Graph(papers=(Paper("arxiv:1", "T", "A"),)), Path(d))]
    ['graph.ttl']
    """

    def write(self, graph: Graph, out_dir: Path) -> list[Path]:
        return [_serialize(graph, Path(out_dir) / GRAPH_TTL, "turtle")]


def export_turtle(graph: Graph, dest: Path) -> None:
    """``kg export --format turtle DEST``: graph.ttl's content to ``dest``."""
    _serialize(graph, dest, "turtle")


def export_ntriples(graph: Graph, dest: Path) -> None:
    """``kg export --format ntriples DEST``: one triple per line, for bulk loaders."""
    _serialize(graph, dest, "nt")


def export_jsonld(graph: Graph, dest: Path) -> None:
    """``kg export --format jsonld DEST``: JSON-LD with the prefixes of graph.ttl as its context
    (through rdflib, which holds the whole graph: slow and large beyond ~10,000 papers)."""
    _serialize(graph, dest, "json-ld")


def validate(ttl: Path) -> tuple[bool, str]:
    """Check ``ttl`` against ontology/shapes.ttl with pyshacl; return (conforms, readable report).

    The ontology is merged into the data graph first: the shapes read each relation property's
    domain and range from it, and ``sh:class`` follows its ``rdfs:subClassOf``.

    Raises
    ------
    InputError
        ``ttl`` is missing or does not parse.

    Examples
    --------
    >>> import tempfile
    >>> from kg.types import Graph, Paper
    >>> with tempfile.TemporaryDirectory() as d:
    ...     ttl = _serialize(Graph(papers=(Paper("arxiv:1", "T", "A"),)), Path(d) / GRAPH_TTL, "turtle")
    ...     validate(ttl)[0]
    True
    """
    import pyshacl

    import ontology
    from kg.errors import InputError

    data = rdflib.Graph()
    try:
        data.parse(Path(ttl), format="turtle")
    except FileNotFoundError:
        raise InputError(f"no {ttl}: run `kg build` first") from None
    except Exception as exc:  # rdflib raises parser-specific types
        raise InputError(f"{ttl} does not parse as Turtle: {exc}") from exc
    data.parse(ontology.path("kg.ttl"), format="turtle")
    shapes = rdflib.Graph().parse(ontology.path("shapes.ttl"), format="turtle")
    conforms, _, text = pyshacl.validate(data, shacl_graph=shapes, inference="none", advanced=True)
    return bool(conforms), str(text)


# Registered by call, not as decorators: catalogue is untyped and would erase these signatures.
exporters.register("turtle", func=export_turtle)
exporters.register("ntriples", func=export_ntriples)
exporters.register("jsonld", func=export_jsonld)
