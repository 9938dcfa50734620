"""Names in a built graph: the label a node is drawn with, entities found by name or alias, and the
``--types`` / ``--relations`` option values parsed."""

from __future__ import annotations

import difflib
from typing import Any

from kg.errors import InputError
from kg.types import Entity, EntityType, Graph, RelationType

__all__ = ["node_label", "find_entities", "parse_entity_types", "parse_relation_types"]


def node_label(graph: Graph, node_id: str, width: int = 60) -> str:
    """Entity name, or ``paper: <title>`` (shortened to ``width``) for a paper id.

    Examples
    --------
    >>> from kg.analysis.samples import example_graph
    >>> node_label(example_graph(), "lora")
    'LoRA'
    >>> node_label(example_graph(), "arxiv:2402.09353", width=20)
    'paper: DoRA: Weight-Decomp…'
    """
    names = _names(graph)
    if node_id in names:
        return names[node_id]
    titles = {p.id: p.title for p in graph.papers}
    if node_id in titles:
        return "paper: " + _shorten(titles[node_id], width)
    return node_id


def _names(graph: Graph) -> dict[str, str]:
    return {e.id: e.name for e in graph.entities}


def _shorten(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def find_entities(graph: Graph, name: str) -> list[Entity]:
    """Entities whose id, name or an alias equals ``name`` (case-insensitive).

    Raises
    ------
    InputError
        Nothing matches; the message suggests close names.

    Examples
    --------
    >>> from kg.analysis.samples import example_graph
    >>> [e.id for e in find_entities(example_graph(), "low-rank adaptation")]
    ['lora']
    >>> find_entities(example_graph(), "LoRB")
    Traceback (most recent call last):
    ...
    kg.errors.InputError: no entity named 'LoRB' in the graph (close: LoRA)
    """
    key = name.casefold().strip()
    found = [
        e
        for e in graph.entities
        if key in {e.id.casefold(), e.name.casefold(), *(a.casefold() for a in e.aliases)}
    ]
    if found:
        return found
    known = sorted({e.name for e in graph.entities} | {a for e in graph.entities for a in e.aliases})
    folded = {k.casefold(): k for k in known}
    close = [folded[c] for c in difflib.get_close_matches(key, list(folded), n=5, cutoff=0.6)]
    hint = f" (close: {', '.join(close)})" if close else ""
    raise InputError(f"no entity named {name!r} in the graph{hint}")


def parse_entity_types(text: str | None) -> frozenset[EntityType] | None:
    """``"Model,Benchmark"`` -> those types (case-insensitive); None or "" -> None (all).

    Examples
    --------
    >>> sorted(t.value for t in parse_entity_types("model, Benchmark"))
    ['Benchmark', 'Model']
    >>> parse_entity_types("Modle")
    Traceback (most recent call last):
    ...
    kg.errors.InputError: unknown entity type 'Modle' (known: Model, Method, Dataset, Benchmark, Task, Metric)
    """
    parsed: frozenset[EntityType] | None = _parse(text, EntityType, "entity type")
    return parsed


def parse_relation_types(text: str | None) -> frozenset[RelationType] | None:
    """``"improves-on,uses"`` -> those relation types; the Python and Cypher spellings work too.

    Examples
    --------
    >>> sorted(t.value for t in parse_relation_types("improves_on,USES"))
    ['improves-on', 'uses']
    """
    parsed: frozenset[RelationType] | None = _parse(text, RelationType, "relation type")
    return parsed


def _parse(text: str | None, enum: Any, what: str) -> Any:
    if not text:
        return None
    spellings = {}
    for member in enum:
        for s in (member.value, member.name, member.name.replace("_", "-")):
            spellings[s.casefold()] = member
    out = set()
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if part.casefold() not in spellings:
            known = ", ".join(m.value for m in enum)
            raise InputError(f"unknown {what} {part!r} (known: {known})")
        out.add(spellings[part.casefold()])
    return frozenset(out) or None
