"""How fast graph.html becomes usable as graphs grow, measured in Debian's headless Chromium.

For each size it writes a synthetic graph (kg.analysis.synthetic_graph: hubs, papers, mentions)
with HtmlWriter, then opens it and reports:

- render_s:  Python time for HtmlWriter.render (mostly the layout)
- ready_s:   page load until the first frame is drawn (window.kgReady)
- redraw_ms: median time of a full redraw after a zoom step (what panning/zooming feels like)
- filter_ms: unticking "mentions" until the next frame

``--baseline`` adds pyvis's defaults (physics on, CDN-free in_line page) for comparison, waiting
for vis-network's ``stabilizationIterationsDone`` at most ``--baseline-timeout`` seconds.
``--screenshot DIR/`` also saves docs/screenshot-*.png from an existing build (``--build``): the map
at first view, the panel of ``--focus`` (opened through ``#focus=``) and the LoRA ego page.

Usage::

    python bench/html_scale.py                       # sizes 500, 1000, 3000, 6000 nodes
    python bench/html_scale.py --sizes 3000 --baseline
    python bench/html_scale.py --sizes 0 --build kg-out --screenshot docs/
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

from kg.analysis import synthetic_graph
from kg.write.html import HtmlWriter, page_counts

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from chromium import CHROMIUM, LOCAL, launch  # noqa: E402 - scripts/chromium.py, as the browser tests

__all__ = ["main"]



def _graph_for(nodes: int):  # noqa: ANN202
    # Same shape as the browser test: ~12% papers, ~2.7 edges a node once mentions are counted.
    papers = max(1, round(nodes * 0.117))
    return synthetic_graph(nodes - papers, round(nodes * 0.917), papers=papers, seed=1)


def _measure(context, path: Path, remote: list[str]) -> dict[str, float]:  # noqa: ANN001
    page = context.new_page()
    t0 = time.perf_counter()
    page.goto(path.resolve().as_uri())
    _wait_ready(page, 120)
    ready = time.perf_counter() - t0
    redraws = page.evaluate(
        """async () => {
             const net = window.kg.network, out = [];
             for (let i = 0; i < 7; i++) {
               const t = performance.now();
               const scale = net.getScale() * (i % 2 ? 1.25 : 0.8);
               await new Promise(r => { net.once('afterDrawing', r); net.moveTo({scale}); });
               out.push(performance.now() - t);
             }
             return out;
           }"""
    )
    t1 = time.perf_counter()
    page.uncheck("#kg-rel-mentions")
    page.evaluate(
        "new Promise(r => { window.kg.network.once('afterDrawing', r); window.kg.network.redraw(); })"
    )
    filt = (time.perf_counter() - t1) * 1000
    page.close()
    return {
        "ready_s": round(ready, 2),
        "redraw_ms": round(statistics.median(redraws), 1),
        "filter_ms": round(filt, 1),
        "remote_requests": len(remote),
    }


def _baseline(context, graph, tmp: Path, timeout_s: float) -> dict[str, float | str]:  # noqa: ANN001
    from pyvis.network import Network

    net = Network(height="900px", width="100%", directed=True, cdn_resources="in_line")
    for e in graph.entities:
        net.add_node(e.id, label=e.name, color=e.type.colour)
    for p in graph.papers:
        net.add_node(p.id, label=p.title[:30])
    for r in graph.relations:
        net.edges.append({"from": r.head, "to": r.tail, "arrows": "to"})
    for pid, eid, _ in graph.mentions:
        net.edges.append({"from": pid, "to": eid})
    path = tmp / "baseline.html"
    # pyvis's page loads bootstrap from a CDN; the route below aborts it (and counts it).
    path.write_text(net.generate_html(), encoding="utf-8")
    page = context.new_page()
    t0 = time.perf_counter()
    try:
        # Its load event waits for vis-network's synchronous stabilisation: do not wait for it here.
        page.goto(path.resolve().as_uri(), wait_until="commit", timeout=timeout_s * 1000)
        page.wait_for_function(
            "typeof network !== 'undefined' && network.physics && network.physics.ready === true",
            timeout=timeout_s * 1000,
        )
        page.evaluate(
            "new Promise(r => { if (!network.physics.stabilized)"
            " network.once('stabilizationIterationsDone', r); else r(); })"
        )
        out: dict[str, float | str] = {"baseline_stabilized_s": round(time.perf_counter() - t0, 1)}
    except Exception:  # noqa: BLE001 - playwright timeout: report it as a number
        out = {"baseline_stabilized_s": f">{timeout_s:.0f}"}
    page.close()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="500,1000,3000,6000", help="node counts, comma-separated (0: none)")
    ap.add_argument("--baseline", action="store_true", help="also time pyvis defaults (physics on)")
    ap.add_argument("--baseline-timeout", type=float, default=120)
    ap.add_argument("--build", type=Path, help="an existing build dir (for --screenshot)")
    ap.add_argument("--screenshot", type=Path, help="directory for screenshot-*.png of --build")
    ap.add_argument("--focus", default="CLIP", help="the node whose panel screenshot-panel.png shows")
    ap.add_argument("--chromium", default=str(CHROMIUM))
    args = ap.parse_args(argv)

    from playwright.sync_api import sync_playwright

    rows = []
    with tempfile.TemporaryDirectory() as tmp_s, sync_playwright() as p:
        tmp = Path(tmp_s)
        context = launch(p, tmp / "profile", args.chromium, viewport={"width": 1400, "height": 900})
        remote: list[str] = []

        def route(r) -> None:  # noqa: ANN001
            if r.request.url.startswith(LOCAL):
                r.continue_()
            else:
                remote.append(r.request.url)
                r.abort()

        context.route("**/*", route)
        for size in [int(s) for s in args.sizes.split(",") if int(s) > 0]:
            g = _graph_for(size)
            t0 = time.perf_counter()
            page = HtmlWriter().render(g)
            render = time.perf_counter() - t0
            path = tmp / f"graph-{size}.html"
            path.write_text(page, encoding="utf-8")
            n, m = page_counts(g)
            row = {"nodes": n, "edges": m, "render_s": round(render, 2), "mb": round(len(page) / 1e6, 1)}
            row |= _measure(context, path, remote)
            if args.baseline:
                remote_before = len(remote)
                row |= _baseline(context, g, tmp, args.baseline_timeout)
                del remote[remote_before:]
            rows.append(row)
            print(json.dumps(row), flush=True)
        if args.screenshot:
            if not args.build:
                ap.error("--screenshot needs --build DIR")
            _screenshots(context, args.build, args.screenshot, args.focus)
        context.close()
    return 0


def _open(context, path: Path, fragment: str = ""):  # noqa: ANN001, ANN202
    page = context.new_page()
    page.goto(path.resolve().as_uri() + fragment)
    _wait_ready(page, 60)
    page.wait_for_timeout(400)
    return page


def _wait_ready(page, timeout_s: float) -> None:  # noqa: ANN001
    # Polled through page.evaluate: wait_for_function's eval() is refused by the page's CSP.
    deadline = time.monotonic() + timeout_s
    while not page.evaluate("window.kgReady === true"):
        if time.monotonic() > deadline:
            raise TimeoutError(f"page not ready after {timeout_s} s")
        page.wait_for_timeout(25)


def _screenshots(context, build: Path, dest: Path, focus: str) -> None:  # noqa: ANN001
    """The bundled corpus's map at first view, the panel of ``focus`` (opened through the URL hash),
    and the ego page of LoRA, for docs/html.md."""
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    page = _open(context, build / "graph.html")
    page.screenshot(path=str(dest / "screenshot-overview.png"))
    written.append(dest / "screenshot-overview.png")
    page.close()
    page = _open(context, build / "graph.html", "#focus=" + quote(focus))
    page.wait_for_timeout(800)  # the focus animation
    page.screenshot(path=str(dest / "screenshot-panel.png"))
    written.append(dest / "screenshot-panel.png")
    page.close()
    ego = build / "graph-lora.html"  # from `kg html --out BUILD --focus LoRA`, if it was run
    if ego.exists():
        page = _open(context, ego)
        page.screenshot(path=str(dest / "screenshot-lora.png"))
        page.close()
        written.append(dest / "screenshot-lora.png")
    print("wrote " + ", ".join(map(str, written)))


if __name__ == "__main__":
    sys.exit(main())
