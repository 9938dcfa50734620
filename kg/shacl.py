"""``kg validate`` at any size: ontology/shapes.ttl checked as SPARQL queries over the pyoxigraph store.

pyshacl evaluates shapes node by node in Python over an rdflib graph: fine for a few thousand
papers, but at 100,000 (5.5 million triples) it held 6.5 GB and had not finished after 10 minutes.
Here every constraint of the shapes becomes one SPARQL query that returns the focus nodes
violating it, run by the store (the data in its default graph, the ontology in a named graph,
queried as their union, as pyshacl sees graph.ttl merged with the ontology). Results stream; the
store stays on disk. The shapes stay the one place that says what a valid graph is: the
queries are generated from them, and a SHACL feature this translation does not know is an error
(never a silent pass). ``tests/unit/test_shacl.py`` checks the verdict and the failing focus
nodes against pyshacl on conforming and broken graphs.

Supported (everything shapes.ttl uses): node shapes with ``sh:targetClass`` (subclasses
included), ``sh:targetNode``, ``sh:targetSubjectsOf``; node-level ``sh:nodeKind``, ``sh:or`` of
``sh:class``, ``sh:sparql`` SELECT constraints; property shapes on a predicate path with
``sh:minCount``, ``sh:maxCount``, ``sh:datatype``, ``sh:minLength``, ``sh:class``,
``sh:nodeKind``, ``sh:minInclusive``, ``sh:maxInclusive``, ``sh:in``, ``sh:or`` of ``sh:class``.

Examples
--------
>>> import tempfile
>>> from kg.types import Graph, Paper
>>> from kg.write.rdf import RdfWriter
>>> with tempfile.TemporaryDirectory() as d:
...     _ = RdfWriter().write(Graph(papers=(Paper("arxiv:1", "T", "A"),)), Path(d))
...     validate_build(Path(d)).conforms
True
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib import RDF, SH, URIRef

import ontology
from kg.blocks import GRAPH_TTL
from kg.errors import InputError
from kg.store import load_store, store_path

__all__ = ["SHOWN", "UnsupportedShape", "Violation", "ShaclReport", "compile_shapes", "validate_build"]

#: Violations listed per constraint in the report (all are counted).
SHOWN = 5

_NODE_KEYS = {SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.nodeKind, SH["or"], SH.sparql, SH.property,
              SH.message, RDF.type, SH.name, SH.description}  # fmt: skip
_PROPERTY_KEYS = {SH.path, SH.minCount, SH.maxCount, SH.datatype, SH.minLength, SH["class"], SH.nodeKind,
                  SH.minInclusive, SH.maxInclusive, SH["in"], SH["or"], SH.message, SH.name,
                  SH.description}  # fmt: skip
_KINDS = {SH.IRI: "isIRI(?v)", SH.BlankNode: "isBlank(?v)", SH.Literal: "isLiteral(?v)"}


class UnsupportedShape(InputError):
    """The shapes use a SHACL feature this validator does not translate (use ``--engine pyshacl``)."""


@dataclass(frozen=True)
class Violation:
    """One constraint: what it says, how many focus nodes break it, the first of them."""

    shape: str
    message: str
    count: int
    focus: tuple[str, ...]


@dataclass(frozen=True)
class ShaclReport:
    conforms: bool
    violations: tuple[Violation, ...] = ()
    checks: int = 0
    focus_nodes: frozenset[str] = field(default_factory=frozenset)

    def text(self) -> str:
        """pyshacl's header lines, then one paragraph per violated constraint."""
        lines = [
            "Validation Report",
            f"Conforms: {self.conforms}",
            f"Results ({sum(v.count for v in self.violations)}):",
        ]
        for v in self.violations:
            lines.append(f"{v.shape}: {v.message} ({v.count} focus nodes)")
            lines += [f"  {f}" for f in v.focus]
            if v.count > len(v.focus):
                lines.append(f"  ... and {v.count - len(v.focus)} more")
        return "\n".join(lines)


