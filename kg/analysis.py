"""What a built graph says, in numbers (``kg stats``), and the sub-graphs ``kg html`` draws.

Everything works on a :class:`kg.types.Graph` value; networkx does the graph algorithms on the
view :func:`kg.write.graphjson.to_networkx` gives (or simpler views built here).

Examples
--------
>>> g = example_graph()
>>> s = compute_stats(g)
>>> s.entities_by_type["Method"]
4
>>> [(r.name, r.score) for r in s.improved_on]
[('full fine-tuning', 2), ('LoRA', 1)]
>>> s.chains["improves-on"]
('DoRA', 'LoRA', 'full fine-tuning')
>>> sorted(e.name for e in select(g, focus="DoRA", depth=1).entities)
['DoRA', 'GLUE', 'LoRA', 'accuracy']
"""

from __future__ import annotations

import dataclasses
import difflib
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from kg.errors import InputError
from kg.types import Entity, EntityType, Graph, Paper, PaperLink, Relation, RelationType

__all__ = [
    "Ranked",
    "Stats",
    "compute_stats",
    "select",
    "overview",
    "find_entities",
    "parse_entity_types",
    "parse_relation_types",
    "node_label",
    "example_graph",
    "synthetic_graph",
]


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

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: tuples become lists."""
        return dataclasses.asdict(self)


# --------------------------------------------------------------------------- names and lookups


def node_label(graph: Graph, node_id: str, width: int = 60) -> str:
    """Entity name, or ``paper: <title>`` (shortened to ``width``) for a paper id.

    Examples
    --------
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


# --------------------------------------------------------------------------- sub-graphs


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
    score: Counter[str] = Counter({e.id: len(e.papers) for e in graph.entities})
    for r in graph.relations:
        score[r.head] += 1
        score[r.tail] += 1
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


# --------------------------------------------------------------------------- statistics


