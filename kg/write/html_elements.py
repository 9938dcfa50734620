"""What graph.html holds for a Graph: its nodes and edges as plain dicts (shapes, colours, sizes,
tooltips), before layout. Every text here is shown by the page as text, never as HTML."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from kg.analysis.subgraph import ranked_entities
from kg.types import EntityType, Graph, RelationType
from kg.vocab import PAPER_COLOUR

__all__ = ["PAPER_SHAPE", "MENTIONS", "MENTIONS_COLOUR", "entity_shape", "relation_colour", "page_counts"]


# Shapes and edge colours are assigned by position in the ontology's enums, so a new type in
# ontology/kg.ttl gets one without touching this file.
_SHAPES = ("dot", "diamond", "triangle", "star", "triangleDown", "hexagon", "ellipse")
_REL_PALETTE = (
    "#7f7f7f",
    "#d62728",
    "#2b8cbe",
    "#e6550d",
    "#31a354",
    "#756bb1",
    "#8c6d31",
    "#e377c2",
    "#17becf",
)
PAPER_SHAPE = "square"
MENTIONS = "mentions"
MENTIONS_COLOUR = "#c8c8c8"


def _by_position(member: Enum, palette: Sequence[str]) -> str:
    """The entry of ``palette`` at ``member``'s position in its enum, from the start again past its end.

    Examples
    --------
    >>> entity_shape(EntityType.MODEL)
    'dot'
    >>> relation_colour(RelationType.PROPOSES)
    '#7f7f7f'
    """
    return palette[list(type(member)).index(member) % len(palette)]


def entity_shape(t: EntityType) -> str:
    """vis-network shape of an entity type."""
    return _by_position(t, _SHAPES)


def relation_colour(t: RelationType) -> str:
    """Edge colour of a relation type."""
    return _by_position(t, _REL_PALETTE)


@dataclass(frozen=True, slots=True)
class _Elements:
    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]


def _short(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _listing(items: Sequence[str], limit: int, indent: str = "  • ") -> list[str]:
    lines = [indent + s for s in items[:limit]]
    if len(items) > limit:
        lines.append(f"{indent}… and {len(items) - limit} more")
    return lines


def _elements(graph: Graph) -> _Elements:
    """Nodes and edges as plain dicts; every text is shown by the page as text, never as HTML."""
    titles = {p.id: p.title for p in graph.papers}
    names = {e.id: e.name for e in graph.entities}
    label = {**{pid: _short(t, 40) for pid, t in titles.items()}, **names}

    rank = {eid: i for i, eid in enumerate(ranked_entities(graph))}
    nodes: list[dict[str, Any]] = []
    for e in graph.entities:
        papers = [_short(titles.get(pid, pid), 90) for pid in e.papers]
        tip = [e.name, f"Type: {e.type.value}"]
        aliases = [a for a in e.aliases if a != e.name]
        if aliases:
            tip.append("Aliases: " + ", ".join(aliases))
        tip.append(f"Papers ({len(papers)}):")
        tip += _listing(papers, 8)
        nodes.append(
            {
                "id": e.id,
                "label": e.name,
                "title": "\n".join(tip),
                "kind": "entity",
                "etype": e.type.value,
                "shape": entity_shape(e.type),
                "color": e.type.colour,
                # Area grows with the papers naming it: the map's big nodes are what the corpus is about.
                "size": round(min(110.0, 8 + 16 * math.log2(1 + len(e.papers))), 1),
                "rank": rank[e.id],
                "npapers": len(e.papers),
            }
        )
    for p in graph.papers:
        tip = [p.title, f"Paper {p.id}"]
        if p.date:
            tip.append(f"Date: {p.date}")
        if p.url:
            tip.append(p.url)
        nodes.append(
            {
                "id": p.id,
                "label": _short(p.title, 40),
                "title": "\n".join(tip),
                "kind": "paper",
                "etype": "Paper",
                "shape": PAPER_SHAPE,
                "color": PAPER_COLOUR,
                "size": 7,
            }
        )

    edges: list[dict[str, Any]] = []
    # One drawn edge per (head, type, tail): the papers asserting it are listed in its tooltip.
    merged: dict[tuple[str, str, str], list[Any]] = defaultdict(list)
    for r in graph.relations:
        merged[(r.head, r.type.value, r.tail)].append(r)
    for (h, t, tl), rels in merged.items():
        rels.sort(key=lambda r: -r.confidence)
        tip = [f"{label.get(h, h)} —{t}→ {label.get(tl, tl)}", f"{len(rels)} paper(s)"]
        for r in rels[:5]:
            tip += [
                "",
                f"“{_short(r.evidence, 300)}”",
                f"  — {_short(titles.get(r.paper_id, r.paper_id), 90)}",
                f"  confidence {r.confidence:.2f}",
            ]
        if len(rels) > 5:
            tip.append(f"… and {len(rels) - 5} more")
        rt = RelationType(t)
        edges.append(
            {
                "id": f"r|{h}|{t}|{tl}",
                "from": h,
                "to": tl,
                "kind": "relation",
                "rel": t,
                "label": t,
                "title": "\n".join(tip),
                "color": relation_colour(rt),
                "arrows": "to",
                "width": round(1 + math.log2(len(rels)), 2),
                "paperHead": h in titles,
            }
        )
    links: dict[tuple[str, str, str], list[Any]] = defaultdict(list)
    for lk in graph.paper_links:
        links[(lk.source, lk.type.value, lk.target)].append(lk)
    for (s, t, tg), lks in links.items():
        tip = [f"{label.get(s, s)} —{t}→ {label.get(tg, tg)}", "(derived paper link)"]
        for lk in lks[:5]:
            tip += ["", f"via {names.get(lk.via, lk.via)}", f"“{_short(lk.evidence, 300)}”"]
        edges.append(
            {
                "id": f"l|{s}|{t}|{tg}",
                "from": s,
                "to": tg,
                "kind": "paper_link",
                "rel": t,
                "label": t,
                "title": "\n".join(tip),
                "color": relation_colour(RelationType(t)),
                "arrows": "to",
                "dashes": True,
                "width": 2,
                "paperHead": True,
            }
        )
    for pid, eid, count in graph.mentions:
        edges.append(
            {
                "id": f"m|{pid}|{eid}",
                "from": pid,
                "to": eid,
                "kind": MENTIONS,
                "rel": MENTIONS,
                "title": f"{_short(titles.get(pid, pid), 90)}\nmentions {names.get(eid, eid)} ({count}×)",
                "color": MENTIONS_COLOUR,
                "width": 0.5,
                "paperHead": True,
            }
        )
    _curve_parallel(edges)
    return _Elements(nodes, edges)


def _curve_parallel(edges: list[dict[str, Any]]) -> None:
    # Straight edges are cheap to draw, but two edges between the same pair would overlap.
    groups: dict[frozenset[str], list[dict[str, Any]]] = defaultdict(list)
    for e in edges:
        groups[frozenset((e["from"], e["to"]))].append(e)
    for group in groups.values():
        if len(group) < 2:
            continue
        for i, e in enumerate(group):
            e["smooth"] = {"enabled": True, "type": "curvedCW", "roundness": 0.12 + 0.14 * i}


def page_counts(graph: Graph) -> tuple[int, int]:
    """(nodes, edges) the page holds for ``graph``: every paper and entity; one edge per
    distinct relation (head, type, tail), per distinct paper link, per (paper, entity) mention.

    Examples
    --------
    >>> from kg.analysis import example_graph
    >>> page_counts(example_graph())
    (14, 30)
    """
    e = _elements(graph)
    return len(e.nodes), len(e.edges)
