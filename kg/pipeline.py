"""load -> extract (cached, parallel) -> link -> build -> write, as one call per CLI job.

``run_build`` is what ``kg build`` runs; ``run_extract`` what ``kg extract`` runs.

How a build streams (docs/scale.md has the numbers):

1. Records stream from the loaders. Bad ones go straight to ``rejected.jsonl``; each unique paper
   goes to the run table of ``cache.sqlite`` (duplicates only add a sighting there). A paper whose
   (id, content hash, extractor version) is cached is not extracted again; the others are sent in
   batches to the executor (this process, N processes, or dask) and every finished batch is
   committed, so a killed build resumes where it stopped.
2. Linking needs the whole build (an acronym takes the id of the one long form *any* paper
   defines), so it makes two passes over the cache: the first keeps only the distinct multi-word
   entities that define short forms (per-entity state), the second links papers in batches.
3. The linked extractions stream into ``extractions.jsonl`` and into :func:`kg.build.build_graph`,
   which keeps what each paper adds to the graph (not its mentions). The Graph is the one
   whole-corpus value in memory; the writers stream it out (graph.json node by node, graph.ttl
   subject by subject and then bulk-loaded into the store in parts) and graph.html draws at most
   ``kg.write.html.MAX_NODES`` nodes of it.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import IO, Any

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

import loaders
from kg import __version__
from kg.build import build_graph
from kg.cache import CACHE_FILE, ExtractionCache
from kg.errors import ExtractionError, InputError, WriterError
from kg.parallel import Executor, ExtractorFactory, default_factory, make_executor
from kg.types import Extraction, Graph, Paper, PaperEntity, Rejected
from kg.vocab import ONTOLOGY_VERSION
from kg.write.graphjson import write_graph
from kg.write.jsonl import EXTRACTIONS_JSONL, extraction_to_dict

__all__ = [
    "BATCH_SIZE",
    "BuildSummary",
    "GraphWriter",
    "REJECTED_JSONL",
    "SUMMARY_JSON",
    "OPTIONAL_WRITERS",
    "default_graph_writers",
    "run_build",
    "run_extract",
    "StreamLinker",
]

REJECTED_JSONL = "rejected.jsonl"
SUMMARY_JSON = "summary.json"
#: Papers sent to an executor per task (and committed to the cache per batch).
BATCH_SIZE = 128
#: Longest title or abstract extracted. spaCy's parser needs about 1 GB per 100,000 characters
#: and refuses texts over 1,000,000; arXiv caps abstracts at 1,920. Longer records are rejected.
MAX_FIELD_CHARS = 100_000

#: A graph writer: ``(graph, out_dir) -> paths written``.
GraphWriter = Callable[[Graph, Path], Sequence[Path]]


@dataclass(frozen=True)
class BuildSummary:
    """What a build read, kept, rejected and produced.

    ``extracted`` / ``cached`` say how many papers this run extracted or took from the cache;
    they and ``seconds`` are the only fields that differ between two runs on the same input.
    """

    records: int
    papers: int
    duplicates: int
    rejected: int
    entities: dict[str, int]
    relations: dict[str, int]
    paper_links: int
    seconds: float
    relations_dropped: int = 0
    outputs: tuple[str, ...] = ()
    versions: dict[str, str] = field(default_factory=dict)
    extracted: int = 0
    cached: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    ambiguous_proposals: int = 0
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "papers": self.papers,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "entities": self.entities,
            "relations": self.relations,
            "relations_dropped": self.relations_dropped,
            "paper_links": self.paper_links,
            "ambiguous_proposals": self.ambiguous_proposals,
            "notes": list(self.notes),
            "outputs": list(self.outputs),
            "versions": self.versions,
            "run": {
                "extracted": self.extracted,
                "cached": self.cached,
                "seconds": round(self.seconds, 2),
                "timings": {k: round(v, 2) for k, v in self.timings.items()},
            },
        }


class _Counts:
    def __init__(self) -> None:
        self.records = 0
        self.duplicates = 0
        self.rejected = 0
        self.extracted = 0
        self.cached = 0


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
        console=Console(stderr=True),
        transient=True,
    )


def _stage(quiet: bool, text: str) -> Any:
    """A spinner with the stage's name on stderr (long after-extraction stages are otherwise silent)."""
    return nullcontext() if quiet else Console(stderr=True).status(text)


