"""What a built graph says, in numbers (``kg stats``): counts, PageRank, what is improved on,
benchmarks, chains, components, communities, linked papers."""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from kg.analysis.names import _names, _shorten
from kg.errors import InputError
from kg.types import EntityType, Graph, PaperLink, Relation, RelationType

__all__ = ["EXACT_COMMUNITY_EDGES", "Ranked", "Stats", "compute_stats"]

#: Above this many paper/entity edges, communities come from label propagation instead of Louvain
#: (Louvain in networkx did not finish in 15 minutes on the 100,000-paper graph, ~1.4 million edges);
#: the output says so (``Stats.approximate``).
EXACT_COMMUNITY_EDGES = 200_000


@dataclass(frozen=True, slots=True)
class Ranked:
    """One row of a ranking: a node, its score and the names that explain it."""

    id: str
    name: str
    type: str
    score: float
    detail: tuple[str, ...] = ()


@dataclass(frozen=True)
class Stats:
    """Everything ``kg stats`` reports. ``to_dict()`` is the ``--json`` shape."""

    papers: int
    entities: int
    relations: int
    paper_links: int
    entities_by_type: dict[str, int]
    relations_by_type: dict[str, int]
    pagerank: tuple[Ranked, ...]
    improved_on: tuple[Ranked, ...]
    benchmarks: tuple[Ranked, ...]
    chains: dict[str, tuple[str, ...]]
    components: dict[str, Any]
    communities: tuple[Ranked, ...]
    linked_papers: tuple[Ranked, ...]
    meta: dict[str, str] = field(default_factory=dict)
    #: figure -> how it was approximated (empty: every figure is exact)
    approximate: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: tuples become lists."""
        return dataclasses.asdict(self)


def compute_stats(graph: Graph, top: int = 10) -> Stats:
    """Counts, rankings, chains and clusters of ``graph``; ``top`` rows per ranking.

    PageRank runs on the directed relation graph (papers included), so an entity ranks high when
    many things improve on it, build on it or use it. Chains are longest paths over one relation
    type; entities stuck in a cycle (A improves-on B and B improves-on A) count as one step,
    shown as ``A / B``.

    Examples
    --------
    >>> from kg.analysis.samples import example_graph
    >>> s = compute_stats(example_graph(), top=3)
    >>> s.pagerank[0].name
    'LoRA'
    >>> s.benchmarks[0].name, s.benchmarks[0].detail
    ('GLUE', ('DoRA', 'LoRA'))
    >>> s.components["count"], s.components["largest"]
    (1, 14)
    """
    if top < 1:
        raise InputError(f"--top must be 1 or more, got {top}")
    names = _names(graph)
    types = {e.id: e.type.value for e in graph.entities}
    # node_label's own lookups rebuilt the name and title dicts per call: quadratic (hours at 100k).
    label = {**{p.id: "paper: " + _shorten(p.title, 40) for p in graph.papers}, **names}

    by_type = Counter(e.type.value for e in graph.entities)
    rel_by_type = Counter(r.type.value for r in graph.relations)
    approximate: dict[str, str] = {}

    return Stats(
        papers=len(graph.papers),
        entities=len(graph.entities),
        relations=len(graph.relations),
        paper_links=len(graph.paper_links),
        entities_by_type={t.value: by_type.get(t.value, 0) for t in EntityType},
        relations_by_type={t.value: rel_by_type.get(t.value, 0) for t in RelationType},
        pagerank=_pagerank(graph, label, types, top),
        improved_on=_improved_on(graph, label, types, top),
        benchmarks=_benchmarks(graph, label, types, top),
        chains={
            t.value: _longest_chain(graph.relations, t, label)
            for t in (RelationType.IMPROVES_ON, RelationType.BUILDS_ON)
        },
        components=_components(graph, label),
        communities=_communities(graph, label, types, top, approximate),
        linked_papers=_linked_papers(graph.paper_links, label, top),
        meta=dict(graph.meta),
        approximate=approximate,
    )


_RANKED_TYPES = (EntityType.MODEL.value, EntityType.METHOD.value)


def _pagerank(graph: Graph, label: dict[str, str], types: dict[str, str], top: int) -> tuple[Ranked, ...]:
    g = nx.DiGraph()
    g.add_nodes_from(label)
    for r in graph.relations:
        w = g.get_edge_data(r.head, r.tail, {}).get("weight", 0)
        g.add_edge(r.head, r.tail, weight=w + 1)
    if g.number_of_edges() == 0:
        return ()
    rank = nx.pagerank(g, weight="weight")
    best = sorted((n for n in rank if types.get(n) in _RANKED_TYPES), key=lambda n: (-rank[n], label[n]))[
        :top
    ]
    incoming: dict[str, Counter[str]] = defaultdict(Counter)
    for r in graph.relations:
        incoming[r.tail][r.type.value] += 1
    return tuple(
        Ranked(
            n, label[n], types[n], round(rank[n], 5), tuple(f"{t} {c}" for t, c in incoming[n].most_common())
        )
        for n in best
    )


def _improved_on(graph: Graph, label: dict[str, str], types: dict[str, str], top: int) -> tuple[Ranked, ...]:
    heads: dict[str, set[str]] = defaultdict(set)
    count: Counter[str] = Counter()
    for r in graph.relations:
        if r.type is RelationType.IMPROVES_ON and types.get(r.tail) in _RANKED_TYPES:
            count[r.tail] += 1
            heads[r.tail].add(label.get(r.head, r.head))
    best = sorted(count, key=lambda n: (-count[n], label[n]))[:top]
    return tuple(Ranked(n, label[n], types[n], count[n], tuple(sorted(heads[n]))) for n in best)


def _benchmarks(graph: Graph, label: dict[str, str], types: dict[str, str], top: int) -> tuple[Ranked, ...]:
    heads: dict[str, set[str]] = defaultdict(set)
    for r in graph.relations:
        if r.type is RelationType.EVALUATED_ON and r.tail in types:
            heads[r.tail].add(label.get(r.head, r.head))
    # Benchmarks first: they are what people evaluate on by definition.
    best = sorted(
        heads,
        key=lambda n: (types[n] != EntityType.BENCHMARK.value, -len(heads[n]), label[n]),
    )[:top]
    return tuple(Ranked(n, label[n], types[n], len(heads[n]), tuple(sorted(heads[n]))) for n in best)


def _longest_chain(
    relations: Iterable[Relation], rtype: RelationType, label: dict[str, str]
) -> tuple[str, ...]:
    g = nx.DiGraph()
    g.add_edges_from((r.head, r.tail) for r in relations if r.type is rtype and r.head != r.tail)
    if g.number_of_edges() == 0:
        return ()
    # Cycles happen (two papers claiming opposite wins, or extraction errors): collapse each
    # strongly connected set to one step so the longest path is well defined.
    dag = nx.condensation(g)
    path = nx.dag_longest_path(dag)
    return tuple(_step(sorted(label.get(n, n) for n in dag.nodes[c]["members"])) for c in path)


def _step(names: list[str], shown: int = 5) -> str:
    """One step of a chain: a name, or the names of a cycle collapsed into it (the first few)."""
    if len(names) <= shown:
        return " / ".join(names)
    return " / ".join(names[:shown]) + f" / … ({len(names):,} entities in one cycle)"


def _components(graph: Graph, label: dict[str, str]) -> dict[str, Any]:
    full = nx.Graph()
    full.add_nodes_from(label)
    full.add_edges_from((r.head, r.tail) for r in graph.relations)
    full.add_edges_from((p, e) for p, e, _ in graph.mentions)
    full.add_edges_from((lk.source, lk.target) for lk in graph.paper_links)
    sizes = sorted((len(c) for c in nx.connected_components(full)), reverse=True)

    entities = {e.id for e in graph.entities}
    rel = nx.Graph()
    rel.add_edges_from((r.head, r.tail) for r in graph.relations if r.head in entities)
    rel_sizes = sorted((len(c) for c in nx.connected_components(rel)), reverse=True)
    related = set(rel.nodes)
    isolated = sum(1 for e in entities if full.degree(e) == 0)
    return {
        "count": len(sizes),
        "largest": sizes[0] if sizes else 0,
        "sizes": sizes[:10],
        "isolated_entities": isolated,
        "entity_relation_components": len(rel_sizes),
        "entity_relation_largest": rel_sizes[0] if rel_sizes else 0,
        "entities_without_entity_relations": len(entities - related),
    }


def _communities(
    graph: Graph, label: dict[str, str], types: dict[str, str], top: int, approximate: dict[str, str]
) -> tuple[Ranked, ...]:
    # Papers and entities linked by relations and mentions: a community is a research thread
    # (the papers plus the models, data and methods they share).
    g = nx.Graph()
    for r in graph.relations:
        g.add_edge(r.head, r.tail)
    for p, e, _ in graph.mentions:
        g.add_edge(p, e)
    if g.number_of_edges() == 0:
        return ()
    if g.number_of_edges() <= EXACT_COMMUNITY_EDGES:
        comms = nx.community.louvain_communities(g, seed=0)
    else:
        # Linear in the edges; finds coarser, fewer-optimised communities than Louvain.
        comms = list(nx.community.fast_label_propagation_communities(g, seed=0))
        approximate["communities"] = (
            f"label propagation (networkx fast_label_propagation_communities, seed 0), not Louvain: "
            f"{g.number_of_edges():,} edges > {EXACT_COMMUNITY_EDGES:,}"
        )
    comms = sorted(comms, key=lambda c: (-len(c), min(c)))[:top]
    out = []
    for i, c in enumerate(comms):
        ents = sorted((n for n in c if n in types), key=lambda n: (-g.degree(n), label[n]))
        n_papers = sum(1 for n in c if n not in types)
        out.append(
            Ranked(
                f"community-{i + 1}",
                f"{len(ents)} entities, {n_papers} papers",
                "community",
                len(c),
                tuple(label[n] for n in ents[:8]),
            )
        )
    return tuple(out)


def _linked_papers(links: Sequence[PaperLink], label: dict[str, str], top: int) -> tuple[Ranked, ...]:
    out_n: Counter[str] = Counter()
    in_n: Counter[str] = Counter()
    for lk in {(lk.source, lk.type, lk.target) for lk in links}:
        out_n[lk[0]] += 1
        in_n[lk[2]] += 1
    total = out_n + in_n
    best = sorted(total, key=lambda n: (-total[n], label.get(n, n)))[:top]
    return tuple(
        Ranked(n, label.get(n, n), "Paper", total[n], (f"{out_n[n]} out", f"{in_n[n]} in")) for n in best
    )
