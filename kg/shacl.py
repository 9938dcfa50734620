"""``kg validate`` at any size: ontology/shapes.ttl checked as SPARQL queries over the pyoxigraph store.

pyshacl evaluates shapes node by node in Python over an rdflib graph: fine for a few thousand
papers, but at 100,000 (5.5 million triples) it held 6.5 GB and had not finished after 10 minutes.
Here the shapes become SPARQL queries that return only the focus nodes violating them (one
query per property shape for its value constraints, one per count, ``sh:class`` / ``sh:or`` and
``sh:sparql`` constraint), run by the store (the data in its default graph, the ontology in a
named graph, queried as their union, as pyshacl sees graph.ttl merged with the ontology). Rows
stream: every violation is counted, the first :data:`SHOWN` of each constraint are kept, so
memory does not grow with the number of violations; the store stays on disk. "Is not an instance
of" and ``FILTER NOT EXISTS`` run as ``MINUS`` (pyoxigraph evaluates the group once, as a hash
anti-join, instead of once per row: at 100,000 papers the difference between minutes and
seconds). The shapes stay the one place that says what a valid graph is: the queries are
generated from them, and a SHACL feature this translation does not know is an error
(never a silent pass). ``tests/unit/test_shacl.py`` checks the verdict and the failing focus
nodes against pyshacl on conforming and broken graphs.

Supported (everything shapes.ttl uses): node shapes with ``sh:targetClass`` (subclasses
included), ``sh:targetNode``, ``sh:targetSubjectsOf``; node-level ``sh:nodeKind``, ``sh:or`` of
``sh:class``, ``sh:sparql`` SELECT constraints; property shapes on a predicate path with
``sh:minCount``, ``sh:maxCount``, ``sh:datatype``, ``sh:minLength``, ``sh:class``,
``sh:nodeKind``, ``sh:minInclusive``, ``sh:maxInclusive``, ``sh:in``, ``sh:or`` of ``sh:class``.

Examples
--------
>>> bad = Violation("PaperShape", "a paper has exactly one non-empty dcterms:title (maxCount 1)", 7,
...                 ("https://w3id.org/mlkg/paper/a", "https://w3id.org/mlkg/paper/b"))
>>> print(ShaclReport(False, (bad,), checks=40).text())
Validation Report
Conforms: False
Results (7):
PaperShape: a paper has exactly one non-empty dcterms:title (maxCount 1) (7 focus nodes)
  https://w3id.org/mlkg/paper/a
  https://w3id.org/mlkg/paper/b
  ... and 5 more
"""

from __future__ import annotations

import re
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

#: Focus nodes listed per violated constraint (all are counted).
SHOWN = 5

_NODE_KEYS = {SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.nodeKind, SH["or"], SH.sparql, SH.property,
              SH.message, RDF.type, SH.name, SH.description}  # fmt: skip
_PROPERTY_KEYS = {SH.path, SH.minCount, SH.maxCount, SH.datatype, SH.minLength, SH["class"], SH.nodeKind,
                  SH.minInclusive, SH.maxInclusive, SH["in"], SH["or"], SH.message, SH.name,
                  SH.description}  # fmt: skip
_KINDS = {SH.IRI: "isIRI(?v)", SH.BlankNode: "isBlank(?v)", SH.Literal: "isLiteral(?v)"}
_VAR = re.compile(r"[?$](\w+)")
_ALL_VARIABLES = re.compile(r"\s*\?\w+\s+\?\w+\s+\?\w+\s*\.?\s*")  # one triple pattern, three variables


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
    """The verdict; per violated constraint its count and first focus nodes; ``focus_nodes``: the
    union of the focus nodes listed (all of them when validated with ``shown=None``)."""

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
    """One query. Without ``flags`` each row is one violation of the constraint (``?this``, and
    ``?value`` when ``shows_value``). With flags (several value constraints of one property shape
    in one pass) each row is one failing focus node and ``?_bK`` is 1 where it breaks ``flags[K]``."""

    shape: str
    message: str
    query: str
    shows_value: bool = False
    flags: tuple[str, ...] = ()  # the messages of the merged constraints

    @property
    def constraints(self) -> int:
        return len(self.flags) or 1


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

    def is_not_a(self, var: str, classes: list[str]) -> str:
        """SPARQL, after a pattern binding ``var``: keep the rows where it is not (:meth:`is_a`)."""
        return f"MINUS {{ {self.is_a(var, classes)} }}"


