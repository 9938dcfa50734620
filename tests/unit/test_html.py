"""kg.write.html: escaping, offline-ness, counts, colours, layout. The browser half is in
tests/integration/test_browser.py."""

from __future__ import annotations

import json
import math
import re

import pytest

from kg.analysis import example_graph, synthetic_graph
from kg.errors import WriterError
from kg.types import EntityType, Graph, Paper, Relation, RelationType
from kg.vocab import PAPER_COLOUR
from kg.write import html as H

HOSTILE = [
    "<script>window.__kgPwned",
    "</script><script>",
    '<img src=x onerror="window.__kgPwned',
    '<a href="javascript:alert(1)">',
]


@pytest.fixture(scope="module")
def hostile_page() -> str:
    return H.HtmlWriter().render(example_graph(hostile=True))


def _data(page: str) -> dict:
    # The page's data block, decoded as the browser would (JSON is valid JS here).
    m = re.search(
        r"window\.kgData = \{\s*nodes: (.*?),\n\s*edges: (.*?),\n\s*options: JSON\.parse\((.*?)\)\n\};",
        page,
        re.S,
    )
    assert m, "data block not found"
    return {
        "nodes": json.loads(m.group(1)),
        "edges": json.loads(m.group(2)),
        "options": json.loads(json.loads(m.group(3))),
    }


@pytest.mark.parametrize("needle", HOSTILE)
def test_hostile_text_never_appears_raw(hostile_page: str, needle: str) -> None:
    assert needle not in hostile_page


def test_hostile_text_survives_as_data(hostile_page: str) -> None:
    data = _data(hostile_page)
    titles = " ".join(n["title"] for n in data["nodes"]) + " ".join(e["title"] for e in data["edges"])
    # The text is kept exactly (shown as text by the page), not mangled or HTML-entity-escaped.
    assert "<script>window.__kgPwned=1</script>" in titles
    assert '<img src=x onerror="window.__kgPwned=2">' in titles
    assert "&lt;" not in titles
    labels = {n["label"] for n in data["nodes"]}
    assert "RoBERTa </script><script>window.__kgPwned=4</script>" in labels


def test_script_blocks_cannot_be_closed_by_input(hostile_page: str) -> None:
    # The template closes its three scripts; the hostile input adds no closing tag of any case.
    assert len(re.findall(r"</script", hostile_page, re.IGNORECASE)) == 3


def test_no_remote_reference_and_no_pyvis_html_tooltips(hostile_page: str) -> None:
    assert H.remote_references(hostile_page) == []
    for needle in ("bootstrap", "cdnjs", "jsdelivr", "htmlTitle", "div.popup"):
        assert needle not in hostile_page
    assert "default-src 'none'" in hostile_page  # CSP: even an injected <img> could not fetch


@pytest.mark.parametrize(
    ("snippet", "hit"),
    [
        ('<link rel="stylesheet" href="https://cdn.example/b.css">', True),
        ("<script src='//cdn.example/x.js'></script>", True),
        ("<style>a{background:url( https://x/y.png)}</style>", True),
        ("<style>@import 'b.css';</style>", True),
        ('<img src="data:image/png;base64,AAAA">', False),
        ("<p>see https://example.org in the text</p>", False),
    ],
)
def test_remote_references_detects_fetches(snippet: str, hit: bool) -> None:
    assert bool(H.remote_references(snippet)) is hit


def test_counts_equal_graph() -> None:
    g = example_graph()
    data = _data(H.HtmlWriter().render(g))
    assert len(data["nodes"]) == len(g.papers) + len(g.entities)
    expected_edges = (
        len({(r.head, r.type, r.tail) for r in g.relations})
        + len({(lk.source, lk.type, lk.target) for lk in g.paper_links})
        + len(g.mentions)
    )
    assert len(data["edges"]) == expected_edges
    assert H.page_counts(g) == (len(data["nodes"]), expected_edges)
    assert data["options"]["kg"]["counts"] == {"nodes": len(data["nodes"]), "edges": expected_edges}