@dataclass(frozen=True)
class _Check:
    shape: str
    message: str
    query: str  # SELECT ?this [?value]: one row per violation (focus node, offending value)
    shows_value: bool = False


def _term(node: rdflib.term.Node) -> str:
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, rdflib.Literal):
        return node.n3()
    raise UnsupportedShape(f"shapes: a blank node where an IRI or literal is expected ({node})")


def _list(g: rdflib.Graph, head: rdflib.term.Node) -> list[rdflib.term.Node]:
    return list(rdflib.collection.Collection(g, head))


def _classes_of_or(g: rdflib.Graph, head: rdflib.term.Node) -> list[str]:
    out = []
    for member in _list(g, head):
        keys = set(g.predicates(member))
        if keys != {SH["class"]}:
            raise UnsupportedShape(f"shapes: sh:or members other than [ sh:class C ] ({sorted(map(str, keys))})")
        out.append(_term(g.value(member, SH["class"])))
    return out


class _Classes:
    """Each class with its subclasses (rdfs:subClassOf*, from the ontology), so that queries test
    membership with VALUES instead of a property path: a path per row took minutes at 100k."""

    def __init__(self, ontology_graph: rdflib.Graph) -> None:
        self.g = ontology_graph

    def closure(self, classes: list[str]) -> str:
        subs: set[str] = set()
        for c in classes:
            subs.update(_term(s) for s in self.g.transitive_subjects(rdflib.RDFS.subClassOf, URIRef(c[1:-1])))
        return " ".join(sorted(subs))

    def is_a(self, var: str, classes: list[str]) -> str:
        """SPARQL: ``var`` is an instance of one of ``classes`` or of a subclass (SHACL's sh:class)."""
        return f"VALUES ?_c {{ {self.closure(classes)} }} {var} a ?_c ."


def _targets(g: rdflib.Graph, shape: rdflib.term.Node, classes: _Classes) -> list[str]:
    """Graph patterns binding ?this to the shape's focus nodes (one per target)."""
    out = [f"VALUES ?_t {{ {classes.closure([_term(c)])} }} ?this a ?_t ." for c in g.objects(shape, SH.targetClass)]
    out += [f"VALUES ?this {{ {_term(n)} }}" for n in g.objects(shape, SH.targetNode)]
    out += [f"?this {_term(p)} ?_any ." for p in g.objects(shape, SH.targetSubjectsOf)]
    return out


def _value_filters(g: rdflib.Graph, ps: rdflib.term.Node, classes: _Classes) -> Iterator[tuple[str, str]]:
    """(name, condition on ?v that holds for a *bad* value) per value constraint of a property shape."""
    if (dt := g.value(ps, SH.datatype)) is not None:
        yield "datatype", f"FILTER(!isLiteral(?v) || datatype(?v) != {_term(dt)})"
    if (n := g.value(ps, SH.minLength)) is not None:
        yield "minLength", f"FILTER(isBlank(?v) || STRLEN(STR(?v)) < {int(n)})"
    if (c := g.value(ps, SH["class"])) is not None:
        yield "class", f"OPTIONAL {{ {classes.is_a('?v', [_term(c)])} BIND(true AS ?_ok) }} FILTER(!BOUND(?_ok))"
    if (k := g.value(ps, SH.nodeKind)) is not None:
        if k not in _KINDS:
            raise UnsupportedShape(f"shapes: sh:nodeKind {k}")
        yield "nodeKind", f"FILTER(!{_KINDS[k]})"
    if (lo := g.value(ps, SH.minInclusive)) is not None:
        yield "minInclusive", f"FILTER(!COALESCE(?v >= {_term(lo)}, false))"
    if (hi := g.value(ps, SH.maxInclusive)) is not None:
        yield "maxInclusive", f"FILTER(!COALESCE(?v <= {_term(hi)}, false))"
    if (members := g.value(ps, SH["in"])) is not None:
        yield "in", f"FILTER(?v NOT IN ({', '.join(_term(m) for m in _list(g, members))}))"
    if (alts := g.value(ps, SH["or"])) is not None:
        is_a = classes.is_a("?v", _classes_of_or(g, alts))
        yield "or", f"OPTIONAL {{ {is_a} BIND(true AS ?_ok) }} FILTER(!BOUND(?_ok))"


