"""The curated knowledge base (ontology/kb/*.ttl, SKOS): concept id -> Concept, alias key -> ids.

Examples
--------
>>> kb = load_kb()
>>> kb.lookup("LLaMA-2").label, kb.lookup("Llama 2").id
('Llama 2', 'llama-2')
>>> kb.lookup("ViT").label
'Vision Transformer'
>>> kb.lookup("GPT-4o").id == kb.lookup("GPT-4").id
False
"""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import rdflib
from rdflib.namespace import OWL, RDF, SKOS

import ontology
from kg.errors import LinkingError
from kg.link.keys import entity_key
from kg.vocab import NAMESPACE, EntityType

__all__ = ["Concept", "KnowledgeBase", "load_kb", "KB_DIR"]

KB_DIR = ontology.DIR / "kb"
_NS = rdflib.Namespace(NAMESPACE)


@dataclass(frozen=True, slots=True)
class Concept:
    """One KB entry: its id (the key of its preferred label), type, labels, family and version."""

    id: str
    label: str
    type: EntityType
    aliases: tuple[str, ...] = ()
    broader: str | None = None
    version: str | None = None


@dataclass(frozen=True)
class KnowledgeBase:
    """Concepts by id and, for linking, alias keys -> concept ids (ambiguous keys map to several)."""

    concepts: tuple[Concept, ...]
    id_to_concept: dict[str, Concept] = field(init=False, repr=False)
    alias_to_ids: dict[str, frozenset[str]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        by_id = {c.id: c for c in self.concepts}
        alias: dict[str, set[str]] = defaultdict(set)
        for c in self.concepts:
            for name in (c.label, *c.aliases):
                alias[entity_key(name)].add(c.id)
        object.__setattr__(self, "id_to_concept", by_id)
        object.__setattr__(self, "alias_to_ids", {k: frozenset(v) for k, v in alias.items()})

    def lookup(self, name: str) -> Concept | None:
        """The one concept ``name`` is a label of, or None (unknown or ambiguous).

        Examples
        --------
        >>> load_kb().lookup("Low-Rank Adaptation").label
        'LoRA'
        """
        ids = self.alias_to_ids.get(entity_key(name), frozenset())
        if len(ids) != 1:
            return None
        return self.id_to_concept[next(iter(ids))]

    def surface_forms(self) -> list[tuple[str, Concept]]:
        """Every (label, concept) pair, for phrase matching."""
        return [(name, c) for c in self.concepts for name in (c.label, *c.aliases)]


def _parse(paths: list[Path]) -> tuple[Concept, ...]:
    g = rdflib.Graph()
    for path in paths:
        try:
            g.parse(path, format="turtle")
        except Exception as exc:  # rdflib raises many parser error types
            raise LinkingError(f"cannot read knowledge base {path}: {exc}") from exc
    types = {_NS[t.value]: t for t in EntityType}
    out = []
    for node in g.subjects(RDF.type, SKOS.Concept):
        label = g.value(node, SKOS.prefLabel)
        kinds = [types[t] for t in g.objects(node, RDF.type) if isinstance(t, rdflib.URIRef) and t in types]
        if label is None or not kinds:
            raise LinkingError(f"knowledge base concept {node} lacks a prefLabel or an entity type")
        broader = g.value(node, SKOS.broader)
        version = g.value(node, OWL.versionInfo)
        out.append(
            Concept(
                id=entity_key(str(label)),
                label=str(label),
                type=kinds[0],
                aliases=tuple(sorted(str(a) for a in g.objects(node, SKOS.altLabel))),
                broader=str(broader).rsplit("/", 1)[-1] if broader is not None else None,
                version=str(version) if version is not None else None,
            )
        )
    return tuple(sorted(out, key=lambda c: c.id))


@functools.cache
def load_kb(directory: Path | None = None) -> KnowledgeBase:
    """Load every ``*.ttl`` of the KB directory once per process.

    Raises
    ------
    LinkingError
        When a file does not parse or a concept is incomplete.

    Examples
    --------
    >>> len(load_kb().concepts) > 300
    True
    """
    directory = directory or KB_DIR
    paths = sorted(Path(directory).glob("*.ttl"))
    if not paths:
        raise LinkingError(f"no knowledge base files (*.ttl) in {directory}")
    return KnowledgeBase(_parse(paths))