class _AtomicText:
    """A text file written beside its target and renamed over it on success."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        except OSError as exc:
            raise WriterError(f"cannot write {path}: {exc.strerror}") from exc
        self.tmp = Path(tmp)
        self.file: IO[str] = os.fdopen(fd, "w", encoding="utf-8", newline="\n")

    def commit(self) -> Path:
        self.file.close()
        os.replace(self.tmp, self.path)
        return self.path

    def abort(self) -> None:
        self.file.close()
        self.tmp.unlink(missing_ok=True)

    def __enter__(self) -> _AtomicText:
        return self

    def __exit__(self, exc_type: Any, *rest: Any) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.abort()


def _too_long(paper: Paper) -> Rejected | None:
    for name in ("title", "abstract"):
        n = len(paper.field(name))  # type: ignore[arg-type]
        if n > MAX_FIELD_CHARS:
            where = paper.seen[0] if paper.seen else None
            return Rejected(
                where.source if where else paper.source,
                where.line if where else 0,
                f"{name} is {n:,} characters long (limit {MAX_FIELD_CHARS:,})",
                f"{paper.title[:200]}",
            )
    return None


def _failed_row(paper: Paper, reason: str) -> Rejected:
    where = paper.seen[0] if paper.seen else None
    return Rejected(
        where.source if where else paper.source, where.line if where else 0, reason, paper.title[:200]
    )


def _remove_leftovers(out_dir: Path) -> None:
    """Delete the temporary files of a killed earlier run (``_AtomicText`` names them ``.NAME.*.tmp``)."""
    for name in (REJECTED_JSONL, EXTRACTIONS_JSONL, SUMMARY_JSON):
        for tmp in out_dir.glob(f".{name}.*.tmp"):
            tmp.unlink(missing_ok=True)


def _rejected_row(rec: Rejected) -> str:
    row = {"source": rec.source, "line": rec.line, "reason": rec.reason, "record": rec.record}
    return json.dumps(row, ensure_ascii=False) + "\n"


def _extract_into_cache(
    records: Iterable[Paper | Rejected],
    cache: ExtractionCache,
    executor: Executor,
    counts: _Counts,
    rejected_out: IO[str],
    batch_size: int,
    quiet: bool,
) -> None:
    """Stream records into the run table; extract what the cache does not hold, batch by batch."""
    with _progress(quiet) as progress:
        task = progress.add_task("extracting", total=None) if progress else None

        def batches() -> Iterator[list[Paper]]:
            batch: list[Paper] = []
            for rec in records:
                counts.records += 1
                if isinstance(rec, Paper):
                    rec = _too_long(rec) or rec
                if isinstance(rec, Rejected):
                    counts.rejected += 1
                    rejected_out.write(_rejected_row(rec))
                    continue
                if not cache.add_paper(rec):
                    counts.duplicates += 1
                    continue
                if cache.is_cached(rec, executor.version):
                    counts.cached += 1
                    if progress:
                        progress.advance(task)
                    continue
                batch.append(rec)
                if len(batch) >= batch_size:
                    yield batch
                    batch = []
            if batch:
                yield batch

        for result in executor.map_batches(batches()):
            done = result.extractions
            stale = {ex.extractor for ex in done} - {executor.version}
            if stale:
                raise ExtractionError(
                    f"a worker ran extractor {sorted(stale)}, expected {executor.version!r}"
                )
            for paper, reason in result.failed:
                cache.drop_paper(paper.id)
                counts.rejected += 1
                rejected_out.write(_rejected_row(_failed_row(paper, reason)))
            cache.store(done)
            counts.extracted += len(done)
            if progress:
                progress.advance(task, len(done) + len(result.failed))
        cache.commit()


class StreamLinker:
    """:class:`kg.link.Linker` over a stream, in batches, with the result of linking everything at once.

    The Linker gives a one-word name the id of the one long form any paper of the build defines
    for it, so it needs every such definition. Pass 1 keeps the distinct multi-word entities with a
    one-word alias (names and aliases only); every batch is then linked behind an "anchor"
    extraction holding them, so each batch sees the build's definitions.

    Examples
    --------
    >>> from kg.link import Linker
    >>> from kg.types import EntityType
    >>> name = "Procedural Token Mixer"
    >>> long = PaperEntity(name, EntityType.METHOD, (name, "ProcTM"), ())
    >>> short = PaperEntity("ProcTM", EntityType.METHOD, ("ProcTM",), ())
    >>> exs = [Extraction(Paper("p1", "t", "a"), (long,), ()),
    ...        Extraction(Paper("p2", "t", "a"), (short,), ())]
    >>> linker = StreamLinker(Linker(), exs)
    >>> [ex.entities[0].id for ex in linker.link(exs[1:])]
    ['procedural-token-mixer']
    """

    def __init__(self, linker: Any, pass1: Iterable[Extraction]) -> None:
        self.linker = linker
        defs: dict[tuple[str, tuple[str, ...]], PaperEntity] = {}
        for ex in pass1:
            for ent in ex.entities:
                # A superset of what the Linker's rule 2 reads; it applies its own test.
                if " " in ent.name and any(" " not in a for a in ent.aliases):
                    key = (ent.name, ent.aliases)
                    if key not in defs:
                        defs[key] = PaperEntity(ent.name, ent.type, ent.aliases, ())
        self.definitions = len(defs)
        self._anchor = Extraction(Paper("\x00anchor", "", ""), tuple(defs.values()), ())

    def link(self, batch: Sequence[Extraction]) -> list[Extraction]:
        if not batch:
            return []
        linked: list[Extraction] = self.linker.link([self._anchor, *batch])
        return linked[1:]


def _chunks(items: Iterable[Extraction], n: int) -> Iterator[list[Extraction]]:
    it = iter(items)
    while chunk := list(islice(it, n)):
        yield chunk


def _linked(cache: ExtractionCache, jsonl: IO[str] | None) -> Iterator[Extraction]:
    """This run's extractions, linked, in input order; each also written to ``jsonl``."""
    from kg.link import Linker

    linker = StreamLinker(Linker(), cache.run_extractions(names_only=True))
    # The anchor is re-linked with every batch: keep batches at least as large as it.
    size = max(2000, linker.definitions)
    for batch in _chunks(cache.run_extractions(), size):
        for ex in linker.link(batch):
            if jsonl is not None:
                jsonl.write(json.dumps(extraction_to_dict(ex), ensure_ascii=False) + "\n")
            yield ex


