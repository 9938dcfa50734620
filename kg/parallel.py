"""Where extraction runs: in this process, in N local processes, or as dask.distributed tasks.

Every executor takes batches of papers and yields batches of (unlinked) extractions, in any
order; the pipeline stores each batch in the cache as it arrives and links centrally afterwards.
At most a few batches per worker are in flight, so memory does not grow with the input.

Each worker process builds its extractor once (``factory()`` in a process initialiser, or once
per dask worker process through the factory's own module-level cache).

Examples
--------
>>> from kg.types import Paper
>>> ex = make_executor("serial", workers=1, factory=echo_extractor)
>>> [len(b.extractions) for b in ex.map_batches([[Paper("a", "T", "A")], [Paper("b", "T", "B")]])]
[1, 1]
>>> ex.close()
"""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Protocol

from kg.errors import ExtractionError, InputError
from kg.types import Extraction, Paper

__all__ = [
    "EXECUTORS",
    "ExtractorLike",
    "ExtractorFactory",
    "BatchResult",
    "Executor",
    "SerialExecutor",
    "ProcessExecutor",
    "DaskExecutor",
    "make_executor",
    "default_factory",
    "echo_extractor",
]

EXECUTORS = ("serial", "processes", "dask")


class ExtractorLike(Protocol):
    """What the pipeline needs of an extractor (kg.extract.Extractor has it)."""

    version: str

    def extract_many(self, papers: Iterable[Paper], batch_size: int = ...) -> Iterator[Extraction]: ...


#: A picklable, module-level callable returning the extractor; called once per worker process.
ExtractorFactory = Callable[[], ExtractorLike]


def default_factory() -> ExtractorLike:
    """kg's extractor (spaCy pipeline, learned models and rules), built once per process.

    ``Extractor.version`` names a digest of kg/extract's code, the KB and the models, so a change
    to any of them re-extracts cached papers even if nobody bumped ``EXTRACTOR_VERSION``.
    """
    from kg.extract import load_extractor

    return load_extractor()


class _Echo:
    version = "echo-1"

    def extract_many(self, papers: Iterable[Paper], batch_size: int = 64) -> Iterator[Extraction]:
        for p in papers:
            yield Extraction(p, (), (), extractor=self.version)


def echo_extractor() -> ExtractorLike:
    """An extractor that finds nothing (for doctests and plumbing tests).

    Examples
    --------
    >>> next(echo_extractor().extract_many([Paper("a", "T", "A")])).entities
    ()
    """
    return _Echo()


# One extractor per worker process, set by the initialiser (or lazily on a dask worker).
_WORKER: dict[Any, ExtractorLike] = {}


def _init_worker(factory: ExtractorFactory) -> None:
    _WORKER[factory] = factory()


@dataclasses.dataclass(frozen=True)
class BatchResult:
    """Extractions of one batch, and the papers the extractor failed on with the reason."""

    extractions: list[Extraction]
    failed: list[tuple[Paper, str]]


def _run_batch(extractor: ExtractorLike, papers: Sequence[Paper], batch_size: int) -> BatchResult:
    try:
        return BatchResult(list(extractor.extract_many(papers, batch_size=batch_size)), [])
    except Exception:  # noqa: S110  (one bad paper must not lose the batch: retry one by one)
        pass
    done: list[Extraction] = []
    failed: list[tuple[Paper, str]] = []
    for paper in papers:
        try:
            done.extend(extractor.extract_many([paper], batch_size=1))
        except Exception as exc:
            failed.append((paper, f"extraction failed: {type(exc).__name__}: {_first_line(exc)}"))
    return BatchResult(done, failed)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else ""


def _extract_batch(factory: ExtractorFactory, papers: Sequence[Paper], batch_size: int) -> BatchResult:
    extractor = _WORKER.get(factory)
    if extractor is None:
        extractor = _WORKER[factory] = factory()
    return _run_batch(extractor, papers, batch_size)


class Executor(Protocol):
    """Runs extraction batches; ``version`` is the extractor version the workers run."""

    version: str

    def map_batches(self, batches: Iterable[Sequence[Paper]]) -> Iterator[BatchResult]: ...

    def close(self) -> None: ...


class SerialExecutor:
    """Extraction in this process."""

    def __init__(self, factory: ExtractorFactory, nlp_batch: int = 64) -> None:
        self._factory = factory
        self.version = _worker_version(factory)
        self.nlp_batch = nlp_batch

    def map_batches(self, batches: Iterable[Sequence[Paper]]) -> Iterator[BatchResult]:
        for batch in batches:
            yield _extract_batch(self._factory, batch, self.nlp_batch)

    def close(self) -> None:
        pass


def _bounded(
    submit: Callable[[Sequence[Paper]], Any],
    wait_one: Callable[[set[Any]], tuple[Any, set[Any]]],
    batches: Iterable[Sequence[Paper]],
    limit: int,
) -> Iterator[Any]:
    """Submit batches keeping at most ``limit`` in flight; yield finished futures as they complete."""
    pending: set[Any] = set()
    queue = deque[Any]()
    for batch in batches:
        pending.add(submit(batch))
        while len(pending) >= limit:
            done, pending = wait_one(pending)
            queue.extend(done)
            while queue:
                yield queue.popleft()
    while pending:
        done, pending = wait_one(pending)
        yield from done


