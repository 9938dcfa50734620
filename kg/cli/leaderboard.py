"""``kg leaderboard BENCHMARK``: the results a build holds for one benchmark, ranked."""

from __future__ import annotations

import csv
import json
import sys
from typing import Annotated

import typer
from rich.table import Table

from kg.cli.app import DEFAULT_OUT, OutDir, app, console
from kg.errors import InputError
from kg.leaderboard import find_benchmark, leaderboard, rows_as_dicts
from kg.write.graphjson import read_graph

__all__ = ["leaderboard_cli", "CSV_COLUMNS"]

CSV_COLUMNS = ("rank", "subject", "value", "unit", "kind", "metric", "baseline", "paper", "paper_id", "evidence",
               "confidence")


@app.command("leaderboard")
def leaderboard_cli(
    benchmark: Annotated[str, typer.Argument(help="Benchmark name, alias or id (case and punctuation folded).")],
    out: OutDir = DEFAULT_OUT,
    metric: Annotated[
        str | None, typer.Option("--metric", "-m", help="Only results in this metric (name, alias or id).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the rows as JSON.")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print the rows as CSV.")] = False,
) -> None:
    """Rank the results reported on BENCHMARK: scores per metric best first (ascending for
    lower-is-better metrics such as FID, WER or perplexity), then gains and ratios, largest first.
    Each row names the subject, value, unit, kind, baseline, paper and evidence sentence.

    Example: kg leaderboard MMLU --out kg-out --metric accuracy
    """
    if as_json and as_csv:
        raise InputError("choose one of --json and --csv")
    graph = read_graph(out)
    entity = find_benchmark(graph, benchmark)
    rows = leaderboard(graph, entity.id, metric)
    if metric is not None and not rows:
        have = sorted({r.metric for r in leaderboard(graph, entity.id) if r.metric})
        near = f" (its metrics: {', '.join(have)})" if have else " (its results name no metric)"
        raise InputError(f"no result on {entity.name} in metric {metric!r}{near}")
    if as_json:
        sys.stdout.write(json.dumps({"benchmark": entity.name, "id": entity.id, "rows": rows_as_dicts(rows)},
                                    indent=2, ensure_ascii=False) + "\n")
        return
    if as_csv:
        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(CSV_COLUMNS)
        for row in rows_as_dicts(rows):
            w.writerow(["" if row[c] is None else row[c] for c in CSV_COLUMNS])
        return
    t = Table(title=f"{entity.name}: {len(rows)} results", title_justify="left")
    for col in ("#", "subject", "value", "kind", "metric", "baseline", "paper", "evidence"):
        t.add_column(col, overflow="fold")
    for r in rows:
        value = r.value + ("" if r.unit is None else (r.unit if r.unit in ("%", "x") else f" {r.unit}"))
        t.add_row(str(r.rank), r.subject, value, r.kind, r.metric or "", r.baseline or "", r.paper, r.evidence)
    console.print(t)