def _summary(
    graph: Graph,
    counts: _Counts,
    started: float,
    outputs: list[Path],
    timings: dict[str, float],
    notes: Sequence[str] = (),
) -> BuildSummary:
    entities = Counter(e.type.value for e in graph.entities)
    relations = Counter(r.type.value for r in graph.relations)
    return BuildSummary(
        records=counts.records,
        papers=len(graph.papers),
        duplicates=counts.duplicates,
        rejected=counts.rejected,
        entities=dict(sorted(entities.items(), key=lambda kv: (-kv[1], kv[0]))),
        relations=dict(sorted(relations.items(), key=lambda kv: (-kv[1], kv[0]))),
        paper_links=len(graph.paper_links),
        seconds=time.perf_counter() - started,
        relations_dropped=graph.relations_dropped,
        outputs=tuple(str(p) for p in outputs),
        versions=dict(graph.meta),
        extracted=counts.extracted,
        cached=counts.cached,
        timings=timings,
        ambiguous_proposals=graph.ambiguous_proposals,
        notes=tuple(notes),
    )


#: Graph writers ``kg build --skip`` can leave out (graph.json is always written: later commands read it).
OPTIONAL_WRITERS = ("rdf", "html")


def default_graph_writers(skip: Sequence[str] = ()) -> list[GraphWriter]:
    """graph.json, graph.ttl + embedded store, graph.html, in that order, minus ``skip``.

    Raises
    ------
    InputError
        ``skip`` names something else than :data:`OPTIONAL_WRITERS`.

    Examples
    --------
    >>> len(default_graph_writers()), len(default_graph_writers(skip=["html"]))
    (3, 2)
    """
    unknown = sorted(set(skip) - set(OPTIONAL_WRITERS))
    if unknown:
        raise InputError(f"--skip {unknown[0]!r}: can skip only {', '.join(OPTIONAL_WRITERS)}")
    writers: list[GraphWriter] = [lambda g, d: [write_graph(g, d)]]
    if "rdf" not in skip:
        from kg.write.rdf import RdfWriter

        writers.append(RdfWriter().write)
    if "html" not in skip:
        from kg.write.html import HtmlWriter

        writers.append(HtmlWriter().write)
    return writers


