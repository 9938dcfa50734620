"""graph.html in a real browser: Debian's headless Chromium driven by playwright (scripts/chromium.sh
installs it; `playwright install` is never used). Every request that is not file:/data:/blob: is
recorded and aborted, and each test asserts there was none."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import Browser

from kg.analysis import example_graph, synthetic_graph
from kg.types import EntityType, Graph
from kg.write.html import HtmlWriter, page_counts

pytestmark = pytest.mark.browser


def _write(graph: Graph, tmp_path: Path) -> Path:
    return HtmlWriter().write(graph, tmp_path)[0]


def _expected(graph: Graph) -> tuple[int, int]:
    # Counted from the graph itself, not from the writer.
    nodes = len(graph.papers) + len(graph.entities)
    edges = (
        len({(r.head, r.type, r.tail) for r in graph.relations})
        + len({(lk.source, lk.type, lk.target) for lk in graph.paper_links})
        + len(graph.mentions)
    )
    return nodes, edges


def _in_page(page) -> tuple[int, int]:  # noqa: ANN001
    return tuple(
        page.evaluate(
            "[window.kg.network.body.nodeIndices.length, window.kg.network.body.edgeIndices.length]"
        )
    )


def test_blocking_records_remote_requests(browser: Browser, tmp_path: Path) -> None:
    # The net the other tests rely on: a page that does fetch something is caught.
    page_path = tmp_path / "fetching.html"
    page_path.write_text(
        '<img src="https://example.invalid/x.png"><script>window.kgReady = true;</script>', encoding="utf-8"
    )
    before = len(browser.remote)
    page = browser.open(page_path)
    page.wait_for_timeout(300)
    page.close()
    assert browser.remote[before:] == ["https://example.invalid/x.png"]
    del browser.remote[before:]


def test_counts_and_hostile_titles_render_as_text(browser: Browser, tmp_path: Path) -> None:
    g = example_graph(hostile=True)
    page = browser.open(_write(g, tmp_path))
    assert _in_page(page)[0] == len(g.entities)  # a map of entities first
    page.check("#kg-papers")
    assert _in_page(page) == _expected(g) == page_counts(g)
    assert page.evaluate("window.kg.nodes.length") == len(g.papers) + len(g.entities)
    # Hover every paper node and the hostile entity: vis-network shows the tooltip.
    hostile_ids = [p.id for p in g.papers] + ["roberta", "lora"]
    seen = []
    for nid in hostile_ids:
        xy = page.evaluate("id => window.kg.network.canvasToDOM(window.kg.network.getPosition(id))", nid)
        box = page.locator("#kg-network").bounding_box()
        page.mouse.move(box["x"] + xy["x"], box["y"] + xy["y"])
        page.wait_for_selector("div.vis-tooltip", state="visible", timeout=5000)
        seen.append(page.locator("div.vis-tooltip").text_content())
        page.mouse.move(5, 890)
        page.wait_for_timeout(50)
    text = "\n".join(seen)
    assert "<script>window.__kgPwned=1</script>" in text
    assert '<img src=x onerror="window.__kgPwned=2">' in text
    assert '<a href="javascript:alert(1)">href</a>' in text
    assert "RoBERTa </script><script>window.__kgPwned=4</script>" in text
    assert page.evaluate("window.__kgPwned") is None
    assert page.evaluate("document.querySelectorAll('img, a[href], b').length") == 0
    assert page.evaluate("document.scripts.length") == 3
    # innerText turns line breaks into <br>: the only elements a tooltip may hold.
    assert page.evaluate("[...document.querySelectorAll('div.vis-tooltip *')].map(e => e.tagName)") in (
        [],
        ["BR"] * page.evaluate("document.querySelectorAll('div.vis-tooltip br').length"),
    )
    assert page.errors == []  # type: ignore[attr-defined]
    assert browser.remote == []


def test_filters_and_search(browser: Browser, tmp_path: Path) -> None:
    g = example_graph()
    page = browser.open(_write(g, tmp_path))
    nodes, edges = _expected(g)
    methods = {e.id for e in g.entities if e.type is EntityType.METHOD}
    assert not page.is_checked("#kg-papers")
    page.check("#kg-papers")

    page.uncheck("#kg-type-Method")
    n, m = _in_page(page)
    assert n == nodes - len(methods)
    visible_edges = page.evaluate("window.kg.edgeView.get()")
    assert visible_edges and not any(e["from"] in methods or e["to"] in methods for e in visible_edges)
    page.check("#kg-type-Method")
    assert _in_page(page) == (nodes, edges)

    page.uncheck("#kg-papers")
    assert _in_page(page)[0] == len(g.entities)
    assert page.evaluate("window.kg.nodeView.get().filter(n => n.kind === 'paper').length") == 0
    page.check("#kg-papers")

    page.uncheck("#kg-rel-mentions")
    assert _in_page(page) == (nodes, edges - len(g.mentions))
    page.uncheck("#kg-rel-improves-on")
    improves = len({(r.head, r.tail) for r in g.relations if r.type.value == "improves-on"})
    improves += len({(lk.source, lk.target) for lk in g.paper_links if lk.type.value == "improves-on"})
    assert _in_page(page) == (nodes, edges - len(g.mentions) - improves)
    page.check("#kg-rel-mentions")
    page.check("#kg-rel-improves-on")
    assert "showing" not in page.text_content("#kg-counts")

    # Search focuses (and un-hides) a node.
    page.uncheck("#kg-type-Method")
    page.fill("#kg-search", "dora")
    page.press("#kg-search", "Enter")
    assert page.evaluate("window.kg.network.getSelectedNodes()") == ["dora"]
    assert page.is_checked("#kg-type-Method")
    page.fill("#kg-search", "no such thing <b>x</b>")
    page.press("#kg-search", "Enter")
    assert "no such thing <b>x</b>" in page.text_content("#kg-status")
    assert page.errors == [] and browser.remote == []  # type: ignore[attr-defined]


def test_scale_3000_nodes_interactive_within_seconds(browser: Browser, tmp_path: Path) -> None:
    g = synthetic_graph(2650, 2750, papers=350, seed=1)
    n, m = page_counts(g)
    assert n == 3000 and m >= 8000
    path = _write(g, tmp_path)
    started = time.perf_counter()
    page = browser.open(path, timeout_s=30)
    ready = time.perf_counter() - started
    assert ready < 10, f"ready after {ready:.1f}s"
    assert _in_page(page)[0] == len(g.entities)
    page.check("#kg-papers")
    assert _in_page(page) == _expected(g)
    # Still responsive: a filter round-trip redraws quickly.
    started = time.perf_counter()
    page.uncheck("#kg-rel-mentions")
    drawn = page.evaluate(
        """new Promise(resolve => {
             window.kg.network.once('afterDrawing', () => resolve(true));
             window.kg.network.redraw();
             setTimeout(() => resolve(false), 10000);
           })"""
    )
    assert drawn
    assert time.perf_counter() - started < 5
    assert browser.remote == []


def test_capped_page_says_what_it_left_out(browser: Browser, tmp_path: Path) -> None:
    g = synthetic_graph(900, 1800, papers=300, seed=5)  # 1,200 nodes
    path = HtmlWriter(max_nodes=400).write(g, tmp_path)[0]
    page = browser.open(path)
    page.check("#kg-papers")
    nodes, edges = _in_page(page)
    assert nodes == 400 and edges <= 1600
    note = page.locator("#kg-note")
    assert note.is_visible()
    text = note.text_content() or ""
    assert text.startswith("Showing 400 of 1,200 nodes") and "kg html --focus NAME --depth 2" in text
    assert page.errors == [] and browser.remote == []  # type: ignore[attr-defined]
    small = browser.open(_write(example_graph(), tmp_path))
    assert not small.locator("#kg-note").is_visible()


@pytest.fixture(scope="module")
def bundled(corpus_build: Path) -> tuple[Path, Graph]:
    from kg.write.graphjson import read_graph

    return corpus_build, read_graph(corpus_build)


def test_bundled_corpus_page(browser: Browser, bundled: tuple[Path, Graph]) -> None:
    out, g = bundled
    page = browser.open(out / "graph.html")
    page.check("#kg-papers")
    assert _in_page(page) == _expected(g)
    assert len(g.papers) == 333 and len(g.entities) > 500
    assert page.errors == [] and browser.remote == []  # type: ignore[attr-defined]
