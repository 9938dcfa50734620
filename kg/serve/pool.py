"""Queries run in worker processes so a runaway one can be killed at its deadline.

pyoxigraph cannot cancel a query, and a thread cannot be killed: one cartesian product would keep
a core busy (and a thread-based server's answer late) forever. Each worker process opens the store
itself (read-only, or read-write in ``--allow-update`` mode where a single worker serialises the
writes), answers one job at a time over a pipe, and is killed and replaced when a job outlives
``timeout``. A worker that crashes (e.g. a parser stack overflow on a hostile query) is replaced too.

Examples
--------
>>> QueryPool("/nonexistent", workers=0)
Traceback (most recent call last):
...
ValueError: workers must be >= 1, got 0
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Literal

from kg.errors import StoreError
from kg.serve.results import Result

__all__ = [
    "Job",
    "QueryPool",
    "QueryTimeout",
    "QuerySyntaxError",
    "NotAcceptable",
    "PoolBusy",
    "WorkerFailed",
]


#: Seconds a worker may take to open (and, in memory mode, copy) the store.
_START_TIMEOUT = 600


class QueryTimeout(StoreError):
    """The query ran longer than the configured timeout and was stopped."""


class QuerySyntaxError(StoreError):
    """The query or update does not parse; the message is the parser's."""


class NotAcceptable(StoreError):
    """The negotiated media type does not fit the query form."""


class PoolBusy(StoreError):
    """Every worker stayed busy for the whole timeout."""


class WorkerFailed(StoreError):
    """The store failed or the worker died while answering."""


@dataclass(frozen=True, slots=True)
class Job:
    """One request for a worker: a query (with media type and row cap) or an update."""

    kind: Literal["query", "update"]
    text: str
    media: str = "application/sparql-results+json"
    max_rows: int = 10_000
    default_graph: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()


def _worker_main(conn: Connection, store_dir: str, writable: bool, in_memory: bool) -> None:
    import pyoxigraph as ox

    from kg.serve.results import execute
    from kg.write.namespace import PREFIXES

    try:
        store = ox.Store(store_dir) if writable else ox.Store.read_only(store_dir)
        if in_memory and not writable:
            # Joins on an in-memory copy ran 5-8x faster than on RocksDB here; the copy is Rust to Rust.
            disk, store = store, ox.Store()
            store.bulk_load(input=disk.dump(format=ox.RdfFormat.N_QUADS), format=ox.RdfFormat.N_QUADS)
            del disk
    except OSError as exc:
        conn.send(("error", f"cannot open the store {store_dir}: {exc}"))
        return
    conn.send(("ready", None))
    while True:
        try:
            job: Job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            if job.kind == "update" and not writable:
                # The in-memory copy would accept it: refuse here too, not only in the HTTP layer.
                conn.send(("error", "updates need a read-write store (kg serve --allow-update)"))
            elif job.kind == "update":
                store.update(job.text, prefixes=PREFIXES)
                conn.send(("ok", Result(b"", "", False, 0)))
            else:
                result = execute(
                    store, job.text, job.media, job.max_rows, list(job.default_graph), list(job.named_graphs)
                )
                conn.send(("ok", result))
        except SyntaxError as exc:
            conn.send(("syntax", str(exc)))
        except ValueError as exc:
            conn.send(("notacceptable", str(exc)))
        except Exception as exc:  # the store's own errors (OSError, RuntimeError): reported, worker lives on
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


class _Worker:
    def __init__(self, ctx: Any, store_dir: str, writable: bool, in_memory: bool) -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(
            target=_worker_main, args=(child, store_dir, writable, in_memory), daemon=True
        )
        self.proc.start()
        child.close()

    def wait_ready(self, timeout: float) -> None:
        if not self.conn.poll(timeout):
            self.kill()
            raise WorkerFailed(f"a query worker did not start within {timeout:.0f} s")
        try:
            status, message = self.conn.recv()
        except EOFError:
            self.kill()
            raise WorkerFailed("a query worker exited while starting") from None
        if status != "ready":
            self.kill()
            raise WorkerFailed(str(message))

    def kill(self) -> None:
        self.proc.kill()
        self.proc.join(5)
        self.conn.close()


class QueryPool:
    """``workers`` processes answering jobs on the store at ``store_dir``, each within ``timeout`` s.

    Parameters
    ----------
    store_dir
        A pyoxigraph store directory (``kg build`` writes ``DIR/store``).
    workers
        Processes answering in parallel (forced to 1 when ``writable``).
    writable
        Open the store read-write so updates can run.
    timeout
        Seconds a job may take (waiting for a free worker counts separately, with the same limit).
    in_memory
        Each read-only worker answers from an in-memory copy of the store (faster joins, more RAM).
    """

    def __init__(
        self,
        store_dir: str | Path,
        workers: int = 2,
        writable: bool = False,
        timeout: float = 10.0,
        in_memory: bool = False,
    ) -> None:
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        if timeout <= 0:
            raise ValueError(f"timeout must be > 0, got {timeout}")
        self.store_dir = str(store_dir)
        self.writable = writable
        self.in_memory = in_memory
        self.timeout = timeout
        self.size = 1 if writable else workers
        self._ctx = mp.get_context("spawn")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        started = [self._spawn() for _ in range(self.size)]
        try:
            for w in started:
                w.wait_ready(_START_TIMEOUT)
        except WorkerFailed:
            for w in started:
                w.kill()
            raise
        for w in started:
            self._idle.put(w)

    def _spawn(self) -> _Worker:
        w = _Worker(self._ctx, self.store_dir, self.writable, self.in_memory)
        with self._lock:
            self._all.add(w)
        return w

    def _replace(self, dead: _Worker) -> None:
        dead.kill()
        with self._lock:
            self._all.discard(dead)
            if self._closed:
                return

        def start() -> None:
            # A replacement that cannot start is retried: losing workers one by one ends in a dead server.
            while not self._closed:
                w = self._spawn()
                try:
                    w.wait_ready(_START_TIMEOUT)
                except WorkerFailed:
                    with self._lock:
                        self._all.discard(w)
                    time.sleep(1)
                    continue
                self._idle.put(w)
                return

        threading.Thread(target=start, name="kg-worker-respawn", daemon=True).start()

    def run(self, job: Job) -> Result:
        """Answer ``job`` or raise QueryTimeout, QuerySyntaxError, NotAcceptable, PoolBusy or WorkerFailed."""
        try:
            w: _Worker | None = self._idle.get(timeout=self.timeout)
        except queue.Empty:
            raise PoolBusy(f"all {self.size} query workers stayed busy for {self.timeout:g} s") from None
        assert w is not None
        try:
            w.conn.send(job)
            if not w.conn.poll(self.timeout):
                self._replace(w)
                w = None
                raise QueryTimeout(f"query stopped after the {self.timeout:g} s timeout")
            status, payload = w.conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            if w is not None:
                self._replace(w)
                w = None
            raise WorkerFailed(
                "the query worker died while answering (the query may be too deeply nested)"
            ) from None
        finally:
            if w is not None:
                self._idle.put(w)
        if status == "ok":
            result: Result = payload
            return result
        if status == "syntax":
            raise QuerySyntaxError(payload)
        if status == "notacceptable":
            raise NotAcceptable(payload)
        raise WorkerFailed(payload)

    def close(self) -> None:
        """Stop every worker."""
        with self._lock:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
        for w in workers:
            w.kill()

    def __enter__(self) -> QueryPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