class ProcessExecutor:
    """Extraction in ``workers`` local processes (spawned: each loads the spaCy pipeline once)."""

    def __init__(self, factory: ExtractorFactory, workers: int, nlp_batch: int = 64) -> None:
        if workers < 1:
            raise InputError(f"--workers must be at least 1, got {workers}")
        self.factory = factory
        self.workers = workers
        self.nlp_batch = nlp_batch
        # spawn, not fork: the parent may hold threads (progress bar) and a SQLite handle.
        ctx = multiprocessing.get_context("spawn")
        self.pool = cf.ProcessPoolExecutor(
            workers, mp_context=ctx, initializer=_init_worker, initargs=(factory,)
        )
        try:
            self.version = self.pool.submit(_worker_version, factory).result()
        except Exception as exc:
            self.pool.shutdown(cancel_futures=True)
            raise ExtractionError(f"extraction workers failed to start: {exc}") from exc

    def map_batches(self, batches: Iterable[Sequence[Paper]]) -> Iterator[BatchResult]:
        def wait_one(pending: set[Any]) -> tuple[Any, set[Any]]:
            done, rest = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            return done, rest

        def submit(batch: Sequence[Paper]) -> Any:
            return self.pool.submit(_extract_batch, self.factory, list(batch), self.nlp_batch)

        for fut in _bounded(submit, wait_one, batches, 2 * self.workers):
            yield _result(fut)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def _worker_version(factory: ExtractorFactory) -> str:
    extractor = _WORKER.get(factory)
    if extractor is None:
        extractor = _WORKER[factory] = factory()
    return extractor.version


def _result(fut: Any) -> BatchResult:
    try:
        return fut.result()  # type: ignore[no-any-return]
    except cf.process.BrokenProcessPool as exc:
        raise ExtractionError(f"an extraction worker died: {exc}") from exc


class DaskExecutor:
    """Extraction as dask.distributed tasks on the cluster whose scheduler is at ``scheduler``.

    Workers need kg installed (same version and spaCy pipeline); their extractor version is
    checked against this machine's so that the cache never mixes versions silently.
    """

    def __init__(
        self,
        factory: ExtractorFactory,
        scheduler: str,
        nlp_batch: int = 64,
        expected_version: str | None = None,
    ) -> None:
        try:
            from distributed import Client
        except ImportError as exc:
            raise InputError("--executor dask needs dask.distributed: pip install 'kg[dask]'") from exc
        self.factory = factory
        self.nlp_batch = nlp_batch
        try:
            self.client = Client(scheduler, timeout="10s")
        except OSError as exc:
            raise InputError(f"cannot reach the dask scheduler {scheduler}: {exc}") from exc
        nworkers = len(self.client.scheduler_info().get("workers", {}))
        self.limit = max(2, 2 * max(1, nworkers))
        self.version = self.client.submit(_worker_version, factory, pure=False).result()
        if expected_version is not None and self.version != expected_version:
            self.client.close()
            raise ExtractionError(
                f"dask workers run extractor {self.version!r}, this machine {expected_version!r}: "
                "install the same kg and spaCy pipeline on every worker"
            )

    def map_batches(self, batches: Iterable[Sequence[Paper]]) -> Iterator[BatchResult]:
        from distributed import wait

        def wait_one(pending: set[Any]) -> tuple[Any, set[Any]]:
            done, rest = wait(list(pending), return_when="FIRST_COMPLETED")
            return set(done), set(rest)

        def submit(batch: Sequence[Paper]) -> Any:
            return self.client.submit(_extract_batch, self.factory, list(batch), self.nlp_batch, pure=False)

        for fut in _bounded(submit, wait_one, batches, self.limit):
            try:
                result: BatchResult = fut.result()
            except Exception as exc:
                raise ExtractionError(f"a dask extraction task failed: {exc}") from exc
            finally:
                fut.release()
            yield result

    def close(self) -> None:
        self.client.close()


def make_executor(
    kind: str,
    workers: int = 1,
    factory: ExtractorFactory = default_factory,
    scheduler: str | None = None,
    nlp_batch: int = 64,
) -> Executor:
    """The executor for ``kg build --executor KIND --workers N [--scheduler ADDR]``.

    ``serial`` with more than one worker means ``processes``.

    Raises
    ------
    InputError
        Unknown kind, ``dask`` without ``scheduler``, workers < 1.

    Examples
    --------
    >>> make_executor("threads")
    Traceback (most recent call last):
    ...
    kg.errors.InputError: unknown executor 'threads' (known: serial, processes, dask)
    """
    if kind not in EXECUTORS:
        raise InputError(f"unknown executor {kind!r} (known: {', '.join(EXECUTORS)})")
    if workers < 1:
        raise InputError(f"--workers must be at least 1, got {workers}")
    if kind == "dask":
        if not scheduler:
            raise InputError("--executor dask needs --scheduler tcp://HOST:8786")
        return DaskExecutor(factory, scheduler, nlp_batch)
    if kind == "processes" or workers > 1:
        return ProcessExecutor(factory, workers, nlp_batch)
    return SerialExecutor(factory, nlp_batch)
