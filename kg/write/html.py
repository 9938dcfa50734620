"""graph.html: a self-contained, offline pyvis (vis-network) page of a Graph.

pyvis builds the node and edge lists and renders them through our own Jinja template
(``html_assets/page.html.j2``) with ``cdn_resources="in_line"``: vis-network's JS and CSS come
from the pyvis package and are inlined, and the template links nothing remote (pyvis's own
template pulls bootstrap from a CDN). :func:`remote_references` checks the result.

Escaping. Input text reaches the page only as JSON inside ``<script>`` (Jinja's ``tojson``
turns ``<``, ``>``, ``&`` and ``'`` into ``\\u003c``-style escapes, so ``</script>`` in a title
cannot close the script) and is shown only through ``textContent``, ``innerText`` (vis-network
string tooltips) or canvas text. pyvis's raw-HTML tooltip template, which it switches to when a
title contains "href", is never used.

Scale. Positions are computed here (per connected component, then packed) and physics is off, so
the browser only draws: vis-network's own physics needed minutes to settle at 3,000 nodes. Above
``max_nodes`` (default :data:`MAX_NODES`) the page draws the most connected part of the graph
(:func:`kg.analysis.overview`) and says in its panel what was left out and how to draw the rest.

Examples
--------
>>> from kg.analysis import example_graph
>>> page = HtmlWriter().render(example_graph(hostile=True))
>>> "<script>window.__kgPwned" in page, remote_references(page)
(False, [])
"""

from __future__ import annotations

import html as html_lib
import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import networkx as nx
import numpy as np
import pyvis
from pyvis.network import Network

from kg.errors import WriterError
from kg.types import EntityType, Graph, RelationType
from kg.vocab import PAPER_COLOUR

__all__ = [
    "GRAPH_HTML",
    "MAX_NODES",
    "HtmlWriter",
    "entity_shape",
    "relation_colour",
    "layout",
    "page_counts",
    "remote_references",
    "notebook_view",
]

GRAPH_HTML = "graph.html"
#: Most papers + entities one page draws by default: the layout takes ~10 s and the browser stays
#: smooth at this size; a 100,000-paper build has ~130,000 nodes (docs/html.md, docs/scale.md).
MAX_NODES = 3000
ASSETS = Path(__file__).with_name("html_assets")
PYVIS_TEMPLATES = Path(pyvis.__file__).with_name("templates")

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
#: Page pixels per layout unit (linked nodes sit about two units apart).
UNIT = 110.0
#: Below this many nodes the page is drawn tighter, so the fitted view still shows labels.
SMALL = 250
GRAVITY = 0.0


def entity_shape(t: EntityType) -> str:
    """vis-network shape of an entity type.

    Examples
    --------
    >>> entity_shape(EntityType.MODEL)
    'dot'
    """
    return _SHAPES[list(EntityType).index(t) % len(_SHAPES)]


def relation_colour(t: RelationType) -> str:
    """Edge colour of a relation type.

    Examples
    --------
    >>> relation_colour(RelationType.PROPOSES)
    '#7f7f7f'
    """
    return _REL_PALETTE[list(RelationType).index(t) % len(_REL_PALETTE)]


# --------------------------------------------------------------------------- page elements


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
                "size": round(9 + 4 * math.log2(1 + len(e.papers)), 1),
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


# --------------------------------------------------------------------------- layout