def test_colours_shapes_and_no_group() -> None:
    data = _data(H.HtmlWriter().render(example_graph()))
    for n in data["nodes"]:
        assert "group" not in n  # pyvis: group= overrides color=
        if n["kind"] == "paper":
            assert (n["color"], n["shape"]) == (PAPER_COLOUR, H.PAPER_SHAPE)
        else:
            t = EntityType(n["etype"])
            assert (n["color"], n["shape"]) == (t.colour, H.entity_shape(t))
    assert len({H.entity_shape(t) for t in EntityType}) == len(EntityType)
    assert len({H.relation_colour(t) for t in RelationType}) == len(RelationType)
    for e in data["edges"]:
        if e["kind"] == "relation":
            assert e["color"] == H.relation_colour(RelationType(e["rel"]))
            assert e["label"] == e["rel"]
    legend = data["options"]["kg"]["legend"]
    assert [t["value"] for t in legend["entityTypes"]] == [t.value for t in EntityType]
    assert [t["value"] for t in legend["relationTypes"]] == [t.value for t in RelationType]


def test_tooltips_carry_provenance() -> None:
    g = example_graph()
    data = _data(H.HtmlWriter().render(g))
    nodes = {n["id"]: n for n in data["nodes"]}
    lora = nodes["lora"]["title"]
    assert lora.splitlines()[0] == "LoRA"
    assert "Type: Method" in lora and "low-rank adaptation" in lora
    for pid in g.entity("lora").papers:
        title = next(p.title for p in g.papers if p.id == pid)
        assert title[:40] in lora
    edge = next(e for e in data["edges"] if e["id"] == "r|dora|improves-on|lora")
    assert "DoRA consistently outperforms LoRA." in edge["title"]
    assert "DoRA: Weight-Decomposed Low-Rank Adaptation" in edge["title"]
    assert "confidence 0.90" in edge["title"]


def test_repeated_relation_is_one_edge_listing_every_paper() -> None:
    p1, p2 = Paper("p1", "First paper", "a"), Paper("p2", "Second paper", "b")
    g = example_graph()
    g = Graph(
        g.papers + (p1, p2),
        g.entities,
        g.relations
        + (
            Relation("dora", RelationType.IMPROVES_ON, "lora", "p1", "again, DoRA beats LoRA", 0.7),
            Relation("dora", RelationType.IMPROVES_ON, "lora", "p2", "DoRA wins once more", 0.6),
        ),
        g.mentions,
        g.paper_links,
    )
    data = _data(H.HtmlWriter().render(g))
    edges = [e for e in data["edges"] if e["id"] == "r|dora|improves-on|lora"]
    assert len(edges) == 1
    assert "3 paper(s)" in edges[0]["title"] and "Second paper" in edges[0]["title"]
    # Two edges between DoRA and LoRA (improves-on, builds-on) are curved apart.
    pair = [e for e in data["edges"] if {e["from"], e["to"]} == {"dora", "lora"}]
    assert len({json.dumps(e.get("smooth")) for e in pair}) == len(pair) >= 2


def test_layout_is_deterministic_and_spread() -> None:
    g = synthetic_graph(200, 400, papers=30)
    a, b = H.layout(g, seed=3), H.layout(g, seed=3)
    assert a == b
    assert set(a) == {p.id for p in g.papers} | {e.id for e in g.entities}
    assert all(math.isfinite(x) and math.isfinite(y) for x, y in a.values())
    assert len(set(a.values())) == len(a)  # no two nodes on the same spot


def test_physics_off_and_positions_given() -> None:
    data = _data(H.HtmlWriter().render(example_graph()))
    assert data["options"]["physics"]["enabled"] is False
    assert all(isinstance(n["x"], float) and isinstance(n["y"], float) for n in data["nodes"])


