"""Where graph.html draws each node: positions computed in Python (the browser only draws; physics
is off), per connected component (a big one as clusters placed apart), then packed."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np

from kg.types import Graph
from kg.write.html_elements import _Elements, _elements

__all__ = ["UNIT", "SMALL", "layout"]

#: Page pixels per layout unit (linked nodes sit about two units apart).
UNIT = 110.0
#: Below this many nodes the page is drawn tighter, so the fitted view still shows labels.
SMALL = 250
GRAVITY = 0.0
#: Components at least this big are drawn as clusters placed apart (:func:`_clustered`).
CLUSTERED = 80
#: Layout units between two clusters' circles.
CLUSTER_GAP = 2.0
#: Decimals (of a layout unit) positions keep after every step: numpy's vector loops and BLAS may
#: round the last bit differently from one process to the next (memory alignment), and a force
#: layout amplifies such noise into a different page; a coarse grid absorbs it.
STEADY = 4


def layout(graph: Graph, seed: int = 0) -> dict[str, tuple[float, float]]:
    """Page coordinates for every paper and entity.

    Each connected component (relations, paper links and mentions as edges) gets a force layout;
    one of :data:`CLUSTERED` nodes or more is split into Louvain communities laid out on their own and
    placed apart. Then the components are packed in rows, largest first, singletons last grouped by type.

    Examples
    --------
    >>> from kg.analysis import example_graph
    >>> pos = layout(example_graph())
    >>> len(pos), all(isinstance(x, float) for x, _ in pos.values())
    (14, True)
    """
    return _layout(_elements(graph), seed)


def _layout(el: _Elements, seed: int) -> dict[str, tuple[float, float]]:
    g = nx.Graph()
    g.add_nodes_from(n["id"] for n in el.nodes)
    g.add_edges_from((e["from"], e["to"]) for e in el.edges if e["from"] != e["to"])
    kind = {n["id"]: n["etype"] for n in el.nodes}
    comps = sorted(nx.connected_components(g), key=lambda c: (-len(c), kind[min(c)], min(c)))
    boxes: list[tuple[list[str], np.ndarray]] = []
    for comp in comps:
        nodes = sorted(comp)
        if len(nodes) == 1:
            boxes.append((nodes, np.zeros((1, 2))))
            continue
        if len(nodes) < CLUSTERED:
            boxes.append((nodes, _component(g, nodes, seed)))
        else:
            boxes.append(_clustered(g, nodes, seed))
    return _pack(boxes)


def _component(g: nx.Graph, nodes: list[str], seed: int, spectral: bool = True) -> np.ndarray:
    index = {n: i for i, n in enumerate(nodes)}
    edges = np.array([(index[u], index[v]) for u, v in g.subgraph(nodes).edges()], dtype=np.int64)
    if len(nodes) == 1:
        return np.zeros((1, 2))
    return _force_layout(len(nodes), edges.reshape(-1, 2), seed, spectral=spectral)


def _clustered(g: nx.Graph, nodes: list[str], seed: int) -> tuple[list[str], np.ndarray]:
    """A big component as a map of its clusters: Louvain communities, each laid out on its own, then
    placed apart (related clusters near each other, none overlapping), so a hub does not pull every
    thread of research into one hairball."""
    sub = g.subgraph(nodes)
    comms = sorted(nx.community.louvain_communities(sub, seed=seed), key=lambda c: (-len(c), min(c)))
    if len(comms) < 2:
        return nodes, _component(g, nodes, seed)
    order: list[str] = []
    local: list[np.ndarray] = []
    radius = []
    for c in comms:
        members = sorted(c)
        # A cluster is small and dense: a random start converges; the dense spectral start would
        # cost seconds per cluster on a busy machine.
        pos = _component(g, members, seed, spectral=False)
        order += members
        local.append(pos)
        radius.append(float(np.hypot(pos[:, 0], pos[:, 1]).max()) + 1.0)
    centres = _place_clusters([set(c) for c in comms], sub, np.array(radius), seed)
    pos = np.concatenate([p + centres[i] for i, p in enumerate(local)])
    return order, pos


def _place_clusters(comms: list[set[str]], g: nx.Graph, radius: np.ndarray, seed: int) -> np.ndarray:
    # Where related clusters go: a spring layout of the cluster graph (weights: edges between them);
    # then overlaps are pushed apart while a mild pull keeps the map compact.
    of = {n: i for i, c in enumerate(comms) for n in c}
    q = nx.Graph()
    q.add_nodes_from(range(len(comms)))
    for u, v in g.edges():
        a, b = of[u], of[v]
        if a != b:
            q.add_edge(a, b, weight=q.get_edge_data(a, b, {"weight": 0})["weight"] + 1)
    start = nx.spring_layout(q, weight="weight", seed=seed, iterations=100)
    c = np.round(np.array([start[i] for i in range(len(comms))], dtype=float) * float(radius.sum()) / 2, STEADY)
    need = radius[:, None] + radius[None, :] + CLUSTER_GAP
    for _ in range(300):
        c -= 0.02 * (c - c.mean(0))
        d = c[:, None, :] - c[None, :, :]
        dist = np.maximum(np.hypot(d[..., 0], d[..., 1]), 1e-6)
        overlap = np.maximum(need - dist, 0.0)
        np.fill_diagonal(overlap, 0.0)
        if overlap.max() < 1e-3:
            break
        c = np.round(c + (d / dist[..., None] * overlap[..., None] / 2).sum(1), STEADY)
    centred: np.ndarray = c - c.mean(0)
    return centred


def _force_layout(n: int, edges: np.ndarray, seed: int, iterations: int = 120, spectral: bool = True) -> np.ndarray:
    """Fruchterman-Reingold with the grid variant's cut-off (repulsion only within 2 units),
    found with a k-d tree: O(n log n) a step instead of networkx's dense O(n²) (25 s at 3,000 nodes)."""
    from scipy.spatial import cKDTree

    rng = np.random.default_rng(seed)
    side = math.sqrt(n) * 1.2
    if n > 3 and spectral:
        # A spectral start gives the global shape that local repulsion alone cannot.
        try:
            a = nx.to_scipy_sparse_array(nx.from_edgelist(edges.tolist()), nodelist=range(n), format="csr")
            pos = np.array(list(nx.spectral_layout(nx.from_scipy_sparse_array(a)).values()))
            pos = (pos - pos.mean(0)) / (np.abs(pos).max() or 1) * side / 2
        except Exception:  # eigen-solver trouble on odd shapes: a random start still converges
            pos = rng.uniform(-side / 2, side / 2, (n, 2))
        pos += rng.normal(0, 0.05, (n, 2))
    elif n > 3:
        pos = rng.uniform(-side / 2, side / 2, (n, 2))
    else:
        pos = rng.uniform(-1, 1, (n, 2))
    pos = np.round(pos, STEADY)
    k, cutoff = 2.0, 4.0
    temp = side / 8
    u, v = edges[:, 0], edges[:, 1]
    for _ in range(iterations):
        disp = np.zeros_like(pos)
        pairs = cKDTree(pos).query_pairs(cutoff, output_type="ndarray")
        if len(pairs):
            i, j = pairs[:, 0], pairs[:, 1]
            d = pos[i] - pos[j]
            dist = np.maximum(np.hypot(d[:, 0], d[:, 1]), 0.01)[:, None]
            f = d / dist * (k * k / dist)
            disp += _scatter(i, f, n) - _scatter(j, f, n)
        d = pos[u] - pos[v]
        dist = np.maximum(np.hypot(d[:, 0], d[:, 1]), 0.01)[:, None]
        f = d / dist * (dist * dist / k)
        disp += _scatter(v, f, n) - _scatter(u, f, n)
        # Mild gravity keeps loosely attached parts from drifting off (repulsion is local).
        disp -= pos * GRAVITY
        length = np.maximum(np.hypot(disp[:, 0], disp[:, 1]), 1e-9)[:, None]
        pos = np.round(pos + disp / length * np.minimum(length, temp), STEADY)
        temp = max(temp * 0.96, 0.02)
    centred: np.ndarray = pos - pos.mean(0)
    return centred