def _writer_name(write: GraphWriter) -> str:
    owner = getattr(write, "__self__", None)
    if owner is not None:
        return type(owner).__name__
    name = getattr(write, "__name__", "writer")
    return "GraphJson" if name == "<lambda>" else name


def _extract_phase(
    records: Iterable[Paper | Rejected],
    cache: ExtractionCache,
    executor: Executor,
    counts: _Counts,
    rejected_path: Path,
    batch_size: int,
    quiet: bool,
) -> None:
    cache.start_run()
    with _AtomicText(rejected_path) as rejected_out:
        _extract_into_cache(records, cache, executor, counts, rejected_out.file, batch_size, quiet)


def run_build(
    inputs: Sequence[Path],
    out_dir: Path,
    fmt: str | None = None,
    quiet: bool = False,
    writers: Sequence[GraphWriter] | None = None,
    *,
    workers: int = 1,
    executor: str = "serial",
    scheduler: str | None = None,
    factory: ExtractorFactory | None = None,
    batch_size: int = BATCH_SIZE,
) -> tuple[BuildSummary, Graph]:
    """Build the graph of ``inputs`` (the bundled corpus when empty) into ``out_dir``.

    Parameters
    ----------
    inputs, fmt
        Input files or directories, and a format to force (see ``loaders.load``).
    out_dir
        Build directory; ``out_dir/cache.sqlite`` is the extraction cache.
    writers
        Graph writers (default :func:`default_graph_writers`).
    workers, executor, scheduler
        Where extraction runs (:func:`kg.parallel.make_executor`).
    factory
        Module-level callable that builds the extractor in each worker.
    batch_size
        Papers per extraction task and per cache commit.

    Raises
    ------
    InputError
        A missing path, an unreadable or binary file, an unknown format, a bad option.
    WriterError
        ``out_dir`` cannot be written.

    Examples
    --------
    >>> import tempfile, json
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "p.jsonl").write_text('{"title": "T", "abstract": "A."}\\n{"title": ""}\\n')
    >>> s, g = run_build([d / "p.jsonl"], d / "out", quiet=True, writers=[],
    ...                  factory=__import__("kg.parallel").parallel.echo_extractor)
    >>> s.papers, s.rejected, s.extracted
    (1, 1, 1)
    >>> run_build([d / "p.jsonl"], d / "out", quiet=True, writers=[],
    ...           factory=__import__("kg.parallel").parallel.echo_extractor)[0].cached
    1
    """
    started = time.perf_counter()
    timings: dict[str, float] = {}
    if batch_size < 1:
        raise InputError(f"--batch-size must be at least 1, got {batch_size}")
    paths = _resolve_inputs(inputs)
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"--out {out_dir} exists and is not a directory")
    counts = _Counts()
    # Fails fast on a bad path before workers start (loaders check every path up front).
    records = loaders.load(paths, fmt)
    runner = make_executor(executor, workers, factory or default_factory, scheduler)
    try:
        with ExtractionCache(out_dir / CACHE_FILE) as cache:
            _remove_leftovers(out_dir)
            t = time.perf_counter()
            _extract_phase(records, cache, runner, counts, out_dir / REJECTED_JSONL, batch_size, quiet)
            timings["load+extract"] = time.perf_counter() - t
            versions = {"kg": __version__, "ontology": ONTOLOGY_VERSION, "extractor": runner.version}
            runner.close()
            t = time.perf_counter()
            with (
                _stage(quiet, "linking and building the graph"),
                _AtomicText(out_dir / EXTRACTIONS_JSONL) as jsonl,
            ):
                graph = build_graph(_linked(cache, jsonl.file), cache.sightings, meta=versions)
            timings["link+build"] = time.perf_counter() - t
    finally:
        runner.close()
    outputs = [out_dir / REJECTED_JSONL, out_dir / EXTRACTIONS_JSONL]
    notes = []
    for write in writers if writers is not None else default_graph_writers():
        t = time.perf_counter()
        with _stage(quiet, f"writing {_writer_name(write)}"):
            written = write(graph, out_dir)
            outputs.extend(written)
        timings[_writer_name(write)] = time.perf_counter() - t
        # A writer that leaves something out says so in a ``note`` attribute (HtmlWriter).
        note = getattr(getattr(write, "__self__", None), "note", "")
        if note and written:
            notes.append(f"{Path(written[0]).name}: {note}")
    summary = _summary(graph, counts, started, outputs, timings, notes)
    with _AtomicText(out_dir / SUMMARY_JSON) as f:
        json.dump(summary.to_dict(), f.file, indent=2)
    return summary, graph


