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

Modules: :mod:`kg.write.html_elements` (nodes, edges, tooltips), :mod:`kg.write.html_layout`
(positions), this one (the page).

Scale. Positions are computed in Python (per connected component, then packed) and physics is off,
so the browser only draws: vis-network's own physics needed minutes to settle at 3,000 nodes. Above
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
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2
import pyvis
from pyvis.network import Network

from kg.errors import WriterError
from kg.types import EntityType, Graph, RelationType
from kg.vocab import PAPER_COLOUR
from kg.write.html_elements import (
    MENTIONS,
    MENTIONS_COLOUR,
    PAPER_SHAPE,
    _elements,
    entity_shape,
    page_counts,
    relation_colour,
)
from kg.write.html_layout import UNIT, _layout, layout
from kg.write.html_panel import panel_info

__all__ = [
    "GRAPH_HTML",
    "MAX_NODES",
    "PAPER_SHAPE",
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
            "scaling": {"label": {"drawThreshold": 7}},
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
        full = graph
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
            "info": panel_info(full, graph),
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
