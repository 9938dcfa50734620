"""Read ontology/kg.ttl and generate kg/vocab.py from it.

The ontology is the one place where entity and relation types are defined; Python code
imports the generated ``kg.vocab`` so nothing re-types the lists. Regenerate after editing
the Turtle file::

    python -m kg.ontology > kg/vocab.py

``tests/unit/test_ontology.py`` fails when the checked-in module is stale.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import rdflib
from rdflib.namespace import OWL, RDF, RDFS

import ontology

__all__ = [
    "NS", "ClassTerm", "PropertyTerm", "load", "entity_classes", "relation_properties", "result_kinds", "render_vocab",
]

NS = rdflib.Namespace("https://w3id.org/mlkg/ontology#")


@dataclass(frozen=True)
class ClassTerm:
    local: str
    json: str
    cypher: str
    prefix: str
    colour: str
    parent: str | None
    comment: str


@dataclass(frozen=True)
class PropertyTerm:
    local: str
    json: str
    cypher: str
    domain: tuple[str, ...]
    range: tuple[str, ...]
    comment: str


def load() -> rdflib.Graph:
    """Parse ontology/kg.ttl.

    Examples
    --------
    >>> (NS.Model, RDFS.subClassOf, NS.Entity) in load()
    True
    """
    g = rdflib.Graph()
    g.parse(ontology.path("kg.ttl"), format="turtle")
    return g


def _local(term: rdflib.term.Node) -> str:
    return str(term).removeprefix(str(NS))


def _classes_of(g: rdflib.Graph, node: rdflib.term.Node) -> tuple[str, ...]:
    union = g.value(node, OWL.unionOf)
    if union is None:
        return (_local(node),)
    return tuple(_local(m) for m in rdflib.collection.Collection(g, union))


def _order(g: rdflib.Graph, term: rdflib.term.Node) -> int:
    # Keep the file's order so enums read like GUIDELINES.md.
    text = ontology.path("kg.ttl").read_text(encoding="utf-8")
    return text.find(f"mlkg:{_local(term)} a ")


def entity_classes(g: rdflib.Graph) -> list[ClassTerm]:
    """The six entity classes, in the order the ontology lists them."""
    out = []
    for cls in g.subjects(NS.jsonName, None):
        if (cls, RDF.type, OWL.Class) not in g:
            continue
        parents = [p for p in g.objects(cls, RDFS.subClassOf) if str(p).startswith(str(NS))]
        parent_local = _local(parents[0]) if parents and parents[0] != NS.Entity else None
        out.append(
            ClassTerm(
                local=_local(cls),
                json=str(g.value(cls, NS.jsonName)),
                cypher=str(g.value(cls, NS.cypherName)),
                prefix=str(g.value(cls, NS.idPrefix)),
                colour=str(g.value(cls, NS.colour)),
                parent=parent_local,
                comment=str(g.value(cls, RDFS.comment)),
            )
        )
    return sorted(out, key=lambda c: _order(g, NS[c.local]))


def relation_properties(g: rdflib.Graph) -> list[PropertyTerm]:
    """The eight relation properties, in the order the ontology lists them."""
    out = []
    for prop in g.subjects(RDF.type, OWL.ObjectProperty):
        out.append(
            PropertyTerm(
                local=_local(prop),
                json=str(g.value(prop, NS.jsonName)),
                cypher=str(g.value(prop, NS.cypherName)),
                domain=_classes_of(g, g.value(prop, RDFS.domain)),
                range=_classes_of(g, g.value(prop, RDFS.range)),
                comment=str(g.value(prop, RDFS.comment)),
            )
        )
    return sorted(out, key=lambda p: _order(g, NS[p.local]))


def result_kinds(g: rdflib.Graph) -> list[str]:
    """JSON spellings of the result kinds (individuals of mlkg:ResultKind), in file order."""
    kinds = list(g.subjects(RDF.type, NS.ResultKind))
    return [str(g.value(k, NS.jsonName)) for k in sorted(kinds, key=lambda k: _order(g, k))]


def render_vocab(g: rdflib.Graph | None = None) -> str:
    """Python source of kg/vocab.py."""
    g = g or load()
    classes = entity_classes(g)
    props = relation_properties(g)
    version = str(g.value(rdflib.URIRef("https://w3id.org/mlkg/ontology"), OWL.versionInfo))
    paper_colour = str(g.value(NS.Paper, NS.colour))
    lines = [
        '"""Entity and relation types. GENERATED from ontology/kg.ttl by `python -m kg.ontology`; do not edit."""',
        "",
        "from __future__ import annotations",
        "",
        "from enum import Enum",
        "",
        '__all__ = ["ONTOLOGY_VERSION", "NAMESPACE", "PAPER_COLOUR", "RESULT_KINDS", "EntityType", "RelationType"]',
        "",
        f'ONTOLOGY_VERSION = "{version}"',
        f'NAMESPACE = "{NS}"',
        f'PAPER_COLOUR = "{paper_colour}"',
        "#: Result kinds (GUIDELINES.md \"Results\"), as JSON spells them.",
        f"RESULT_KINDS = {tuple(result_kinds(g))!r}",
        "",
        "",
        "class EntityType(str, Enum):",
        '    """Entity classes of the ontology; the value is the JSON spelling."""',
        "",
    ]
    for c in classes:
        lines.append(f'    {c.local.upper()} = "{c.json}"')
    lines += [
        "",
        "    @property",
        "    def cypher(self) -> str:",
        "        return _ENTITY_CYPHER[self.value]",
        "",
        "    @property",
        "    def rdf_name(self) -> str:",
        "        return self.value",
        "",
        "    @property",
        "    def id_prefix(self) -> str:",
        "        return _ENTITY_PREFIX[self.value]",
        "",
        "    @property",
        "    def colour(self) -> str:",
        "        return _ENTITY_COLOUR[self.value]",
        "",
        "    @property",
        "    def parent(self) -> EntityType | None:",
        "        parent = _ENTITY_PARENT[self.value]",
        "        return EntityType(parent) if parent else None",
        "",
        "",
        "class RelationType(str, Enum):",
        '    """Relation properties of the ontology; the value is the JSON spelling."""',
        "",
    ]
    for p in props:
        lines.append(f'    {p.cypher} = "{p.json}"')
    lines += [
        "",
        "    @property",
        "    def cypher(self) -> str:",
        "        return self.name",
        "",
        "    @property",
        "    def python_name(self) -> str:",
        "        return self.name.lower()",
        "",
        "    @property",
        "    def rdf_name(self) -> str:",
        "        return _RELATION_RDF[self.value]",
        "",
        "    @property",
        "    def head_types(self) -> frozenset[str]:",
        '        """Allowed head classes (entity type values, and "Paper")."""',
        "        return _RELATION_DOMAIN[self.value]",
        "",
        "    @property",
        "    def tail_types(self) -> frozenset[str]:",
        '        """Allowed tail classes (entity type values; "Dataset" admits Benchmark, "Entity" admits all)."""',
        "        return _RELATION_RANGE[self.value]",
        "",
        "    def allows(self, head: str, tail: str) -> bool:",
        '        """Whether a ``head`` class -> ``tail`` class assertion fits the domain and range.',
        "",
        '        Classes are type values or "Paper"; a subclass fits where its parent does.',
        "",
        "        >>> RelationType.EVALUATED_ON.allows(\"Model\", \"Benchmark\")",
        "        True",
        "        >>> RelationType.APPLIED_TO.allows(\"Model\", \"Model\")",
        "        False",
        '        """',
        "        return _fits(head, self.head_types) and _fits(tail, self.tail_types)",
        "",
        "",
        "def _fits(cls: str, allowed: frozenset[str]) -> bool:",
        "    if cls in allowed or (cls != \"Paper\" and \"Entity\" in allowed):",
        "        return True",
        "    parent = _ENTITY_PARENT.get(cls)",
        "    return parent is not None and _fits(parent, allowed)",
        "",
        "",
        "_ENTITY_CYPHER = {" + ", ".join(f'"{c.json}": "{c.cypher}"' for c in classes) + "}",
        "_ENTITY_PREFIX = {" + ", ".join(f'"{c.json}": "{c.prefix}"' for c in classes) + "}",
        "_ENTITY_COLOUR = {" + ", ".join(f'"{c.json}": "{c.colour}"' for c in classes) + "}",
        "_ENTITY_PARENT: dict[str, str | None] = {"
        + ", ".join(f'"{c.json}": ' + (f'"{c.parent}"' if c.parent else "None") for c in classes)
        + "}",
        "_RELATION_RDF = {" + ", ".join(f'"{p.json}": "{p.local}"' for p in props) + "}",
        "_RELATION_DOMAIN = {",
    ]
    for p in props:
        lines.append(f'    "{p.json}": frozenset({sorted(p.domain)!r}),')
    lines += ["}", "_RELATION_RANGE = {"]
    for p in props:
        lines.append(f'    "{p.json}": frozenset({sorted(p.range)!r}),')
    lines += ["}", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(render_vocab())