def _not_exists_as_optional(query: str) -> str:
    """Each ``FILTER NOT EXISTS { P }`` as ``OPTIONAL { P BIND(true AS ?_okN) } FILTER(!BOUND(?_okN))``.

    pyoxigraph evaluates NOT EXISTS without the outer row's bindings (the shapes' range check ran
    28 s on 48 papers and did not finish at 100,000), but a left join with them: 0.9 s. The two
    mean the same when every variable P shares with the outer pattern is bound there, as in every
    such group of the shapes (tests/unit/test_shacl.py compares the verdicts with pyshacl).

    Examples
    --------
    >>> _not_exists_as_optional("?s ?p ?o FILTER NOT EXISTS { ?o a ?c { ?c ?x ?y } }")
    '?s ?p ?o OPTIONAL { ?o a ?c { ?c ?x ?y }  BIND(true AS ?_ok0) } FILTER(!BOUND(?_ok0))'
    """
    out, n, pos = [], 0, 0
    while (start := query.find("FILTER NOT EXISTS", pos)) != -1:
        open_at = query.index("{", start)
        depth, i = 0, open_at
        while True:
            depth += {"{": 1, "}": -1}.get(query[i], 0)
            if depth == 0:
                break
            i += 1
        body = query[open_at + 1 : i]
        out.append(query[pos:start] + f"OPTIONAL {{{body} BIND(true AS ?_ok{n}) }} FILTER(!BOUND(?_ok{n}))")
        n, pos = n + 1, i + 1
    return "".join(out) + query[pos:]


def _prefixes(g: rdflib.Graph, sparql: rdflib.term.Node) -> str:
    out = []
    for ontology_node in g.objects(sparql, SH.prefixes):
        for decl in g.objects(ontology_node, SH.declare):
            out.append(f"PREFIX {g.value(decl, SH.prefix)}: <{g.value(decl, SH.namespace)}>")
    return "\n".join(out)


def compile_shapes(shapes: Path, ontology_ttl: Path | None = None) -> list[_Check]:
    """One SPARQL query per constraint of the shapes file (see the module docstring).

    Raises
    ------
    UnsupportedShape
        A shape uses a SHACL feature not translated here.
    """
    g = rdflib.Graph().parse(shapes, format="turtle")
    classes = _Classes(rdflib.Graph().parse(ontology_ttl or ontology.path("kg.ttl"), format="turtle"))
    checks: list[_Check] = []
    for shape in sorted(set(g.subjects(RDF.type, SH.NodeShape)), key=str):
        name = str(shape).rsplit("#", 1)[-1]
        if unknown := set(g.predicates(shape)) - _NODE_KEYS:
            raise UnsupportedShape(f"shapes: {name} uses {sorted(map(str, unknown))}")
        message = str(g.value(shape, SH.message) or name)
        for target in _targets(g, shape, classes):
            if (k := g.value(shape, SH.nodeKind)) is not None:
                cond = _KINDS.get(k)
                if cond is None:
                    raise UnsupportedShape(f"shapes: sh:nodeKind {k}")
                checks.append(
                    _Check(
                        name,
                        f"{message} (nodeKind)",
                        f"SELECT DISTINCT ?this {{ {target} FILTER(!{cond.replace('?v', '?this')}) }}",
                    )
                )
            if (alts := g.value(shape, SH["or"])) is not None:
                is_a = classes.is_a("?this", _classes_of_or(g, alts))
                checks.append(
                    _Check(
                        name,
                        message,
                        _not_exists_as_optional(f"SELECT DISTINCT ?this {{ {target} FILTER NOT EXISTS {{ {is_a} }} }}"),
                    )
                )
            for sparql in g.objects(shape, SH.sparql):
                select = _not_exists_as_optional(str(g.value(sparql, SH.select)).replace("$this", "?this"))
                text = str(g.value(sparql, SH.message) or message)
                # The shape's SELECT, joined with the focus nodes: rows are violations.
                query = f"{_prefixes(g, sparql)}\nSELECT ?this ?value {{ {target} {{ {select} }} }}"
                checks.append(_Check(name, text, query, shows_value=True))
            for ps in g.objects(shape, SH.property):
                checks.extend(_property_checks(g, name, target, ps, classes))
    return checks


