"""load -> extract (cached, parallel) -> link -> build -> write, as one call per CLI job.

``run_build`` is what ``kg build`` runs, ``run_add`` what ``kg add`` runs (the same build, grown
from the last finished one), ``run_extract`` what ``kg extract`` runs. The run's bookkeeping
(counts, atomic files, rejected rows) is in :mod:`kg.runstate`, what it reports in :mod:`kg.summary`,
batched linking in :mod:`kg.link.stream`.

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

import dataclasses
import json
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO

import loaders
from kg import __version__
from kg.build import build_graph
from kg.cache import CACHE_FILE, ExtractionCache
from kg.errors import ExtractionError, InputError
from kg.link.stream import StreamLinker, linked_run
from kg.outputs import OPTIONAL_WRITERS, GraphWriter, default_graph_writers, write_all
from kg.parallel import Executor, ExtractorFactory, default_factory, make_executor
from kg.runstate import (
    MAX_FIELD_CHARS,
    REJECTED_JSONL,
    SUMMARY_JSON,
    AtomicText,
    Counts,
    failed_row,
    progress,
    rejected_row,
    remove_leftovers,
    stage,
    too_long,
)
from kg.summary import BuildSummary, WhatsNew, extract_counts, summarise, whats_new
from kg.types import Graph, Paper, Rejected
from kg.vocab import ONTOLOGY_VERSION
from kg.write.graphjson import GraphKeys, read_keys
from kg.write.jsonl import EXTRACTIONS_JSONL
from loaders.ids import normalise_title

__all__ = [
    "BATCH_SIZE",
    "BuildSummary",
    "GraphWriter",
    "MAX_FIELD_CHARS",
    "REJECTED_JSONL",
    "SUMMARY_JSON",
    "OPTIONAL_WRITERS",
    "WhatsNew",
    "default_graph_writers",
    "run_add",
    "run_build",
    "run_extract",
    "StreamLinker",
]

#: Papers sent to an executor per task (and committed to the cache per batch).
BATCH_SIZE = 128


def _resolve_inputs(inputs: Sequence[Path]) -> list[Path]:
    return list(inputs) if inputs else loaders.bundled_corpus()


def _holds_other_paper(cache: ExtractionCache, paper: Paper) -> bool:
    """Whether the run holds ``paper``'s id for a paper with another title *and* abstract.

    Only a record's own id can do that (an arXiv id names one paper, a title hash one title):
    some sources reuse ids (the conference-abstracts corpus: 6,924 ids for 13,867 papers), and
    merging two papers by id would lose one of them.
    """
    if paper.id.startswith(("arxiv:", "title:")):
        return False
    old = cache.run_paper(paper.id)
    if old is None:
        return False
    return old.abstract != paper.abstract and normalise_title(old.title) != normalise_title(paper.title)


def _extract_into_cache(
    records: Iterable[Paper | Rejected],
    cache: ExtractionCache,
    executor: Executor,
    counts: Counts,
    rejected_out: IO[str],
    batch_size: int,
    quiet: bool,
    grow: bool = False,
) -> int:
    """Stream records into the run table; extract what the cache does not hold, batch by batch.

    ``grow`` (``kg add``): a paper the build already holds with another title or abstract takes
    the new text and is extracted again. Returns how many papers did.
    """
    changed = 0
    with progress(quiet) as bar:
        task = bar.add_task("extracting", total=None) if bar else None

        def batches() -> Iterator[list[Paper]]:
            nonlocal changed
            batch: list[Paper] = []
            for rec in records:
                counts.records += 1
                if isinstance(rec, Paper):
                    rec = too_long(rec) or rec
                if isinstance(rec, Rejected):
                    counts.rejected += 1
                    rejected_out.write(rejected_row(rec))
                    continue
                if _holds_other_paper(cache, rec):
                    # Its id names another paper already: it gets the id it would have had without one.
                    counts.rekeyed += 1
                    rec = dataclasses.replace(rec, id=loaders.paper_id(rec.title, None))
                if not cache.add_paper(rec):
                    counts.duplicates += 1
                    if not (grow and cache.changed_paper(rec)):
                        continue
                    changed += 1
                if cache.is_cached(rec, executor.version):
                    counts.cached += 1
                    if bar:
                        bar.advance(task)
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
                raise ExtractionError(f"a worker ran extractor {sorted(stale)}, expected {executor.version!r}")
            for paper, reason in result.failed:
                cache.drop_paper(paper.id)
                counts.rejected += 1
                rejected_out.write(rejected_row(failed_row(paper, reason)))
            cache.store(done)
            counts.extracted += len(done)
            if bar:
                bar.advance(task, len(done) + len(result.failed))
        cache.commit()
    return changed


def _check_options(batch_size: int) -> None:
    if batch_size < 1:
        raise InputError(f"--batch-size must be at least 1, got {batch_size}")


def _run(
    inputs: Sequence[Path],
    out_dir: Path,
    fmt: str | None,
    quiet: bool,
    writers: Sequence[GraphWriter] | None,
    grow: bool,
    executor_args: tuple[str, int, ExtractorFactory | None, str | None],
    batch_size: int,
) -> tuple[BuildSummary, Graph, WhatsNew | None]:
    started = time.perf_counter()
    timings: dict[str, float] = {}
    _check_options(batch_size)
    paths = _resolve_inputs(inputs)
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"--out {out_dir} exists and is not a directory")
    # Fails fast on a bad path before workers start (loaders check every path up front).
    records = loaders.load(paths, fmt)
    executor, workers, factory, scheduler = executor_args
    runner = make_executor(executor, workers, factory or default_factory, scheduler)
    before = None
    try:
        with ExtractionCache(out_dir / CACHE_FILE) as cache:
            remove_leftovers(out_dir, (REJECTED_JSONL, EXTRACTIONS_JSONL, SUMMARY_JSON))
            built = cache.resume_build() if grow else None
            if built is None:
                cache.start_run()
            counts = Counts.from_dict(built) if built else Counts()
            if built is not None:
                # Papers from the cache (exact even without graph.json); entities, relations from graph.json.
                keys = read_keys(out_dir) or GraphKeys(frozenset(), {}, frozenset())
                before = dataclasses.replace(keys, papers=frozenset(cache.run_paper_ids()))
            t = time.perf_counter()
            with AtomicText(out_dir / REJECTED_JSONL, keep=built is not None) as rejected_out:
                changed = _extract_into_cache(
                    records, cache, runner, counts, rejected_out.file, batch_size, quiet, grow
                )
            timings["load+extract"] = time.perf_counter() - t
            versions = {"kg": __version__, "ontology": ONTOLOGY_VERSION, "extractor": runner.version}
            runner.close()
            t = time.perf_counter()
            with (
                stage(quiet, "linking and building the graph"),
                AtomicText(out_dir / EXTRACTIONS_JSONL) as jsonl,
            ):
                graph = build_graph(linked_run(cache, jsonl.file), cache.sightings, meta=versions)
            timings["link+build"] = time.perf_counter() - t
            outputs = [out_dir / REJECTED_JSONL, out_dir / EXTRACTIONS_JSONL]
            written, notes = write_all(
                graph, out_dir, writers if writers is not None else default_graph_writers(), quiet, timings
            )
            summary = summarise(graph, counts, started, outputs + written, timings, notes)
            new = whats_new(before, graph, changed) if grow else None
            if new is not None:
                summary = _with_added(summary, new)
            with AtomicText(out_dir / SUMMARY_JSON) as f:
                json.dump(summary.to_dict(), f.file, indent=2)
            # Last: a run killed before this line is redone in full by the next `kg add`.
            cache.mark_built(counts.totals())
    finally:
        runner.close()
    return summary, graph, new


def _with_added(summary: BuildSummary, new: WhatsNew) -> BuildSummary:
    return dataclasses.replace(summary, added=new.to_dict())


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
    summary, graph, _ = _run(
        inputs, out_dir, fmt, quiet, writers, False, (executor, workers, factory, scheduler), batch_size
    )
    return summary, graph


def run_add(
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
) -> tuple[BuildSummary, Graph, WhatsNew]:
    """Grow the build in ``out_dir`` by ``inputs``: the result equals one :func:`run_build` of
    everything added so far (counts, ids, every output), plus what this run added.

    Only new papers, and papers whose title or abstract changed (the new text replaces the old),
    are extracted; linking and every output cover the whole build again. A killed run leaves the
    last finished build's paper list, so running it again resumes (its extractions are cached).
    Without a finished build in ``out_dir`` this is :func:`run_build`. Parameters as there.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "1.jsonl").write_text('{"title": "T", "abstract": "A."}\\n')
    >>> _ = (d / "2.jsonl").write_text('{"title": "U", "abstract": "B."}\\n')
    >>> echo = __import__("kg.parallel").parallel.echo_extractor
    >>> _ = run_build([d / "1.jsonl"], d / "out", quiet=True, writers=[], factory=echo)
    >>> s, g, new = run_add([d / "2.jsonl"], d / "out", quiet=True, writers=[], factory=echo)
    >>> s.papers, s.records, s.extracted, len(new.papers)
    (2, 2, 1, 1)
    """
    summary, graph, new = _run(
        inputs, out_dir, fmt, quiet, writers, True, (executor, workers, factory, scheduler), batch_size
    )
    assert new is not None
    return summary, graph, new


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
    _check_options(batch_size)
    paths = _resolve_inputs(inputs)
    output = Path(output)
    if output.is_dir():
        raise InputError(f"--output {output} is a directory")
    counts = Counts()
    rejected_path = output.with_name(output.stem + ".rejected.jsonl")
    records = loaders.load(paths, fmt)
    runner = make_executor(executor, workers, factory or default_factory, scheduler)
    with tempfile.TemporaryDirectory(prefix="kg-extract-") as tmp:
        try:
            with ExtractionCache(cache_path or Path(tmp) / CACHE_FILE) as cache:
                cache.start_run()
                with AtomicText(rejected_path) as rejected_out:
                    _extract_into_cache(records, cache, runner, counts, rejected_out.file, batch_size, quiet)
                runner.close()
                with AtomicText(output) as jsonl:
                    papers, entities, relations = extract_counts(linked_run(cache, jsonl.file))
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
