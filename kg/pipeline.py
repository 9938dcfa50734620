"""load -> extract -> link -> build -> write, as one call per CLI job.

``run_build`` is what ``kg build`` runs; ``run_extract`` what ``kg extract`` runs. Both stream the
inputs through the loaders, send every bad record to a rejected file, drop duplicate papers while
keeping where each was seen, and return a :class:`BuildSummary`.
"""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

import loaders
from kg import __version__
from kg.build import build_graph
from kg.errors import InputError, WriterError
from kg.types import Extraction, Graph, Paper, Rejected, Sighting
from kg.vocab import ONTOLOGY_VERSION
from kg.write.graphjson import write_graph
from kg.write.jsonl import EXTRACTIONS_JSONL, write_extractions

__all__ = ["BuildSummary", "run_build", "run_extract", "unique_papers", "GraphWriter"]

REJECTED_JSONL = "rejected.jsonl"
SUMMARY_JSON = "summary.json"

#: A graph writer: ``(graph, out_dir) -> paths written``.
GraphWriter = Callable[[Graph, Path], Sequence[Path]]


@dataclass(frozen=True)
class BuildSummary:
    """What a build read, kept, rejected and produced."""

    records: int
    papers: int
    duplicates: int
    rejected: int
    entities: dict[str, int]
    relations: dict[str, int]
    paper_links: int
    seconds: float
    outputs: tuple[str, ...] = ()
    versions: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "papers": self.papers,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "entities": self.entities,
            "relations": self.relations,
            "paper_links": self.paper_links,
            "seconds": round(self.seconds, 2),
            "outputs": list(self.outputs),
            "versions": self.versions,
        }


class _Counts:
    def __init__(self) -> None:
        self.records = 0
        self.duplicates = 0
        self.rejected = 0


def unique_papers(
    records: Iterable[Paper | Rejected],
    rejected_out: IO[str],
    counts: _Counts,
    sightings: dict[str, list[Sighting]],
) -> Iterator[Paper]:
    """Yield each paper the first time its id is seen; log rejects; collect later sightings.

    Duplicates are not lost: where they were seen is added to the first copy's ``Paper.seen``
    when the graph is built.
    """
    seen: set[str] = set()
    for rec in records:
        counts.records += 1
        if isinstance(rec, Rejected):
            counts.rejected += 1
            row = {"source": rec.source, "line": rec.line, "reason": rec.reason, "record": rec.record}
            rejected_out.write(json.dumps(row, ensure_ascii=False) + "\n")
            continue
        if rec.id in seen:
            counts.duplicates += 1
            sightings[rec.id].extend(rec.seen)
            continue
        seen.add(rec.id)
        yield rec


def _resolve_inputs(inputs: Sequence[Path]) -> list[Path]:
    return list(inputs) if inputs else loaders.bundled_corpus()


def _progress(quiet: bool) -> Any:
    if quiet:
        return nullcontext(None)
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed} papers"),
        TimeElapsedColumn(),
        transient=True,
    )


def _extract(papers: Iterable[Paper], quiet: bool) -> list[Extraction]:
    from kg.extract import load_extractor
    from kg.link import Linker

    extractor = load_extractor()
    out: list[Extraction] = []
    with _progress(quiet) as progress:
        task = progress.add_task("extracting", total=None) if progress else None
        for ex in extractor.extract_many(papers):
            out.append(ex)
            if progress:
                progress.advance(task)
    return Linker().link(out)


def _versions() -> dict[str, str]:
    from kg.extract import load_extractor

    return {"kg": __version__, "ontology": ONTOLOGY_VERSION, "extractor": load_extractor().version}


def _open_for_write(path: Path) -> IO[str]:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return path.open("w", encoding="utf-8")
    except OSError as exc:
        raise WriterError(f"cannot write {path}: {exc.strerror}") from exc


def _summary(graph: Graph, counts: _Counts, started: float, outputs: list[Path]) -> BuildSummary:
    entities = Counter(e.type.value for e in graph.entities)
    relations = Counter(r.type.value for r in graph.relations)
    return BuildSummary(
        records=counts.records,
        papers=len(graph.papers),
        duplicates=counts.duplicates,
        rejected=counts.rejected,
        entities=dict(entities.most_common()),
        relations=dict(relations.most_common()),
        paper_links=len(graph.paper_links),
        seconds=time.perf_counter() - started,
        outputs=tuple(str(p) for p in outputs),
        versions=dict(graph.meta),
    )


def default_graph_writers() -> list[GraphWriter]:
    """graph.json, graph.ttl + embedded store, graph.html, in that order."""
    from kg.write.html import HtmlWriter
    from kg.write.rdf import RdfWriter

    return [lambda g, d: [write_graph(g, d)], RdfWriter().write, HtmlWriter().write]


def run_build(
    inputs: Sequence[Path],
    out_dir: Path,
    fmt: str | None = None,
    quiet: bool = False,
    writers: Sequence[GraphWriter] | None = None,
) -> tuple[BuildSummary, Graph]:
    """Build the graph of ``inputs`` (the bundled corpus when empty) into ``out_dir``.

    Raises
    ------
    InputError
        A missing path, an unreadable or binary file, an unknown format.
    WriterError
        ``out_dir`` cannot be written.
    """
    started = time.perf_counter()
    paths = _resolve_inputs(inputs)
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"--out {out_dir} exists and is not a directory")
    counts = _Counts()
    sightings: dict[str, list[Sighting]] = defaultdict(list)
    with _open_for_write(out_dir / REJECTED_JSONL) as rejected_out:
        records = loaders.load(paths, fmt)
        linked = _extract(unique_papers(records, rejected_out, counts, sightings), quiet)
    outputs = [out_dir / REJECTED_JSONL, out_dir / EXTRACTIONS_JSONL]
    write_extractions(linked, out_dir / EXTRACTIONS_JSONL)
    graph = build_graph(linked, sightings, meta=_versions())
    for write in writers if writers is not None else default_graph_writers():
        outputs.extend(write(graph, out_dir))
    summary = _summary(graph, counts, started, outputs)
    with _open_for_write(out_dir / SUMMARY_JSON) as f:
        json.dump(summary.to_dict(), f, indent=2)
    return summary, graph


def run_extract(
    inputs: Sequence[Path], output: Path, fmt: str | None = None, quiet: bool = False
) -> BuildSummary:
    """Write only the extractions of ``inputs`` to ``output`` (rejects beside it)."""
    started = time.perf_counter()
    counts = _Counts()
    sightings: dict[str, list[Sighting]] = defaultdict(list)
    rejected_path = output.with_name(output.stem + ".rejected.jsonl")
    with _open_for_write(rejected_path) as rejected_out:
        linked = _extract(unique_papers(loaders.load(_resolve_inputs(inputs), fmt), rejected_out, counts, sightings), quiet)
    write_extractions(linked, output)
    graph = build_graph(linked, sightings, meta=_versions())
    return _summary(graph, counts, started, [output, rejected_path])