def layout(graph: Graph, seed: int = 0) -> dict[str, tuple[float, float]]:
    """Page coordinates for every paper and entity.

    Each connected component (relations, paper links and mentions as edges) gets a force layout,
    then the components are packed in rows, largest first, singletons last grouped by type.

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
        index = {n: i for i, n in enumerate(nodes)}
        edges = np.array([(index[u], index[v]) for u, v in g.subgraph(nodes).edges()], dtype=np.int64)
        boxes.append((nodes, _force_layout(len(nodes), edges, seed)))
    return _pack(boxes)


def _force_layout(n: int, edges: np.ndarray, seed: int, iterations: int = 120) -> np.ndarray:
    """Fruchterman-Reingold with the grid variant's cut-off (repulsion only within 2 units),
    found with a k-d tree: O(n log n) a step instead of networkx's dense O(n²) (25 s at 3,000 nodes)."""
    from scipy.spatial import cKDTree

    rng = np.random.default_rng(seed)
    side = math.sqrt(n) * 1.2
    if n > 3:
        # A spectral start gives the global shape that local repulsion alone cannot.
        try:
            a = nx.to_scipy_sparse_array(nx.from_edgelist(edges.tolist()), nodelist=range(n), format="csr")
            pos = np.array(list(nx.spectral_layout(nx.from_scipy_sparse_array(a)).values()))
            pos = (pos - pos.mean(0)) / (np.abs(pos).max() or 1) * side / 2
        except Exception:  # eigen-solver trouble on odd shapes: a random start still converges
            pos = rng.uniform(-side / 2, side / 2, (n, 2))
        pos += rng.normal(0, 0.05, (n, 2))
    else:
        pos = rng.uniform(-1, 1, (n, 2))
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
        pos += disp / length * np.minimum(length, temp)
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


# --------------------------------------------------------------------------- the page


_REMOTE = re.compile(
    r"""(?:\b(?:src|href|action|poster|data)\s*=\s*["']?\s*(?:https?:)?//)|(?:@import)|(?:url\(\s*["']?\s*(?:https?:)?//)""",
    re.IGNORECASE,
)


def remote_references(page: str) -> list[str]:
    """Every place in ``page`` that would make the browser fetch something remote.

    Examples
    --------
    >>> remote_references('<link href="https://cdn.example/x.css"><p>https://text.only</p>')
    ['href="https://cdn.example/x.css"']
    """
    hits = []
    for m in _REMOTE.finditer(page):
        end = page.find(">", m.end())
        hits.append(page[m.start() : end if end != -1 and end - m.start() < 200 else m.end() + 40].strip())
    return hits


def _options(n_nodes: int, n_edges: int) -> dict[str, Any]:
    big = n_edges > 2000
    return {
        "physics": {
            "enabled": False,
            "stabilization": False,
            "barnesHut": {"gravitationalConstant": -3000, "springLength": UNIT},
        },
        "layout": {"improvedLayout": False},
        "interaction": {
            "hover": False,
            "tooltipDelay": 120,
            "hideEdgesOnDrag": big,
            "hideEdgesOnZoom": big,
            "multiselect": True,
        },
        "nodes": {
            "font": {
                "size": 14,
                "face": "Helvetica, Arial, sans-serif",
                "strokeWidth": 3,
                "strokeColor": "#ffffff",
            },
            "borderWidth": 1,
            "scaling": {"label": {"drawThreshold": 5}},
        },
        "edges": {
            "smooth": False,
            "selectionWidth": 2,
            "font": {"size": 10, "align": "middle", "color": "#555555", "strokeWidth": 2},
            "arrows": {"to": {"scaleFactor": 0.5}},
            "scaling": {"label": {"drawThreshold": 9}},
        },
    }


def _legend() -> dict[str, Any]:
    return {
        "entityTypes": [{"value": t.value, "colour": t.colour, "shape": entity_shape(t)} for t in EntityType],
        "paper": {"colour": PAPER_COLOUR, "shape": PAPER_SHAPE},
        "relationTypes": [{"value": t.value, "colour": relation_colour(t)} for t in RelationType],
        "mentions": {"value": MENTIONS, "colour": MENTIONS_COLOUR},
    }


