"""What graph.html's side panel shows for a selected node, as data the page's script lays out with
``textContent``: each entity's aliases and papers, each paper's title, date and link, every relation
drawn with its evidence and confidence, and a benchmark's leaderboard once the graph has results.

Examples
--------
>>> from kg.analysis import example_graph
>>> info = panel_info(example_graph(), example_graph())
>>> info["entities"]["lora"]["aliases"], info["entities"]["lora"]["npapers"]
(['low-rank adaptation'], 3)
>>> info["papers"]["arxiv:2106.09685"]["url"]
'https://arxiv.org/abs/2106.09685'
>>> info["relations"][1][:3], info["relations"][1][5]
(['lora', 'improves-on', 'full-ft'], 0.9)
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from kg.analysis.card import leaderboards, paper_url
from kg.types import Graph

__all__ = ["MAX_PANEL_PAPERS", "MAX_PANEL_RESULTS", "panel_info"]

#: Papers listed per entity (the panel says how many more there are): keeps a 100k build's page small.
MAX_PANEL_PAPERS = 30
#: Leaderboard rows per benchmark in the panel (`kg show` and `kg leaderboard` print them all).
MAX_PANEL_RESULTS = 25

def panel_info(full: Graph, part: Graph) -> dict[str, Any]:
    """The panel's data for the nodes of ``part`` (what the page draws), taken from ``full``.

    - ``entities[id]``: ``aliases`` (other than the name), ``papers`` (ids, those on the page first, at
      most :data:`MAX_PANEL_PAPERS`) and ``npapers`` (all papers naming it in ``full``);
    - ``papers[id]``: ``title``, ``date``, ``url`` (:func:`paper_url`) for every paper listed or drawn;
    - ``relations``: ``[head, type, tail, paper, evidence, confidence]`` for each relation of ``part``;
    - ``links``: ``[source, type, target, via, evidence, confidence]`` for each paper link of ``part``;
    - ``names[paper]``: the entity ids a drawn paper names (its mentions in ``part``);
    - ``leaderboards[benchmark id]``: ranked results (:func:`kg.analysis.card.leaderboards`, at most
      :data:`MAX_PANEL_RESULTS`), only for benchmarks with results.
    """
    on_page = {p.id for p in part.papers}
    by_id = {p.id: p for p in full.papers}
    entities: dict[str, Any] = {}
    listed: set[str] = set(on_page)
    for e in part.entities:
        papers = sorted(e.papers, key=lambda pid: pid not in on_page)[:MAX_PANEL_PAPERS]
        papers = [pid for pid in papers if pid in by_id]
        listed.update(papers)
        entities[e.id] = {
            "aliases": [a for a in dict.fromkeys(e.aliases) if a != e.name],
            "papers": papers,
            "npapers": len(e.papers),
        }
    # Ranked results of the benchmarks drawn, from the whole graph; the page shows the section only
    # for these.
    boards = leaderboards(full, entities, MAX_PANEL_RESULTS)
    listed.update(row["paper"] for rows in boards.values() for row in rows)
    papers_info = {
        pid: {"title": by_id[pid].title, "date": by_id[pid].date, "url": paper_url(by_id[pid])}
        for pid in sorted(listed)
        if pid in by_id
    }
    names: dict[str, list[str]] = defaultdict(list)
    for pid, eid, _count in part.mentions:
        names[pid].append(eid)
    return {
        "entities": entities,
        "papers": papers_info,
        "relations": [[r.head, r.type.value, r.tail, r.paper_id, r.evidence, r.confidence] for r in part.relations],
        "links": [
            [lk.source, lk.type.value, lk.target, lk.via, lk.evidence, lk.confidence] for lk in part.paper_links
        ],
        "names": dict(names),
        "leaderboards": boards,
    }
