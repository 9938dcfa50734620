"""The parts of a graph ``kg html`` draws: :func:`select` (types, relations, the ego graph of a
focus) and :func:`overview` (the most important part within a node and edge limit)."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Sequence

import networkx as nx

from kg.analysis.names import find_entities
from kg.errors import InputError
from kg.types import EntityType, Graph, PaperLink, Relation, RelationType

__all__ = ["select", "overview", "importance", "ranked_entities"]


def select(
    graph: Graph,
    focus: str | Sequence[str] | None = None,
    depth: int = 2,
    types: Iterable[EntityType] | None = None,
    relations: Iterable[RelationType] | None = None,
) -> Graph:
    """The part of ``graph`` to draw: optionally restricted by type, then the ego graph of ``focus``.

    ``types`` keeps only entities of those types (the focus entities stay); ``relations`` keeps only
    relations and paper links of those types. With ``focus`` (a name, alias or id, or several),
    nodes farther than ``depth`` hops over the kept relations (either direction, through papers too)
    are dropped. Papers stay when a kept relation comes from them or starts at them, so tooltips can
    still name the paper behind each edge.

    Raises
    ------
    InputError
        A focus name matches no entity, or ``depth`` is negative.

    Examples
    --------
    >>> from kg.analysis.samples import example_graph, synthetic_graph
    >>> g = example_graph()
    >>> sub = select(g, focus="LoRA", depth=1, relations=[RelationType.IMPROVES_ON])
    >>> sorted(e.name for e in sub.entities)
    ['DoRA', 'LoRA', 'full fine-tuning']
    >>> {r.type.value for r in sub.relations}
    {'improves-on'}
    >>> len(select(g, types=[EntityType.MODEL]).entities)
    1
    """
    if depth < 0:
        raise InputError(f"--depth must be 0 or more, got {depth}")
    type_set = frozenset(types) if types is not None else None
    rel_set = frozenset(relations) if relations is not None else None
    focus_ids: set[str] = set()
    if focus:
        for name in [focus] if isinstance(focus, str) else focus:
            focus_ids.update(e.id for e in find_entities(graph, name))

    entity_ids = {e.id for e in graph.entities if type_set is None or e.type in type_set or e.id in focus_ids}
    paper_ids = {p.id for p in graph.papers}
    nodes = entity_ids | paper_ids
    rels = [
        r
        for r in graph.relations
        if (rel_set is None or r.type in rel_set) and r.head in nodes and r.tail in nodes
    ]
    links = [
        lk
        for lk in graph.paper_links
        if (rel_set is None or lk.type in rel_set) and lk.source in nodes and lk.target in nodes
    ]

    if focus_ids:
        adj = nx.Graph()
        adj.add_nodes_from(focus_ids)
        adj.add_edges_from((r.head, r.tail) for r in rels)
        adj.add_edges_from((lk.source, lk.target) for lk in links)
        reached: set[str] = set()
        for fid in focus_ids:
            reached.update(nx.single_source_shortest_path_length(adj, fid, cutoff=depth))
        rels = [r for r in rels if r.head in reached and r.tail in reached]
        links = [lk for lk in links if lk.source in reached and lk.target in reached]
        entity_ids &= reached
        paper_ids = (reached & paper_ids) | {r.paper_id for r in rels}
    elif type_set is not None or rel_set is not None:
        mentioned = {pid for pid, eid, _ in graph.mentions if eid in entity_ids}
        paper_ids = mentioned | {r.paper_id for r in rels} | {r.head for r in rels if r.head in paper_ids}

    return Graph(
        papers=tuple(p for p in graph.papers if p.id in paper_ids),
        entities=tuple(e for e in graph.entities if e.id in entity_ids),
        relations=tuple(rels),
        mentions=tuple(m for m in graph.mentions if m[0] in paper_ids and m[1] in entity_ids),
        paper_links=tuple(lk for lk in links if lk.source in paper_ids and lk.target in paper_ids),
        meta=dict(graph.meta),
    )


def overview(
    graph: Graph, max_nodes: int, keep: Iterable[str] = (), max_edges: int | None = None
) -> tuple[Graph, str]:
    """At most ``max_nodes`` papers and entities of ``graph`` and at most ``max_edges`` edges, and a
    note saying what was left out.

    When ``graph`` is within both limits (or ``max_nodes`` is 0) it comes back unchanged with an
    empty note. Nodes: the entities with the most papers and relations (3/5 of the nodes, or more
    if there are few papers; ``keep`` ids first), then the papers naming most of those. Edges,
    counted as a page draws them (one per distinct relation, mention pair or paper link; default
    limit 4 × ``max_nodes``): the paper links among the nodes, the relations asserted by the most
    papers, then the mentions named most often. Deterministic: ties go by id or input order.

    Examples
    --------
    >>> from kg.analysis.samples import example_graph, synthetic_graph
    >>> g = synthetic_graph(300, 800, papers=100)
    >>> part, note = overview(g, 50)
    >>> len(part.entities) + len(part.papers) <= 50, note.startswith("Showing 50 of 400 nodes")
    (True, True)
    >>> overview(g, 0)[0] is g, overview(g, 1000)[1]
    (True, '')
    >>> overview(g, 400, max_edges=100)[1].startswith("Showing all 400 nodes and the 100 edges")
    True
    """
    total = len(graph.papers) + len(graph.entities)
    if max_nodes <= 0:
        return graph, ""
    edge_limit = max_edges or 4 * max_nodes
    if total <= max_nodes:
        relations, mentions, capped = _cap_edges(
            list(graph.relations), list(graph.mentions), list(graph.paper_links), edge_limit
        )
        if not capped:
            return graph, ""
        part = dataclasses.replace(graph, relations=tuple(relations), mentions=tuple(mentions))
        return part, (
            f"Showing all {total:,} nodes and the {capped:,} edges asserted or named most often "
            f"(limit {edge_limit:,}). Left out: {_left_out(graph, part)}. {_HOW}"
        )

    keep = set(keep)
    score = importance(graph)
    # 2/5 of the nodes for papers, the rest for entities; either's unused share goes to the other.
    entity_count = min(len(graph.entities), max_nodes - min(len(graph.papers), max_nodes * 2 // 5))
    paper_budget = min(len(graph.papers), max_nodes - entity_count)
    kept_papers = [p.id for p in graph.papers if p.id in keep][:paper_budget]
    ranked = sorted(graph.entities, key=lambda e: (e.id not in keep, -score[e.id], e.id))
    entity_ids = {e.id for e in ranked[:entity_count]}

    # Papers by how many of the chosen entities they name or relate.
    order = {p.id: i for i, p in enumerate(graph.papers)}
    ties: Counter[str] = Counter()
    for pid, eid, _count in graph.mentions:
        if eid in entity_ids and pid in order:
            ties[pid] += 1
    for r in graph.relations:
        if r.tail in entity_ids and (r.head in entity_ids or r.head == r.paper_id) and r.paper_id in order:
            ties[r.paper_id] += 1
    chosen = set(kept_papers)
    for pid in sorted(ties, key=lambda p: (-ties[p], order[p])):
        if len(chosen) >= paper_budget:
            break
        chosen.add(pid)
    # A budget the papers leave unused (too few name the chosen entities) goes to more entities.
    spare = max_nodes - len(entity_ids) - len(chosen)
    entity_ids.update(e.id for e in ranked[len(entity_ids) : len(entity_ids) + spare])

    nodes = entity_ids | chosen
    relations, mentions, capped = _cap_edges(
        [r for r in graph.relations if r.head in nodes and r.tail in nodes],
        [m for m in graph.mentions if m[0] in chosen and m[1] in entity_ids],
        [lk for lk in graph.paper_links if lk.source in chosen and lk.target in chosen],
        edge_limit,
    )
    part = Graph(
        papers=tuple(p for p in graph.papers if p.id in chosen),
        entities=tuple(e for e in graph.entities if e.id in entity_ids),
        relations=tuple(relations),
        mentions=tuple(mentions),
        paper_links=tuple(lk for lk in graph.paper_links if lk.source in chosen and lk.target in chosen),
        meta=dict(graph.meta),
    )
    shown = len(part.papers) + len(part.entities)
    among = f" Among them, the {capped:,} edges asserted or named most often (limit {edge_limit:,})." if capped else ""
    note = (
        f"Showing {shown:,} of {total:,} nodes (limit {max_nodes:,}): the {len(part.entities):,} entities "
        f"with the most papers and relations and the {len(part.papers):,} papers that name most of them."
        f"{among} Left out: {_left_out(graph, part)}. {_HOW}"
    )
    return part, note


def importance(graph: Graph) -> Counter[str]:
    """How important each entity is to an overview: the papers naming it plus the relations it takes
    part in. :func:`overview` keeps the highest first and graph.html labels them first.

    Examples
    --------
    >>> from kg.analysis.samples import example_graph
    >>> importance(example_graph()).most_common(2)
    [('lora', 9), ('dora', 6)]
    """
    score: Counter[str] = Counter({e.id: len(e.papers) for e in graph.entities})
    for r in graph.relations:
        score[r.head] += 1
        score[r.tail] += 1
    for pid in {p.id for p in graph.papers}:
        score.pop(pid, None)
    return score


def ranked_entities(graph: Graph) -> list[str]:
    """Entity ids, most important first (:func:`importance`; ties by id).

    Examples
    --------
    >>> from kg.analysis.samples import example_graph
    >>> ranked_entities(example_graph())[:3]
    ['lora', 'dora', 'glue']
    """
    score = importance(graph)
    return [e.id for e in sorted(graph.entities, key=lambda e: (-score[e.id], e.id))]


_HOW = (
    "Draw another part with `kg html --focus NAME --depth 2` (or --types, --relations), "
    "or everything with `kg html --max-nodes 0` (slow beyond ~5,000 nodes)."
)


def _left_out(graph: Graph, part: Graph) -> str:
    return (
        f"{len(graph.entities) - len(part.entities):,} entities, {len(graph.papers) - len(part.papers):,} papers, "
        f"{len(graph.relations) - len(part.relations):,} relations, "
        f"{len(graph.mentions) - len(part.mentions):,} mentions and "
        f"{len(graph.paper_links) - len(part.paper_links):,} paper links"
    )


def _cap_edges(
    relations: list[Relation], mentions: list[tuple[str, str, int]], links: list[PaperLink], max_edges: int
) -> tuple[list[Relation], list[tuple[str, str, int]], int]:
    """Relations and mentions within ``max_edges`` page edges (paper links all kept); the third
    value is how many edges are kept, or 0 when nothing had to go."""
    support = Counter((r.head, r.type, r.tail) for r in relations)
    pairs = {(m[0], m[1]) for m in mentions}
    n_links = len({(lk.source, lk.type, lk.target) for lk in links})
    if len(support) + len(pairs) + n_links <= max_edges:
        return relations, mentions, 0
    budget = max(0, max_edges - n_links)
    # Stable sorts: ties keep the graph's order.
    top = set(sorted(support, key=lambda k: -support[k])[: budget * 2 // 3])
    relations = [r for r in relations if (r.head, r.type, r.tail) in top]
    count: Counter[tuple[str, str]] = Counter()
    for pid, eid, n in mentions:
        count[(pid, eid)] += n
    kept = set(sorted(count, key=lambda k: -count[k])[: budget - len(top)])
    mentions = [m for m in mentions if (m[0], m[1]) in kept]
    return relations, mentions, n_links + len(top) + len(kept)