def test_heading_is_escaped() -> None:
    page = H.HtmlWriter(heading="<img src=x onerror=alert(1)>").render(example_graph())
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_write_and_write_error(tmp_path) -> None:
    assert H.HtmlWriter().write(example_graph(), tmp_path) == [tmp_path / "graph.html"]
    assert (tmp_path / "graph.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(WriterError, match="file"):
        H.HtmlWriter().write(example_graph(), blocker)


def test_empty_graph_renders() -> None:
    page = H.HtmlWriter().render(Graph())
    assert _data(page)["nodes"] == [] and H.remote_references(page) == []


def test_notebook_view_escapes_into_srcdoc() -> None:
    out = H.notebook_view(example_graph(hostile=True)).data
    assert out.startswith('<iframe srcdoc="') and "<script>" not in out
    assert "&lt;script&gt;" in out


# ---------------------------------------------------------------- graphs above the node limit
def test_graph_above_the_limit_draws_its_top_part_and_says_so() -> None:
    g = synthetic_graph(1200, 2400, papers=400, seed=2)  # 1,600 nodes
    w = H.HtmlWriter(max_nodes=300)
    data = _data(w.render(g))
    nodes = {n["id"] for n in data["nodes"]}
    assert 0 < len(nodes) <= 300 and w.counts == (len(data["nodes"]), len(data["edges"]))
    assert all(e["from"] in nodes and e["to"] in nodes for e in data["edges"])
    note = data["options"]["kg"]["note"]
    assert note == w.note and note.startswith("Showing 300 of 1,600 nodes (limit 300)")
    assert "Left out: " in note and "kg html --focus NAME --depth 2" in note and "--max-nodes 0" in note
    # The hubs (most papers and relations) are the ones drawn; each kind gets part of the page.
    assert {"e0", "e1", "e2"} <= nodes
    assert any(n["kind"] == "paper" for n in data["nodes"]) and any(n["kind"] == "entity" for n in data["nodes"])


def test_default_limit_and_kept_focus() -> None:
    g = synthetic_graph(3400, 5000, papers=600, seed=3)  # 4,000 nodes
    part, note = H.HtmlWriter().plan(g, keep=["e3399"])
    assert len(part.papers) + len(part.entities) == H.MAX_NODES == 3000
    assert "e3399" in {e.id for e in part.entities}  # a --focus entity stays though it ranks last
    assert note.startswith("Showing 3,000 of 4,000 nodes")


def test_graph_within_the_limit_is_drawn_whole_without_note() -> None:
    g = example_graph()
    w = H.HtmlWriter(max_nodes=len(g.papers) + len(g.entities))
    data = _data(w.render(g))
    assert data["options"]["kg"]["note"] == "" == w.note
    assert len(data["nodes"]) == len(g.papers) + len(g.entities)
    assert H.HtmlWriter(max_nodes=0).plan(g)[0] is g


def test_edges_are_capped_too_keeping_the_most_supported() -> None:
    g = synthetic_graph(100, 3000, papers=50, seed=4)  # 150 nodes, thousands of edges
    w = H.HtmlWriter(max_nodes=200, max_edges=400)
    data = _data(w.render(g))
    assert len(data["nodes"]) == 150 and len(data["edges"]) <= 400
    assert w.note.startswith("Showing all 150 nodes and the ") and "(limit 400)" in w.note
    widths = sorted((e["width"] for e in data["edges"] if e["kind"] == "relation"), reverse=True)
    full = sorted((e["width"] for e in H._elements(g).edges if e["kind"] == "relation"), reverse=True)
    assert widths == full[: len(widths)]  # the relations drawn are those most papers assert


def test_few_entities_leave_their_share_to_papers() -> None:
    g = synthetic_graph(50, 2000, papers=900, seed=6)  # 950 nodes, mostly papers
    part, note = H.HtmlWriter(max_nodes=500).plan(g)
    assert len(part.entities) == 50 and len(part.papers) == 450
    assert note.startswith("Showing 500 of 950 nodes")
