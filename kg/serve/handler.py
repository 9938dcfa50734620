"""The HTTP side of ``kg serve``: routes, request checks, SPARQL Protocol answers and their status codes.

``_Handler`` answers one request; ``Server`` is the threading HTTP server that holds the config and
the query pool (:class:`kg.serve.http.SparqlServer` starts and stops it).
"""

from __future__ import annotations

import json
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from kg.errors import StoreError
from kg.serve import describe, guard
from kg.serve.config import ServeConfig
from kg.serve.cookbook import RECIPES
from kg.serve.page import ASSETS, CSP
from kg.serve.pool import (
    Job,
    NotAcceptable,
    PoolBusy,
    QueryPool,
    QuerySyntaxError,
    QueryTimeout,
    WorkerFailed,
)
from kg.serve.results import GRAPH_TYPES, Result, negotiate, query_form

_RDFLIB_FORMATS = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
}

class _HttpError(Exception):
    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class _Handler(BaseHTTPRequestHandler):
    server: Server
    server_version = "kg-sparql"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    # Socket timeout: an idle or trickling client (slowloris) frees its thread after this long.
    timeout = 30

    # ------------------------------------------------------------------ plumbing
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        if self.server.verbose:
            super().log_message(format, *args)

    def _cors_headers(self) -> None:
        origins = self.server.config.cors_origins
        origin = self.headers.get("Origin")
        if not origins or not origin:
            return
        if "*" in origins:
            self.send_header("Access-Control-Allow-Origin", "*")
        elif origin in origins:
            self.send_header("Access-Control-Allow-Origin", origin)
            self.send_header("Vary", "Origin")
        else:
            return
        self.send_header("Access-Control-Expose-Headers", "X-KG-Truncated, X-KG-Rows")

    def _send(
        self, status: HTTPStatus, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self._cors_headers()
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _error(self, status: HTTPStatus, message: str) -> None:
        extra = {"Retry-After": "5"} if status == HTTPStatus.SERVICE_UNAVAILABLE else None
        self._send(status, (message.rstrip() + "\n").encode("utf-8"), "text/plain; charset=utf-8", extra)

    def _dispatch(self, fn: Any) -> None:
        try:
            fn()
        except _HttpError as exc:
            self._error(exc.status, exc.message)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            self.close_connection = True
        except Exception as exc:  # a bug here must still give the client an answer, not a dropped socket
            self.log_error("internal error: %r", exc)
            self.close_connection = True
            self._error(HTTPStatus.INTERNAL_SERVER_ERROR, f"internal error: {type(exc).__name__}")

    # ------------------------------------------------------------------ methods
    def do_GET(self) -> None:
        self._dispatch(self._get)

    def do_HEAD(self) -> None:
        self._dispatch(self._get)

    def do_POST(self) -> None:
        self._dispatch(self._post)

    def do_OPTIONS(self) -> None:
        def preflight() -> None:
            headers = {"Allow": "GET, POST, OPTIONS"}
            if self.server.config.cors_origins:
                headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
                headers["Access-Control-Allow-Headers"] = "Content-Type, Accept"
                headers["Access-Control-Max-Age"] = "600"
            self._send(HTTPStatus.NO_CONTENT, b"", "text/plain", headers)

        self._dispatch(preflight)

    def _not_allowed(self) -> None:
        self._error(HTTPStatus.METHOD_NOT_ALLOWED, f"method {self.command} is not allowed")

    do_PUT = do_DELETE = do_PATCH = _not_allowed  # noqa: N815

    # ------------------------------------------------------------------ routes
    def _get(self) -> None:
        url = urlsplit(self.path)
        if url.path in ASSETS:
            content_type, text = ASSETS[url.path]
            headers = {
                "Content-Security-Policy": CSP,
                "Referrer-Policy": "no-referrer",
                "Cache-Control": "no-cache",
            }
            self._send(HTTPStatus.OK, text.encode("utf-8"), content_type, headers)
            return
        if url.path == "/cookbook.json":
            doc = [{"slug": r.slug, "question": r.question, "query": r.query} for r in RECIPES]
            self._send(HTTPStatus.OK, json.dumps(doc).encode("utf-8"), "application/json")
            return
        if url.path in ("/void", "/.well-known/void"):
            self._send_graph(self.server.void())
            return
        if url.path != "/sparql":
            raise _HttpError(HTTPStatus.NOT_FOUND, f"no such resource: {url.path[:200]}")
        params = self._params(url.query)
        if "update" in params:
            raise _HttpError(HTTPStatus.BAD_REQUEST, "updates must be sent with POST")
        if "query" not in params:
            self._send_graph(self.server.service_description())
            return
        self._query(params)

    def _post(self) -> None:
        url = urlsplit(self.path)
        if url.path != "/sparql":
            raise _HttpError(HTTPStatus.NOT_FOUND, f"no such resource: {url.path[:200]}")
        body = self._body()
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        params = self._params(url.query)
        if ctype == "application/x-www-form-urlencoded":
            params.update(self._params(self._decode(body)))
        elif ctype == "application/sparql-query":
            if "query" in params:
                raise _HttpError(
                    HTTPStatus.BAD_REQUEST, "the query is in the body: no query= parameter allowed"
                )
            params["query"] = [self._decode(body)]
        elif ctype == "application/sparql-update":
            params["update"] = [self._decode(body)]
        else:
            raise _HttpError(
                HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                f"unsupported Content-Type {ctype[:100]!r}: use application/x-www-form-urlencoded, "
                "application/sparql-query or application/sparql-update",
            )
        if "query" in params and "update" in params:
            raise _HttpError(HTTPStatus.BAD_REQUEST, "send either query or update, not both")
        if "update" in params:
            self._update(params)
        elif "query" in params:
            self._query(params)
        else:
            raise _HttpError(HTTPStatus.BAD_REQUEST, "missing query (or update) parameter")

    # ------------------------------------------------------------------ helpers
    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            raise _HttpError(
                HTTPStatus.LENGTH_REQUIRED, "chunked bodies are not accepted: send Content-Length"
            )
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            raise _HttpError(HTTPStatus.BAD_REQUEST, "bad Content-Length") from None
        if length < 0:
            raise _HttpError(HTTPStatus.BAD_REQUEST, "bad Content-Length")
        if length > self.server.config.max_body:
            self.close_connection = True
            if length <= 16 * self.server.config.max_body:
                # Read what was sent so the client gets the 413 rather than a broken pipe.
                remaining = length
                while remaining > 0:
                    chunk = self.rfile.read(min(remaining, 1 << 16))
                    if not chunk:
                        break
                    remaining -= len(chunk)
            raise _HttpError(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"request body of {length} bytes is over the {self.server.config.max_body} byte limit",
            )
        return self.rfile.read(length)

    @staticmethod
    def _decode(raw: bytes) -> str:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _HttpError(HTTPStatus.BAD_REQUEST, f"the request is not UTF-8: {exc}") from None
        if "\x00" in text:
            raise _HttpError(HTTPStatus.BAD_REQUEST, "the request contains a NUL character")
        return text

    def _params(self, qs: str) -> dict[str, list[str]]:
        if len(qs) > self.server.config.max_body:
            raise _HttpError(HTTPStatus.REQUEST_URI_TOO_LONG, "query string too long")
        try:
            params = parse_qs(
                qs, keep_blank_values=True, strict_parsing=False, errors="strict", max_num_fields=1000
            )
        except (UnicodeDecodeError, ValueError) as exc:
            raise _HttpError(HTTPStatus.BAD_REQUEST, f"malformed parameters: {exc}") from None
        for key in ("query", "update"):
            if len(params.get(key, [])) > 1:
                raise _HttpError(HTTPStatus.BAD_REQUEST, f"more than one {key} parameter")
            if key in params and "\x00" in params[key][0]:
                raise _HttpError(HTTPStatus.BAD_REQUEST, "the request contains a NUL character")
        return params

    def _run(self, job: Job) -> Result:
        try:
            return self.server.pool.run(job)
        except QuerySyntaxError as exc:
            raise _HttpError(HTTPStatus.BAD_REQUEST, f"syntax error: {exc}") from None
        except NotAcceptable as exc:
            raise _HttpError(HTTPStatus.NOT_ACCEPTABLE, str(exc)) from None
        except (QueryTimeout, PoolBusy) as exc:
            raise _HttpError(HTTPStatus.SERVICE_UNAVAILABLE, str(exc)) from None
        except WorkerFailed as exc:
            raise _HttpError(HTTPStatus.INTERNAL_SERVER_ERROR, f"query failed: {exc}") from None

    def _guard(self, text: str) -> None:
        try:
            guard.check(text, self.server.config.allow_service)
        except guard.Refused as exc:
            raise _HttpError(HTTPStatus.FORBIDDEN, f"refused: {exc}") from None

    def _depth(self, text: str) -> None:
        depth = guard.nesting_depth(text)
        if depth > guard.MAX_DEPTH:
            raise _HttpError(
                HTTPStatus.BAD_REQUEST,
                f"query nested {depth} levels deep (at most {guard.MAX_DEPTH} accepted)",
            )

    def _query(self, params: dict[str, list[str]]) -> None:
        text = params["query"][0]
        if not text.strip():
            raise _HttpError(HTTPStatus.BAD_REQUEST, "empty query")
        if guard.classify(text) == "update":
            raise _HttpError(
                HTTPStatus.FORBIDDEN if not self.server.config.allow_update else HTTPStatus.BAD_REQUEST,
                "this is an update: send it as update= (POST) or application/sparql-update"
                + ("" if self.server.config.allow_update else "; this endpoint is read-only"),
            )
        self._guard(text)
        self._depth(text)
        form = query_form(text)
        media = negotiate(self.headers.get("Accept"), form)
        if media is None:
            kind = "SELECT/ASK" if form == "select" else "CONSTRUCT/DESCRIBE"
            offered = ", ".join(_offered(form))
            raise _HttpError(
                HTTPStatus.NOT_ACCEPTABLE,
                f"cannot answer a {kind} query as {self.headers.get('Accept')!r}; offered: {offered}",
            )
        job = Job(
            "query",
            text,
            media,
            self.server.config.max_rows,
            tuple(params.get("default-graph-uri", ())),
            tuple(params.get("named-graph-uri", ())),
        )
        result = self._run(job)
        charset = "; charset=utf-8" if not media.endswith("+json") and media != "application/ld+json" else ""
        headers = {
            "Vary": "Accept",
            "X-KG-Rows": str(result.rows),
            "X-KG-Truncated": str(result.truncated).lower(),
        }
        self._send(HTTPStatus.OK, result.body, media + charset, headers)

    def _update(self, params: dict[str, list[str]]) -> None:
        text = params["update"][0]
        if not self.server.config.allow_update:
            raise _HttpError(
                HTTPStatus.FORBIDDEN, "this endpoint is read-only (start it with --allow-update)"
            )
        self._guard(text)
        self._depth(text)
        self._run(Job("update", text))
        self._send(HTTPStatus.NO_CONTENT, b"", "text/plain")

    def _send_graph(self, graph: Any) -> None:
        media = negotiate(self.headers.get("Accept"), "graph")
        if media is None:
            raise _HttpError(HTTPStatus.NOT_ACCEPTABLE, f"offered: {', '.join(GRAPH_TYPES)}")
        body = graph.serialize(format=_RDFLIB_FORMATS[media], encoding="utf-8")
        self._send(
            HTTPStatus.OK,
            body,
            media + ("; charset=utf-8" if media == "text/turtle" else ""),
            {"Vary": "Accept"},
        )


def _offered(form: str) -> tuple[str, ...]:
    from kg.serve.results import RESULT_TYPES

    return RESULT_TYPES if form == "select" else GRAPH_TYPES


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, config: ServeConfig, pool: QueryPool, verbose: bool) -> None:
        self.config = config
        self.pool = pool
        self.verbose = verbose
        super().__init__((config.host, config.port), _Handler)

    def _select(self, text: str) -> list[dict[str, Any]]:
        result = self.pool.run(Job("query", text, "application/sparql-results+json", 100_000))
        rows: list[dict[str, Any]] = json.loads(result.body)["results"]["bindings"]
        return rows

    def _triples(self) -> int:
        return int(self._select(describe.VOID_QUERIES["triples"])[0]["n"]["value"])

    def void(self) -> Any:
        try:
            classes = {
                r["c"]["value"]: int(r["n"]["value"]) for r in self._select(describe.VOID_QUERIES["classes"])
            }
            props = {
                r["p"]["value"]: int(r["n"]["value"])
                for r in self._select(describe.VOID_QUERIES["properties"])
            }
            return describe.void_description(self.base_url, self._triples(), classes, props)
        except StoreError as exc:
            raise _HttpError(
                HTTPStatus.SERVICE_UNAVAILABLE, f"cannot describe the dataset now: {exc}"
            ) from None

    def service_description(self) -> Any:
        try:
            triples = self._triples()
        except StoreError as exc:
            raise _HttpError(
                HTTPStatus.SERVICE_UNAVAILABLE, f"cannot describe the service now: {exc}"
            ) from None
        return describe.service_description(self.base_url, self.config.allow_update, triples)

    @property
    def base_url(self) -> str:
        if self.config.public_url:
            return self.config.public_url.rstrip("/")
        address, port = self.server_address[:2]
        host = address.decode() if isinstance(address, bytes) else str(address)
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{port}"