def _property_checks(
    g: rdflib.Graph, shape: str, target: str, ps: rdflib.term.Node, classes: _Classes
) -> Iterator[_Check]:
    if unknown := set(g.predicates(ps)) - _PROPERTY_KEYS:
        raise UnsupportedShape(f"shapes: a property of {shape} uses {sorted(map(str, unknown))}")
    path = g.value(ps, SH.path)
    if not isinstance(path, URIRef):
        raise UnsupportedShape(f"shapes: {shape} has a property path that is not one predicate")
    p = _term(path)
    message = str(g.value(ps, SH.message) or f"{path}")
    if (n := g.value(ps, SH.minCount)) is not None:
        q = (f"SELECT ?this {{ {target} OPTIONAL {{ ?this {p} ?v }} }} "
             f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) < {int(n)})")  # fmt: skip
        yield _Check(shape, f"{message} (minCount {int(n)})", q)
    if (n := g.value(ps, SH.maxCount)) is not None:
        q = f"SELECT ?this {{ {target} ?this {p} ?v }} GROUP BY ?this HAVING (COUNT(DISTINCT ?v) > {int(n)})"
        yield _Check(shape, f"{message} (maxCount {int(n)})", q)
    for kind, cond in _value_filters(g, ps, classes):
        yield _Check(shape, f"{message} ({kind})", f"SELECT DISTINCT ?this {{ {target} ?this {p} ?v . {cond} }}")


def _run(store: ox.Store, checks: list[_Check]) -> ShaclReport:
    violations = []
    focus: set[str] = set()
    for check in checks:
        count, first = 0, []
        for row in store.query(check.query, use_default_graph_as_union=True):  # type: ignore[union-attr]
            count += 1
            node = str(row["this"].value)
            focus.add(node)
            if len(first) < SHOWN:
                value = row["value"] if check.shows_value else None
                first.append(node if value is None else f"{node}: {value.value}")
        if count:
            violations.append(Violation(check.shape, check.message, count, tuple(first)))
    return ShaclReport(not violations, tuple(violations), len(checks), frozenset(focus))


def validate_build(out_dir: Path, shapes: Path | None = None) -> ShaclReport:
    """Check the build in ``out_dir`` against the shapes (default ontology/shapes.ttl).

    Uses the build's store when it is at least as new as graph.ttl; otherwise (no store, or
    graph.ttl changed since) graph.ttl is loaded into a temporary store on disk first.

    Raises
    ------
    InputError
        No graph.ttl in ``out_dir``, or shapes the translation does not support.
    """
    out_dir = Path(out_dir)
    ttl = out_dir / GRAPH_TTL
    if not ttl.is_file():
        raise InputError(f"no {ttl}: run `kg build --out {out_dir}` first")
    checks = compile_shapes(shapes or ontology.path("shapes.ttl"))
    store_dir = store_path(out_dir)
    if store_dir.is_dir() and store_dir.stat().st_mtime >= ttl.stat().st_mtime:
        return _run(ox.Store.read_only(str(store_dir)), checks)
    tmp = Path(tempfile.mkdtemp(prefix="kg-validate-"))
    try:
        load_store(ttl, tmp)
        store = ox.Store.read_only(str(store_path(tmp)))
        try:
            return _run(store, checks)
        finally:
            del store
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