def _targets(g: rdflib.Graph, shape: rdflib.term.Node, classes: _Classes) -> list[str]:
    """Graph patterns binding ?this to the shape's focus nodes (one per target)."""
    out = [f"VALUES ?_t {{ {classes.closure([_term(c)])} }} ?this a ?_t ." for c in g.objects(shape, SH.targetClass)]
    out += [f"VALUES ?this {{ {_term(n)} }}" for n in g.objects(shape, SH.targetNode)]
    out += [f"?this {_term(p)} ?_any ." for p in g.objects(shape, SH.targetSubjectsOf)]
    return out


def _value_tests(g: rdflib.Graph, ps: rdflib.term.Node) -> Iterator[tuple[str, str]]:
    """(name, expression on ?v that is true for a *bad* value) per value constraint of a property
    shape that is an expression; an expression that raises counts as "not bad", as in a FILTER."""
    if (dt := g.value(ps, SH.datatype)) is not None:
        yield "datatype", f"!isLiteral(?v) || datatype(?v) != {_term(dt)}"
    if (n := g.value(ps, SH.minLength)) is not None:
        yield "minLength", f"isBlank(?v) || STRLEN(STR(?v)) < {int(n)}"
    if (k := g.value(ps, SH.nodeKind)) is not None:
        if k not in _KINDS:
            raise UnsupportedShape(f"shapes: sh:nodeKind {k}")
        yield "nodeKind", f"!{_KINDS[k]}"
    if (lo := g.value(ps, SH.minInclusive)) is not None:
        yield "minInclusive", f"!COALESCE(?v >= {_term(lo)}, false)"
    if (hi := g.value(ps, SH.maxInclusive)) is not None:
        yield "maxInclusive", f"!COALESCE(?v <= {_term(hi)}, false)"
    if (members := g.value(ps, SH["in"])) is not None:
        yield "in", f"?v NOT IN ({', '.join(_term(m) for m in _list(g, members))})"


def _class_tests(g: rdflib.Graph, ps: rdflib.term.Node) -> Iterator[tuple[str, list[str]]]:
    """(name, classes ?v must be an instance of one of) for sh:class and sh:or of sh:class."""
    if (c := g.value(ps, SH["class"])) is not None:
        yield "class", [_term(c)]
    if (alts := g.value(ps, SH["or"])) is not None:
        yield "or", _classes_of_or(g, alts)


