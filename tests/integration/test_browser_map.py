"""graph.html as a map, in Debian's headless Chromium: labels at first view, the selected node's panel
(compared with the Graph it was drawn from), hostile text inert in the panel, the #focus= URL hash,
and no network request (the ``browser`` fixture in conftest.py records and aborts every one)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Browser

from kg.analysis import example_graph, ranked_entities
from kg.types import Graph
from kg.write.graphjson import read_graph
from kg.write.html import HtmlWriter

pytestmark = pytest.mark.browser

_LABELS = """() => {
  const net = window.kg.network, s = net.getScale(), box = net.body.container.getBoundingClientRect();
  return window.kg.nodeView.getIds().map(id => {
    const n = net.body.nodes[id], p = net.canvasToDOM(net.getPosition(id));
    return {id, px: n.options.font.size * s, inView: p.x >= 0 && p.y >= 0 && p.x <= box.width && p.y <= box.height};
  });
}"""


def _readable(page) -> set[str]:  # noqa: ANN001
    # Drawn and readable: vis-network draws a label from drawThreshold - 1 pixels (7 here).
    return {n["id"] for n in page.evaluate(_LABELS) if n["inView"] and n["px"] >= 12}


def _drawn(page) -> set[str]:  # noqa: ANN001
    return {n["id"] for n in page.evaluate(_LABELS) if n["inView"] and n["px"] >= 6}


def test_first_view_labels_the_most_important_entities(browser: Browser, corpus_build: Path) -> None:
    g = read_graph(corpus_build)
    part, _note = HtmlWriter().plan(g)
    page = browser.open(corpus_build / "graph.html")
    labelled = set(page.evaluate("window.kg.labelled"))
    readable = _readable(page)
    ranked = ranked_entities(part)
    assert 40 <= len(labelled) <= 50 and labelled <= readable
    assert ranked[0] in labelled and labelled <= set(ranked[:400])
    assert len(labelled & set(ranked[:50])) >= 35  # mostly the top 50; one that cannot be placed waits for zoom
    papers = {p.id for p in part.papers}
    assert not papers & set(page.evaluate("window.kg.nodeView.getIds()"))  # entities only at first
    # Zooming in shows more names.
    before = len(_drawn(page))
    page.evaluate("window.kg.network.moveTo({scale: window.kg.network.getScale() * 4})")
    assert len(_drawn(page)) > before
    assert page.errors == [] and browser.remote == []  # type: ignore[attr-defined]


def _panel(page) -> dict:  # noqa: ANN001
    return page.evaluate(
        """() => {
          const q = s => [...document.querySelectorAll(s)];
          return {
            visible: !document.getElementById('kg-details').hidden,
            name: document.getElementById('kg-d-name').textContent,
            kind: (document.querySelector('.kg-d-kind') || {}).textContent || '',
            aliases: (document.querySelector('.kg-d-aliases') || {}).textContent || '',
            papers: q('#kg-d-papers li[data-paper]').map(li => li.getAttribute('data-paper')),
            paperText: q('#kg-d-papers li[data-paper]').map(li => li.textContent),
            links: q('#kg-details a[href]').map(a => a.getAttribute('href')),
            rels: q('#kg-d-relations li[data-rel]').map(li => [li.getAttribute('data-rel'), li.textContent]),
            groups: q('#kg-d-relations [data-group]').map(d => d.getAttribute('data-group')),
            names: q('#kg-d-names [data-id]').map(b => b.getAttribute('data-id')),
            leaderboard: !!document.getElementById('kg-d-leaderboard'),
          };
        }"""
    )


def test_panel_content_equals_the_graph(browser: Browser, tmp_path: Path) -> None:
    g = example_graph()
    page = browser.open(HtmlWriter().write(g, tmp_path)[0])
    assert not _panel(page)["visible"]
    titles = {p.id: p.title for p in g.papers}
    for e in g.entities:
        page.evaluate("id => window.kg.select(id)", e.id)
        panel = _panel(page)
        assert panel["visible"] and panel["name"] == e.name
        assert panel["kind"].startswith(e.type.value) and f"named by {len(e.papers)} paper" in panel["kind"]
        aliases = [a for a in dict.fromkeys(e.aliases) if a != e.name]
        assert panel["aliases"] == ("Also: " + ", ".join(aliases) if aliases else "")
        assert sorted(panel["papers"]) == sorted(e.papers)
        assert all(any(titles[pid] in t for t in panel["paperText"]) for pid in e.papers)
        arxiv = {f"https://arxiv.org/abs/{pid[6:]}" for pid in e.papers if pid.startswith("arxiv:")}
        assert set(panel["links"]) == arxiv
        mine = [r for r in g.relations if e.id in (r.head, r.tail)]
        keys = {f"{r.head}|{r.type.value}|{r.tail}|{r.paper_id}": r for r in mine}
        assert sorted(k for k, _ in panel["rels"]) == sorted(keys) and len(panel["rels"]) == len(mine)
        for key, r in keys.items():
            text = dict(panel["rels"])[key]
            assert r.evidence in text and f"confidence {r.confidence:.2f}" in text and titles[r.paper_id] in text
        expected_groups = {(f"{r.type.value} →" if r.head == e.id else f"← {r.type.value}") for r in mine}
        assert {gr.rsplit(" (", 1)[0] for gr in panel["groups"]} == expected_groups
        assert not panel["leaderboard"]  # no results in the graph: no leaderboard section
    # A paper's panel: the entities it names and the relations it asserts.
    pid = "arxiv:2402.09353"
    page.evaluate("id => window.kg.select(id)", pid)
    panel = _panel(page)
    assert panel["name"] == titles[pid] and "https://arxiv.org/abs/2402.09353" in panel["links"]
    assert sorted(panel["names"]) == sorted(eid for p, eid, _ in g.mentions if p == pid)
    assert sorted(k for k, _ in panel["rels"]) == sorted(
        f"{r.head}|{r.type.value}|{r.tail}|{r.paper_id}" for r in g.relations if r.paper_id == pid
    )
    # Names in the panel navigate; the close button deselects.
    page.click("#kg-d-names [data-id='dora']")
    assert page.evaluate("window.kg.selected()") == "dora" and _panel(page)["name"] == "DoRA"
    page.click("#kg-d-draw-papers")
    assert page.is_checked("#kg-papers")
    page.click("#kg-d-close")
    assert not _panel(page)["visible"] and page.evaluate("window.kg.selected()") is None
    assert page.errors == [] and browser.remote == []  # type: ignore[attr-defined]


def test_hostile_text_in_the_panel_stays_text(browser: Browser, tmp_path: Path) -> None:
    g = example_graph(hostile=True)
    page = browser.open(HtmlWriter().write(g, tmp_path)[0])
    text = []
    for nid in [p.id for p in g.papers] + ["lora", "roberta", "glue"]:
        assert page.evaluate("id => window.kg.select(id)", nid)
        text.append(page.text_content("#kg-details") or "")
        inside = "document.querySelectorAll('#kg-details img, #kg-details b, #kg-details script').length"
        assert page.evaluate(inside) == 0
        links = page.evaluate("[...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))")
        assert all(h.startswith("https://arxiv.org/abs/") for h in links)
    joined = "\n".join(text)
    assert "<script>window.__kgPwned=1</script>" in joined
    assert '<img src=x onerror="window.__kgPwned=2">' in joined and '<img src=x onerror="window.__kgPwned=3">' in joined
    assert "RoBERTa </script><script>window.__kgPwned=4</script>" in joined
    assert page.evaluate("window.__kgPwned") is None
    # A hostile name in the hash is looked up as text, too.
    page.evaluate("location.hash = '#focus=' + encodeURIComponent('<img src=x onerror=window.__kgPwned=5>')")
    page.wait_for_timeout(200)
    assert "<img src=x onerror=window.__kgPwned=5>" in (page.text_content("#kg-status") or "")
    assert page.evaluate("window.__kgPwned") is None
    assert page.errors == [] and browser.remote == []  # type: ignore[attr-defined]


def test_url_hash_focuses_a_node(browser: Browser, tmp_path: Path) -> None:
    path = HtmlWriter().write(example_graph(), tmp_path)[0]
    page = browser.open(path, fragment="#focus=LoRA")
    assert page.evaluate("window.kg.selected()") == "lora"
    assert page.evaluate("window.kg.network.getSelectedNodes()") == ["lora"]
    assert _panel(page)["name"] == "LoRA"
    # Aliases and ids work; selecting a node puts it in the address to share.
    page = browser.open(path, fragment="#focus=low-rank%20adaptation")
    assert page.evaluate("window.kg.selected()") == "lora"
    page.evaluate("window.kg.select('dora')")
    assert page.evaluate("location.hash") == "#focus=DoRA"
    page.evaluate("location.hash = '#focus=glue'")
    page.wait_for_timeout(200)
    assert page.evaluate("window.kg.selected()") == "glue" and _panel(page)["name"] == "GLUE"
    page = browser.open(path, fragment="#focus=no%20such%20thing")
    assert page.evaluate("window.kg.selected()") is None
    assert "no such thing" in (page.text_content("#kg-status") or "")
    assert page.errors == [] and browser.remote == []  # type: ignore[attr-defined]


def test_a_paper_in_the_hash_opens_its_panel_without_drawing_papers(browser: Browser, tmp_path: Path) -> None:
    g: Graph = example_graph()
    page = browser.open(HtmlWriter().write(g, tmp_path)[0], fragment="#focus=arxiv%3A2106.09685")
    assert page.evaluate("window.kg.selected()") == "arxiv:2106.09685"
    assert _panel(page)["name"] == g.papers[0].title and not page.is_checked("#kg-papers")
    assert browser.remote == []


def test_a_benchmark_panel_shows_its_leaderboard(browser: Browser, tmp_path: Path) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures"))
    from sparql_graph import fixture_graph

    from kg.analysis.card import leaderboards

    g = fixture_graph()
    page = browser.open(HtmlWriter().write(g, tmp_path)[0], fragment="#focus=MMLU")
    assert page.evaluate("window.kg.selected()") == "mmlu"
    rows = page.evaluate(
        "[...document.querySelectorAll('#kg-d-leaderboard tr')].map(tr => [...tr.children].map(c => c.textContent))"
    )
    expected = leaderboards(g, ["mmlu"])["mmlu"]
    titles = {p.id: p.title for p in g.papers}
    assert rows[0] == ["#", "subject", "value", "metric", "kind", "baseline", "paper"]
    assert rows[1:] == [
        [str(r["#"]), r["subject"], r["value"], r["metric"] or "", r["kind"], r["baseline"] or "", titles[r["paper"]]]
        for r in expected
    ]
    page.evaluate("window.kg.select('llama-2')")
    assert not page.evaluate("!!document.getElementById('kg-d-leaderboard')")
    assert page.errors == [] and browser.remote == []  # type: ignore[attr-defined]