def _scatter(index: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    # Sum of the rows of ``values`` per index; bincount is ~10x faster than np.add.at.
    out: np.ndarray = np.stack(
        [
            np.bincount(index, weights=values[:, 0], minlength=n),
            np.bincount(index, weights=values[:, 1], minlength=n),
        ],
        axis=1,
    )
    return out


def _pack(boxes: list[tuple[list[str], np.ndarray]]) -> dict[str, tuple[float, float]]:
    margin = 1.5
    sized = []
    for nodes, pos in boxes:
        lo, hi = pos.min(0), pos.max(0)
        sized.append((nodes, pos - lo, hi - lo + margin))
    area = sum(float(wh[0] * wh[1]) for _, _, wh in sized)
    row_width = max(math.sqrt(area) * 1.4, max((float(wh[0]) for _, _, wh in sized), default=0.0))
    out: dict[str, tuple[float, float]] = {}
    unit = UNIT / 2 if sum(len(nodes) for nodes, _ in boxes) < SMALL else UNIT
    x = y = row_h = 0.0
    for nodes, pos, (w, h) in sized:
        if x > 0 and x + w > row_width:
            x, y, row_h = 0.0, y + row_h, 0.0
        for name, (px, py) in zip(nodes, pos, strict=True):
            out[name] = (round(float((x + px) * unit), 1), round(float((y + py) * unit), 1))
        x += float(w)
        row_h = max(row_h, float(h))
    return out