def _extract_counts(linked: Iterable[Extraction]) -> tuple[int, dict[str, int], dict[str, int]]:
    """(papers, entities by merged type, relations by type) without holding the papers."""
    types: dict[str, Counter[str]] = defaultdict(Counter)
    relations: Counter[str] = Counter()
    papers = 0
    for ex in linked:
        papers += 1
        for e in ex.entities:
            types[e.id][e.type.value] += 1
        relations.update(
            r.type.value for r in {(r.head_id, r.type, r.tail_id): r for r in ex.relations}.values()
        )
    entities = Counter(c.most_common(1)[0][0] for c in types.values())
    return papers, dict(entities.most_common()), dict(relations.most_common())


def run_extract(
    inputs: Sequence[Path],
    output: Path,
    fmt: str | None = None,
    quiet: bool = False,
    *,
    workers: int = 1,
    executor: str = "serial",
    scheduler: str | None = None,
    factory: ExtractorFactory | None = None,
    batch_size: int = BATCH_SIZE,
    cache_path: Path | None = None,
) -> BuildSummary:
    """Write only the extractions of ``inputs`` to ``output`` (rejects beside it).

    ``cache_path`` keeps the extraction cache between runs (default: a temporary one).
    Entity counts use each id's most frequent type (a build merges types with more rules).
    """
    started = time.perf_counter()
    if batch_size < 1:
        raise InputError(f"--batch-size must be at least 1, got {batch_size}")
    paths = _resolve_inputs(inputs)
    output = Path(output)
    if output.is_dir():
        raise InputError(f"--output {output} is a directory")
    counts = _Counts()
    rejected_path = output.with_name(output.stem + ".rejected.jsonl")
    records = loaders.load(paths, fmt)
    runner = make_executor(executor, workers, factory or default_factory, scheduler)
    with tempfile.TemporaryDirectory(prefix="kg-extract-") as tmp:
        try:
            with ExtractionCache(cache_path or Path(tmp) / CACHE_FILE) as cache:
                _extract_phase(records, cache, runner, counts, rejected_path, batch_size, quiet)
                runner.close()
                with _AtomicText(output) as jsonl:
                    papers, entities, relations = _extract_counts(_linked(cache, jsonl.file))
        finally:
            runner.close()
    return BuildSummary(
        records=counts.records,
        papers=papers,
        duplicates=counts.duplicates,
        rejected=counts.rejected,
        entities=entities,
        relations=relations,
        paper_links=0,
        seconds=time.perf_counter() - started,
        outputs=(str(output), str(rejected_path)),
        extracted=counts.extracted,
        cached=counts.cached,
    )