def compute_stats(graph: Graph, top: int = 10) -> Stats:
    """Counts, rankings, chains and clusters of ``graph``; ``top`` rows per ranking.

    PageRank runs on the directed relation graph (papers included), so an entity ranks high when
    many things improve on it, build on it or use it. Chains are longest paths over one relation
    type; entities stuck in a cycle (A improves-on B and B improves-on A) count as one step,
    shown as ``A / B``.

    Examples
    --------
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
    label = {**{p.id: node_label(graph, p.id, width=40) for p in graph.papers}, **names}

    by_type = Counter(e.type.value for e in graph.entities)
    rel_by_type = Counter(r.type.value for r in graph.relations)

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
        communities=_communities(graph, label, types, top),
        linked_papers=_linked_papers(graph.paper_links, label, top),
        meta=dict(graph.meta),
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
    return tuple(" / ".join(sorted(label.get(n, n) for n in dag.nodes[c]["members"])) for c in path)


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


def _communities(graph: Graph, label: dict[str, str], types: dict[str, str], top: int) -> tuple[Ranked, ...]:
    # Papers and entities linked by relations and mentions: a community is a research thread
    # (the papers plus the models, data and methods they share).
    g = nx.Graph()
    for r in graph.relations:
        g.add_edge(r.head, r.tail)
    for p, e, _ in graph.mentions:
        g.add_edge(p, e)
    if g.number_of_edges() == 0:
        return ()
    comms = nx.community.louvain_communities(g, seed=0)
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


# --------------------------------------------------------------------------- a hand-made graph


def example_graph(hostile: bool = False) -> Graph:
    """A tiny hand-made graph (4 papers, 6 entity types) for docs, doctests, tests and demos.

    ``hostile=True`` gives the papers and an entity titles, aliases and evidence that try to
    inject HTML and JavaScript, for testing that renderers escape everything.

    Examples
    --------
    >>> g = example_graph()
    >>> len(g.papers), len(g.entities), len(g.relations), len(g.paper_links)
    (4, 10, 13, 2)
    >>> "<script>" in example_graph(hostile=True).papers[0].title
    True
    """
    M, ME, B, D, T, MT = (
        EntityType.MODEL,
        EntityType.METHOD,
        EntityType.BENCHMARK,
        EntityType.DATASET,
        EntityType.TASK,
        EntityType.METRIC,
    )
    R = RelationType
    p_lora, p_dora, p_rob, p_bench = "arxiv:2106.09685", "arxiv:2402.09353", "arxiv:1907.11692", "title:0f3c"
    titles = {
        p_lora: "LoRA: Low-Rank Adaptation of Large Language Models",
        p_dora: "DoRA: Weight-Decomposed Low-Rank Adaptation",
        p_rob: "RoBERTa: A Robustly Optimized BERT Pretraining Approach",
        p_bench: "A benchmark of adapters",
    }
    xss = ""
    if hostile:
        titles[p_lora] = "<script>window.__kgPwned=1</script> LoRA </script><b>bold</b>"
        titles[p_dora] = (
            '<img src=x onerror="window.__kgPwned=2"> DoRA <a href="javascript:alert(1)">href</a>'
        )
        titles[p_rob] = "RoBERTa & \"quotes\" 'single' \u2028 <!-- --> ]]> {{ nodes }}"
        xss = ' <img src=x onerror="window.__kgPwned=3">'
    papers = tuple(Paper(pid, t, f"Abstract of {t}.") for pid, t in titles.items())
    ents = (
        Entity("lora", ME, "LoRA", ("LoRA", "low-rank adaptation" + xss), (p_lora, p_dora, p_bench)),
        Entity("dora", ME, "DoRA", ("DoRA",), (p_dora,)),
        Entity("full-ft", ME, "full fine-tuning", ("full fine-tuning",), (p_lora,)),
        Entity(
            "roberta",
            M,
            "RoBERTa" + (" </script><script>window.__kgPwned=4</script>" if hostile else ""),
            ("RoBERTa",),
            (p_rob, p_lora),
        ),
        Entity("glue", B, "GLUE", ("GLUE",), (p_rob, p_lora, p_dora)),
        Entity("bookcorpus", D, "BookCorpus", ("BookCorpus",), (p_rob,)),
        Entity("nlu", T, "natural language understanding", ("NLU",), (p_rob,)),
        Entity("accuracy", MT, "accuracy", ("accuracy",), (p_dora,)),
        Entity("commonsense", B, "commonsense reasoning suite", (), (p_bench,)),
        Entity("adapters", ME, "adapters", ("adapters",), (p_bench,)),
    )

    def rel(h: str, t: RelationType, tl: str, pid: str, ev: str, c: float = 0.9) -> Relation:
        return Relation(h, t, tl, pid, ev + xss, c)

    rels = (
        rel(p_lora, R.PROPOSES, "lora", p_lora, "We propose Low-Rank Adaptation, or LoRA."),
        rel("lora", R.IMPROVES_ON, "full-ft", p_lora, "LoRA performs on-par or better than fine-tuning."),
        rel("lora", R.EVALUATED_ON, "glue", p_lora, "We evaluate LoRA on GLUE.", 0.8),
        rel("lora", R.USES, "roberta", p_lora, "LoRA adapts RoBERTa.", 0.6),
        rel(p_dora, R.PROPOSES, "dora", p_dora, "We propose DoRA."),
        rel("dora", R.IMPROVES_ON, "lora", p_dora, "DoRA consistently outperforms LoRA."),
        rel("dora", R.BUILDS_ON, "lora", p_dora, "DoRA builds on LoRA."),
        rel("dora", R.EVALUATED_ON, "glue", p_dora, "DoRA is evaluated on GLUE."),
        rel("dora", R.EVALUATED_WITH, "accuracy", p_dora, "DoRA improves accuracy."),
        rel("roberta", R.TRAINED_ON, "bookcorpus", p_rob, "RoBERTa is pretrained on BookCorpus."),
        rel("roberta", R.APPLIED_TO, "nlu", p_rob, "RoBERTa for NLU."),
        rel(p_bench, R.EVALUATED_ON, "commonsense", p_bench, "We test adapters on the suite.", 0.5),
        rel("adapters", R.IMPROVES_ON, "full-ft", p_bench, "adapters beat full fine-tuning.", 0.5),
    )
    mentions = tuple((pid, e.id, 1) for e in ents for pid in e.papers)
    links = (
        PaperLink(p_dora, R.IMPROVES_ON, p_lora, "lora", "DoRA consistently outperforms LoRA.", 0.9),
        PaperLink(p_dora, R.BUILDS_ON, p_lora, "lora", "DoRA builds on LoRA.", 0.9),
    )
    return Graph(papers, ents, rels, mentions, links, {"source": "kg.analysis.example_graph"})


def synthetic_graph(entities: int, relations: int, papers: int | None = None, seed: int = 0) -> Graph:
    """A random graph of a given size, shaped like a real build (hubs, papers, mentions), for
    scale tests and ``bench/html_scale.py``.

    Relation heads and tails are drawn with a preference for popular entities, so a few hubs
    emerge as in real corpora. Each relation's paper mentions both ends.

    Examples
    --------
    >>> g = synthetic_graph(300, 800, papers=60)
    >>> len(g.entities), len(g.relations), len(g.papers)
    (300, 800, 60)
    """
    import random

    rnd = random.Random(seed)
    n_papers = papers if papers is not None else max(1, entities // 8)
    etypes = list(EntityType)
    rtypes = [t for t in RelationType if t is not RelationType.PROPOSES]
    pids = [f"synthetic:{i}" for i in range(n_papers)]
    paper_vals = tuple(
        Paper(pid, f"Synthetic paper {i} on topic {i % 37}", "Abstract.") for i, pid in enumerate(pids)
    )
    weights = [1.0 / (i + 1) ** 0.8 for i in range(entities)]
    eids = [f"e{i}" for i in range(entities)]
    rels: list[Relation] = []
    mention: dict[tuple[str, str], int] = Counter()
    for i in range(relations):
        h, t = rnd.choices(eids, weights, k=2)
        if h == t:
            t = eids[(eids.index(t) + 1) % entities]
        pid = pids[i % n_papers]
        rels.append(Relation(h, rnd.choice(rtypes), t, pid, f"Sentence {i} relating {h} and {t}.", 0.5))
        mention[(pid, h)] += 1
        mention[(pid, t)] += 1
    papers_of: dict[str, list[str]] = defaultdict(list)
    for pid, eid in mention:
        papers_of[eid].append(pid)
    ents = tuple(
        Entity(eid, etypes[i % len(etypes)], f"Entity {i}", (f"E{i}",), tuple(papers_of[eid]))
        for i, eid in enumerate(eids)
    )
    return Graph(
        paper_vals,
        ents,
        tuple(rels),
        tuple((p, e, c) for (p, e), c in mention.items()),
        (),
        {"source": "kg.analysis.synthetic_graph"},
    )
