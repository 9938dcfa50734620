"""``kg serve``: a SPARQL 1.1 Protocol endpoint over the embedded store, standard and locked down.

Routes: ``/sparql`` (GET ``?query=``, POST form-encoded ``query=`` / ``update=``, POST
``application/sparql-query`` / ``application/sparql-update``; without a query, the service
description), ``/void`` (VoID), ``/`` (the offline query page), ``/cookbook.json``.

Safety defaults: binds 127.0.0.1; updates get 403 unless ``allow_update``; SERVICE / LOAD get 403
unless their IRI matches ``allow_service`` (kg.serve.guard); every query runs in a killable worker
with a timeout and a row cap (kg.serve.pool); bodies over ``max_body`` bytes get 413; no CORS
header unless origins are configured.

:mod:`kg.serve.config` holds the options, :mod:`kg.serve.handler` the routes and answers; this module
starts and stops the server.

"""

from __future__ import annotations

import threading

from kg.errors import StoreError
from kg.serve.config import ServeConfig
from kg.serve.handler import Server
from kg.serve.pool import QueryPool
from kg.store import open_store, store_path

__all__ = ["ServeConfig", "SparqlServer", "serve"]


class SparqlServer:
    """The endpoint for one build directory: start it, read :attr:`url`, stop it.

    Examples
    --------
    >>> import tempfile, urllib.request
    >>> from pathlib import Path
    >>> from kg.types import Graph, Paper
    >>> from kg.write.rdf import RdfWriter
    >>> with tempfile.TemporaryDirectory() as d:
    ...     _ = RdfWriter().write(Graph(papers=(Paper("arxiv:1", "T", "A"),)), Path(d))
    ...     with SparqlServer(ServeConfig(out_dir=Path(d), port=0, workers=1)) as server:
    ...         req = urllib.request.Request(server.url + "/sparql?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D",
    ...                                      headers={"Accept": "text/csv"})
    ...         urllib.request.urlopen(req).read()
    b'true\\n'
    """

    def __init__(self, config: ServeConfig, verbose: bool = False) -> None:
        self.config = config
        # Fail fast on a missing build (and load graph.ttl if only the store is missing).
        store = open_store(config.out_dir)
        del store  # workers open their own handles
        self.pool = QueryPool(
            store_path(config.out_dir),
            workers=config.workers,
            writable=config.allow_update,
            timeout=config.timeout,
            in_memory=config.in_memory,
        )
        try:
            self._httpd = Server(config, self.pool, verbose)
        except OSError as exc:
            self.pool.close()
            raise StoreError(f"cannot listen on {config.host}:{config.port}: {exc.strerror or exc}") from exc
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return self._httpd.base_url

    def serve_forever(self) -> None:
        try:
            self._httpd.serve_forever()
        finally:
            self.close()

    def start(self) -> SparqlServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="kg-serve", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(5)
            self._thread = None
        self._httpd.server_close()
        self.pool.close()

    def __enter__(self) -> SparqlServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


def serve(config: ServeConfig, verbose: bool = True) -> None:
    """Run the endpoint in the foreground until interrupted."""
    SparqlServer(config, verbose=verbose).serve_forever()