class HtmlWriter:
    """Graph -> ``graph.html``: legend, filters, search, tooltips; no network request.

    Parameters
    ----------
    heading : str
        Shown above the legend (escaped).
    seed : int
        Layout seed; the same graph and seed give the same page.
    max_nodes : int
        Draw at most this many papers and entities (0: no limit); see :meth:`plan`.
    max_edges : int, optional
        Draw at most this many edges (default 4 × ``max_nodes``).

    Attributes
    ----------
    note : str
        After :meth:`render` or :meth:`write`: what the page left out, or "" if it drew everything.
    counts : tuple[int, int]
        After :meth:`render`: the nodes and edges the page holds (:func:`page_counts` of the part).
    """

    def __init__(
        self,
        heading: str = "kg: ML research knowledge graph",
        seed: int = 0,
        max_nodes: int = MAX_NODES,
        max_edges: int | None = None,
    ) -> None:
        self.heading = heading
        self.seed = seed
        self.max_nodes = max_nodes
        self.max_edges = max_edges
        self.note = ""
        self.counts = (0, 0)

    def plan(self, graph: Graph, keep: Sequence[str] = ()) -> tuple[Graph, str]:
        """The part of ``graph`` the page draws and the note saying what it leaves out
        (:func:`kg.analysis.overview` with ``max_nodes``; ``keep`` ids are drawn first)."""
        from kg.analysis import overview

        return overview(graph, self.max_nodes, keep, self.max_edges)

    def render(self, graph: Graph, keep: Sequence[str] = ()) -> str:
        """The page as a string (of :meth:`plan`'s part of ``graph``).

        Raises
        ------
        WriterError
            The rendered page would fetch something remote (a template bug, never input).

        Examples
        --------
        >>> from kg.analysis import example_graph
        >>> page = HtmlWriter(heading="<b>demo</b>").render(example_graph())
        >>> "&lt;b&gt;demo&lt;/b&gt;" in page and "<b>demo</b>" not in page
        True
        """
        graph, self.note = self.plan(graph, keep)
        el = _elements(graph)
        self.counts = (len(el.nodes), len(el.edges))
        pos = _layout(el, self.seed)
        net = Network(
            height="100vh", width="100%", directed=True, cdn_resources="in_line", heading=self.heading
        )
        for n in el.nodes:
            nid = n.pop("id")
            x, y = pos[nid]
            net.add_node(nid, x=x, y=y, **n)
        known = set(net.get_nodes())
        for e in el.edges:
            if e["from"] not in known or e["to"] not in known:
                raise WriterError(f"edge {e['id']!r} points at a node missing from the graph")
        # pyvis's add_edge checks node existence with a list scan per edge (O(n·m)); the edges
        # are already checked above, so they go into its list as they are.
        net.edges.extend(el.edges)
        options = _options(len(el.nodes), len(el.edges))
        options["kg"] = {
            "legend": _legend(),
            "counts": {"nodes": len(el.nodes), "edges": len(el.edges)},
            "note": self.note,
        }
        net.options = options
        net.templateEnv = jinja2.Environment(
            loader=jinja2.FileSystemLoader([str(ASSETS), str(PYVIS_TEMPLATES)]),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
        )
        net.path = "page.html.j2"
        page: str = net.generate_html(name=GRAPH_HTML)
        remote = remote_references(page)
        if remote:
            raise WriterError(f"graph.html would fetch remote resources: {remote[:3]}")
        return page

    def write(self, graph: Graph, out_dir: Path) -> list[Path]:
        """Write ``out_dir/graph.html`` and return its path in a list (the pipeline's writer shape)."""
        path = Path(out_dir) / GRAPH_HTML
        page = self.render(graph)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(page, encoding="utf-8")
        except OSError as exc:
            raise WriterError(f"cannot write {path}: {exc}") from exc
        return [path]


def notebook_view(graph: Graph | Path | str, height: int = 650) -> Any:
    """An inline view for Jupyter: the page in an ``<iframe srcdoc>``, offline like the file.

    ``graph`` is a Graph or the path of a written graph.html.

    Examples
    --------
    >>> from kg.analysis import example_graph
    >>> notebook_view(example_graph()).data.startswith("<iframe srcdoc=")
    True
    """
    import warnings

    from IPython.display import HTML

    page = HtmlWriter().render(graph) if isinstance(graph, Graph) else Path(graph).read_text(encoding="utf-8")
    with warnings.catch_warnings():
        # IPython suggests IFrame(src=...), which needs a served file; srcdoc keeps it self-contained.
        warnings.simplefilter("ignore", UserWarning)
        return HTML(  # type: ignore[no-untyped-call]
            f'<iframe srcdoc="{html_lib.escape(page, quote=True)}" '
            f'style="width:100%;height:{int(height)}px;border:1px solid #ddd"></iframe>'
        )