def _not_exists_as_minus(query: str) -> str:
    """Each ``FILTER NOT EXISTS { P }`` as ``MINUS { P }``.

    pyoxigraph evaluates NOT EXISTS once per row (the shapes' range check ran 28 s on 48 papers and
    did not finish at 100,000); MINUS evaluates P once and removes the rows that agree with one of
    its solutions on their shared variables. The two mean the same when P shares a variable with
    the outer pattern, every shared variable is bound in every outer row and P has no FILTER on a
    variable only the outer pattern binds, as in every such group of the shapes
    (tests/unit/test_shacl.py compares the verdicts with pyshacl's). A group that shares no variable
    (MINUS would remove nothing) is an error. A group that is one pattern of three variables
    (``{ ?s ?p ?o }``: as MINUS, the whole graph in a hash table) becomes
    ``OPTIONAL { P BIND(true AS ?_okN) } FILTER(!BOUND(?_okN))``, a lookup per row.

    Examples
    --------
    >>> _not_exists_as_minus("?s ?p ?o FILTER NOT EXISTS { ?o a ?c { ?c ?x ?y } }")
    '?s ?p ?o MINUS { ?o a ?c { ?c ?x ?y } }'
    >>> _not_exists_as_minus("?a mlkg:s ?s ; mlkg:p ?p ; mlkg:o ?o . FILTER NOT EXISTS { ?s ?p ?o }")
    '?a mlkg:s ?s ; mlkg:p ?p ; mlkg:o ?o . OPTIONAL { ?s ?p ?o  BIND(true AS ?_ok0) } FILTER(!BOUND(?_ok0))'
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
        if not set(_VAR.findall(body)) & set(_VAR.findall(query[:start])):
            raise UnsupportedShape(f"shapes: a FILTER NOT EXISTS group that shares no variable: {body.strip()}")
        if _ALL_VARIABLES.fullmatch(body):  # MINUS would hash the whole graph: look each row's triple up
            out.append(query[pos:start] + f"OPTIONAL {{{body} BIND(true AS ?_ok{n}) }} FILTER(!BOUND(?_ok{n}))")
        else:
            out.append(query[pos:start] + f"MINUS {{{body}}}")
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
                not_a = classes.is_not_a("?this", _classes_of_or(g, alts))
                checks.append(_Check(name, message, f"SELECT DISTINCT ?this {{ {target} {not_a} }}"))
            for sparql in g.objects(shape, SH.sparql):
                select = _not_exists_as_minus(str(g.value(sparql, SH.select)).replace("$this", "?this"))
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
        if int(n) == 1:  # the focus nodes without a value: one anti-join, no group per node
            q = f"SELECT DISTINCT ?this {{ {target} MINUS {{ ?this {p} ?v }} }}"
        else:
            q = (f"SELECT ?this {{ {target} OPTIONAL {{ ?this {p} ?v }} }} "
                 f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) < {int(n)})")  # fmt: skip
        yield _Check(shape, f"{message} (minCount {int(n)})", q)
    if (n := g.value(ps, SH.maxCount)) is not None:
        q = f"SELECT ?this {{ {target} ?this {p} ?v }} GROUP BY ?this HAVING (COUNT(DISTINCT ?v) > {int(n)})"
        yield _Check(shape, f"{message} (maxCount {int(n)})", q)
    if tests := list(_value_tests(g, ps)):  # one pass over the values for all of them
        bad = [f"COALESCE({cond}, false)" for _, cond in tests]
        cols = " ".join(f"(MAX(IF({b}, 1, 0)) AS ?_b{k})" for k, b in enumerate(bad))
        q = f"SELECT ?this {cols} {{ {target} ?this {p} ?v . FILTER({' || '.join(bad)}) }} GROUP BY ?this"
        yield _Check(shape, message, q, flags=tuple(f"{message} ({kind})" for kind, _ in tests))
    for kind, alts in _class_tests(g, ps):
        not_a = classes.is_not_a("?v", alts)
        yield _Check(shape, f"{message} ({kind})", f"SELECT DISTINCT ?this {{ {target} ?this {p} ?v . {not_a} }}")


def _run(store: ox.Store, checks: list[_Check], shown: int | None = SHOWN) -> ShaclReport:
    """Every check's rows streamed: counted, the first ``shown`` per constraint kept (all if None)."""
    violations = []
    focus: set[str] = set()
    keep = float("inf") if shown is None else shown
    for check in checks:
        counts = [0] * check.constraints
        first: list[list[str]] = [[] for _ in counts]
        for row in store.query(check.query, use_default_graph_as_union=True):  # type: ignore[union-attr]
            node = str(row["this"].value)
            broken = [k for k in range(len(counts)) if int(row[f"_b{k}"].value)] if check.flags else [0]
            for k in broken:
                counts[k] += 1
                if len(first[k]) < keep:
                    value = row["value"] if check.shows_value else None
                    first[k].append(node if value is None else f"{node}: {value.value}")
                    focus.add(node)
        for k, count in enumerate(counts):
            if count:
                message = check.flags[k] if check.flags else check.message
                violations.append(Violation(check.shape, message, count, tuple(first[k])))
    return ShaclReport(not violations, tuple(violations), sum(c.constraints for c in checks), frozenset(focus))


def validate_build(out_dir: Path, shapes: Path | None = None, shown: int | None = SHOWN) -> ShaclReport:
    """Check the build in ``out_dir`` against the shapes (default ontology/shapes.ttl); list the
    first ``shown`` focus nodes of each violated constraint (``None``: all), count all.

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
        return _run(ox.Store.read_only(str(store_dir)), checks, shown)
    tmp = Path(tempfile.mkdtemp(prefix="kg-validate-"))
    try:
        load_store(ttl, tmp)
        store = ox.Store.read_only(str(store_path(tmp)))
        try:
            return _run(store, checks, shown)
        finally:
            del store
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
