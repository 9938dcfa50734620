"""``kg html``, ``kg stats`` and ``kg show``: look at an existing build (its graph.json)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from kg.analysis import (
    Card,
    Ranked,
    Stats,
    compute_stats,
    entity_card,
    find_entities,
    paper_card,
    parse_entity_types,
    parse_relation_types,
    select,
)
from kg.cli.app import DEFAULT_OUT, OutDir, Quiet, app, console, say
from kg.errors import WriterError
from kg.write.graphjson import read_graph
from kg.write.html import GRAPH_HTML, MAX_NODES, HtmlWriter

__all__ = ["html_cli", "stats_cli", "show_cli", "card_lines", "print_stats", "default_html_name"]


def default_html_name(focus: str | None, types: str | None, relations: str | None) -> str:
    """``graph.html`` for the whole graph, ``graph-<focus>.html`` (or ``graph-view.html``) for a part,
    so a view never overwrites the full page ``kg build`` wrote.

    Examples
    --------
    >>> default_html_name(None, None, None)
    'graph.html'
    >>> default_html_name("LoRA (v2)", None, None)
    'graph-lora-v2.html'
    >>> default_html_name(None, "Model", None)
    'graph-view.html'
    """
    if not (focus or types or relations):
        return GRAPH_HTML
    slug = re.sub(r"[^a-z0-9]+", "-", (focus or "").casefold()).strip("-")[:60]
    return f"graph-{slug or 'view'}.html"


@app.command("html")
def html_cli(
    out: OutDir = DEFAULT_OUT,
    focus: Annotated[
        str | None,
        typer.Option("--focus", help="Draw only this entity's neighbourhood (a name, alias or id)."),
    ] = None,
    depth: Annotated[int, typer.Option("--depth", min=0, help="Hops around --focus.")] = 2,
    types: Annotated[
        str | None,
        typer.Option("--types", help="Comma-separated entity types to keep, e.g. Model,Benchmark."),
    ] = None,
    relations: Annotated[
        str | None,
        typer.Option("--relations", help="Comma-separated relation types to keep, e.g. improves-on."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", help="Page to write (default: OUT/graph.html, or OUT/graph-<focus>.html for a part)."
        ),
    ] = None,
    max_nodes: Annotated[
        int,
        typer.Option(
            "--max-nodes",
            min=0,
            help="Draw at most this many papers and entities: the most connected ones (the --focus "
            "entities always). 0: no limit (layout and browser get slow beyond ~5,000 nodes).",
        ),
    ] = MAX_NODES,
    quiet: Quiet = False,
) -> None:
    """Write an interactive, offline HTML view of a build, whole or in part.

    Example: kg html --out kg-out --focus LoRA --depth 2 --types Model,Method --relations improves-on
    """
    graph = read_graph(out)
    part = select(
        graph,
        focus=focus,
        depth=depth,
        types=parse_entity_types(types),
        relations=parse_relation_types(relations),
    )
    path = output or out / default_html_name(focus, types, relations)
    heading = f"kg: around {focus} (depth {depth})" if focus else "kg: ML research knowledge graph"
    writer = HtmlWriter(heading=heading, max_nodes=max_nodes)
    keep = [e.id for e in find_entities(graph, focus)] if focus else []
    page = writer.render(part, keep)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise WriterError(f"cannot write {path}: {exc}") from exc
    if not quiet:
        nodes, edges = writer.counts
        say(f"wrote {path}: {nodes} nodes, {edges} edges")
        if writer.note:
            say(writer.note)


def _ranked_table(title: str, rows: tuple[Ranked, ...], score: str, detail: str, kind: bool = True) -> Table:
    t = Table(title=title, title_justify="left")
    t.add_column("#", justify="right")
    t.add_column("name")
    if kind:
        t.add_column("type")
    t.add_column(score, justify="right")
    t.add_column(detail)
    for i, r in enumerate(rows, 1):
        shown = ", ".join(r.detail[:6]) + (f" … (+{len(r.detail) - 6})" if len(r.detail) > 6 else "")
        cells = [str(i), r.name] + ([r.type] if kind else []) + [f"{r.score:g}", shown]
        t.add_row(*cells)
    return t


def print_stats(s: Stats) -> None:
    """The rich tables of ``kg stats``."""
    counts = Table(title="Graph", show_header=False, title_justify="left")
    counts.add_row("papers", str(s.papers))
    counts.add_row(
        "entities", f"{s.entities}  (" + ", ".join(f"{k} {v}" for k, v in s.entities_by_type.items()) + ")"
    )
    counts.add_row(
        "relations", f"{s.relations}  (" + ", ".join(f"{k} {v}" for k, v in s.relations_by_type.items()) + ")"
    )
    counts.add_row("paper links", str(s.paper_links))
    c = s.components
    counts.add_row(
        "components",
        f"{c['count']} (largest {c['largest']} nodes; sizes {c['sizes']}); "
        f"{c['isolated_entities']} entities without any edge",
    )
    counts.add_row(
        "entity relations",
        f"{c['entity_relation_components']} components over entity-entity relations "
        f"(largest {c['entity_relation_largest']}); "
        f"{c['entities_without_entity_relations']} entities in none",
    )
    for name, chain in s.chains.items():
        counts.add_row(f"longest {name} chain", f"{len(chain)}: " + " → ".join(chain) if chain else "none")
    console.print(counts)
    console.print(
        _ranked_table(
            "Top models/methods by PageRank", s.pagerank, "PageRank", "incoming relations", kind=True
        )
    )
    console.print(
        _ranked_table("Most improved-on models/methods", s.improved_on, "improves-on in", "improved on by")
    )
    console.print(_ranked_table("Most-evaluated benchmarks", s.benchmarks, "evaluated", "evaluated there"))
    console.print(
        _ranked_table(
            "Communities (" + ("label propagation, approximate" if "communities" in s.approximate else "Louvain") + ")",
            s.communities,
            "nodes",
            "central entities",
            kind=False,
        )
    )
    console.print(
        _ranked_table(
            "Papers with most derived paper links", s.linked_papers, "links", "out / in", kind=False
        )
    )
    for figure, how in s.approximate.items():
        say(f"approximate: {figure}: {how}")


@app.command("stats")
def stats_cli(
    out: OutDir = DEFAULT_OUT,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    top: Annotated[int, typer.Option("--top", min=1, help="Rows per ranking.")] = 10,
) -> None:
    """Graph statistics: counts, PageRank, most improved-on, benchmarks, chains, communities.

    Example: kg stats --out kg-out, kg stats --json > stats.json
    """
    stats = compute_stats(read_graph(out, text=False), top=top)  # no abstracts or evidence: less to hold
    if as_json:
        typer.echo(json.dumps(stats.to_dict(), indent=2, ensure_ascii=False))
    else:
        print_stats(stats)


@app.command("show")
def show_cli(
    name: Annotated[str, typer.Argument(help="An entity's name, alias or id, or a paper id.")],
    out: OutDir = DEFAULT_OUT,
    as_json: Annotated[bool, typer.Option("--json", help="Print the card(s) as JSON.")] = False,
    limit: Annotated[
        int, typer.Option("--limit", min=0, help="Papers, and rows per relation group, to print (0: all).")
    ] = 10,
) -> None:
    """One node as text: type, aliases, papers (date, link), relations grouped by type with their
    evidence sentence, paper and confidence, and a benchmark's leaderboard once the build has results.
    The same as graph.html's side panel. A name matches through aliases, case-insensitive; a miss
    fails (exit 2) naming close names.

    Example: kg show LoRA, kg show "low-rank adaptation" --limit 0, kg show arxiv:2106.09685 --json
    """
    graph = read_graph(out)
    if name.strip() in {p.id for p in graph.papers}:
        cards = [paper_card(graph, name.strip())]
    else:
        cards = [entity_card(graph, e.id) for e in find_entities(graph, name)]
    if as_json:
        typer.echo(json.dumps([c.to_dict() for c in cards], indent=2, ensure_ascii=False))
        return
    for i, card in enumerate(cards):
        if i:
            say("")
        for line in card_lines(card, limit):
            say(line)


def card_lines(card: Card, limit: int = 10) -> list[str]:
    """The text of ``kg show`` for one card (``limit`` papers and rows per group; 0: all)."""

    def cut(items: tuple[Any, ...]) -> tuple[tuple[Any, ...], int]:
        return (items, 0) if not limit or len(items) <= limit else (items[:limit], len(items) - limit)

    lines = [f"{card.name}  ({card.type}, {card.id})"]
    if card.aliases:
        lines.append("  also: " + ", ".join(card.aliases))
    papers, more = cut(card.papers)
    lines.append(f"papers ({len(card.papers)})")
    for p in papers:
        lines.append("  " + "  ".join(x for x in (p.date or "", p.title, p.url or p.id) if x))
    if more:
        lines.append(f"  … and {more} more (--limit 0 shows all)")
    if card.names:
        lines.append(f"names ({len(card.names)}): " + ", ".join(n for _, n in card.names))
    lines.append(f"relations ({sum(len(g.rows) for g in card.groups)})")
    for g in card.groups:
        rows, more = cut(g.rows)
        lines.append(f"  {g.label} ({len(g.rows)})")
        for r in rows:
            lines.append(f"    {r.other_name}  [confidence {r.confidence:.2f}]")
            lines.append(f"      “{' '.join(r.evidence.split())}”")
            if card.kind == "entity":
                lines.append(f"      — {r.paper.title} ({r.paper.id})")
        if more:
            lines.append(f"    … and {more} more")
    if card.leaderboard:
        lines.append(f"leaderboard ({len(card.leaderboard)})")
        for row in card.leaderboard:
            what = ", ".join(x for x in (row["metric"], row["kind"]) if x)
            vs = f" vs {row['baseline']}" if row["baseline"] else ""
            lines.append(f"  {row['#']:>3}. {row['subject']}  {row['value']}  ({what}{vs})  [{row['paper']}]")
    return lines
