"""``kg query``, ``kg serve``, ``kg validate``: thin wrappers over kg.store, kg.serve and kg.write.rdf."""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from kg.cli.app import DEFAULT_OUT, OutDir, app, console, say
from kg.errors import InputError

__all__ = ["query_cli", "serve_cli", "validate_cli"]

_FORMATS = ("table", "csv", "json")


def _read_query(text: str) -> str:
    if text == "-":
        return sys.stdin.read()
    if text.startswith("@"):
        path = Path(text[1:])
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read the query file {path}: {exc}") from None
    return text


@app.command("query")
def query_cli(
    sparql: Annotated[
        str, typer.Argument(help="A SPARQL query; '-' reads it from stdin, '@file.rq' from a file.")
    ],
    out: OutDir = DEFAULT_OUT,
    fmt: Annotated[
        str,
        typer.Option("--format", "-f", help="table, csv or json (SPARQL JSON results; JSON-LD for graphs)."),
    ] = "table",
    max_rows: Annotated[
        int, typer.Option("--max-rows", help="Stop after this many results.", min=1)
    ] = 10_000,
    allow_service: Annotated[
        list[str] | None,
        typer.Option("--allow-service", help="IRI prefix SERVICE may reach (repeatable). Default: none."),
    ] = None,
) -> None:
    """Run a read-only SPARQL query on the embedded store of a build (prefixes mlkg:, skos:, ... predeclared).

    Example: kg query 'SELECT ?name WHERE { ?x mlkg:improvesOn/skos:prefLabel "LoRA" ; skos:prefLabel ?name }'
    """
    from kg.serve import guard
    from kg.serve.results import execute, query_form
    from kg.store import open_store

    if fmt not in _FORMATS:
        raise InputError(f"unknown --format {fmt!r} (choose from {', '.join(_FORMATS)})")
    text = _read_query(sparql)
    if guard.classify(text) == "update":
        raise InputError("kg query is read-only: this is a SPARQL update")
    try:
        guard.check(text, tuple(allow_service or ()))
    except guard.Refused as exc:
        raise InputError(f"refused: {exc}") from None
    form = query_form(text)
    media = {
        ("select", "table"): "application/sparql-results+json",
        ("select", "json"): "application/sparql-results+json",
        ("select", "csv"): "text/csv",
        ("graph", "table"): "text/turtle",
        ("graph", "json"): "application/ld+json",
        ("graph", "csv"): "application/n-triples",
    }[(form, fmt)]
    store = open_store(out)
    try:
        result = execute(store, text, media, max_rows)
    except SyntaxError as exc:
        raise InputError(f"bad SPARQL: {exc}") from None
    if fmt == "table" and form == "select":
        _print_table(json.loads(result.body))
    else:
        sys.stdout.write(result.body.decode("utf-8"))
        if not result.body.endswith(b"\n"):
            sys.stdout.write("\n")
    if result.truncated:
        say(f"(stopped after {max_rows} results: raise --max-rows for more)", err=True)


def _cell(term: dict[str, str] | None) -> str:
    if term is None:
        return ""
    return term["value"] if term["type"] != "bnode" else f"_:{term['value']}"


def _print_table(doc: dict[str, Any]) -> None:
    if "boolean" in doc:
        say("true" if doc["boolean"] else "false")
        return
    variables = doc["head"]["vars"]
    table = Table(*variables, show_lines=False)
    for row in doc["results"]["bindings"]:
        # markup=False would be ideal; escaping keeps "[x]" in a title from being read as rich markup.
        from rich.markup import escape

        table.add_row(*(escape(_cell(row.get(v))) for v in variables))
    console.print(table)
    say(f"{len(doc['results']['bindings'])} results")


@app.command("serve")
def serve_cli(
    out: OutDir = DEFAULT_OUT,
    host: Annotated[
        str, typer.Option("--host", help="Interface to bind. Anything but loopback exposes the graph.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port.")] = 7878,
    timeout: Annotated[
        float, typer.Option("--timeout", help="Seconds a query may run before it is stopped (503).")
    ] = 10.0,
    max_rows: Annotated[
        int,
        typer.Option(
            "--max-rows", help="Most results one answer holds (X-KG-Truncated says when cut).", min=1
        ),
    ] = 10_000,
    workers: Annotated[
        int, typer.Option("--workers", help="Queries answered in parallel (worker processes).", min=1)
    ] = 2,
    allow_update: Annotated[
        bool, typer.Option("--allow-update", help="Accept SPARQL updates (default: 403, read-only).")
    ] = False,
    cors: Annotated[
        list[str] | None,
        typer.Option(
            "--cors", help="Origin allowed to call from a browser (repeatable; '*' for any). Default: none."
        ),
    ] = None,
    allow_service: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-service",
            help="IRI prefix SERVICE/LOAD may reach (repeatable). Default: none, so no outbound requests.",
        ),
    ] = None,
    on_disk: Annotated[
        bool,
        typer.Option(
            "--on-disk", help="Answer from the on-disk store, not an in-memory copy (less RAM, slower)."
        ),
    ] = False,
    public_url: Annotated[
        str | None,
        typer.Option("--public-url", help="Base URL advertised in the service description (behind a proxy)."),
    ] = None,
) -> None:
    """Serve the build's graph as a SPARQL 1.1 endpoint at /sparql, with a query page at /.

    Read-only, loopback-only, no CORS and no federated queries unless told otherwise.
    """
    from kg.serve import ServeConfig, SparqlServer

    config = ServeConfig(
        out_dir=out,
        host=host,
        port=port,
        timeout=timeout,
        max_rows=max_rows,
        workers=workers,
        allow_update=allow_update,
        cors_origins=tuple(cors or ()),
        allow_service=tuple(allow_service or ()),
        public_url=public_url,
        in_memory=not on_disk,
    )
    server = SparqlServer(config, verbose=True)
    if host not in ("127.0.0.1", "localhost", "::1"):
        say(f"warning: listening on {host}: anyone who can reach it can query the graph", err=True)
    say(f"SPARQL endpoint {server.url}/sparql, query page {server.url}/ (Ctrl+C stops)")

    def _stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # so `finally` closes the workers on SIGTERM too

    signal.signal(signal.SIGTERM, _stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        say("stopped")


@app.command("validate")
def validate_cli(
    out: OutDir = DEFAULT_OUT,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print nothing; only the exit code tells.")
    ] = False,
    engine: Annotated[
        str,
        typer.Option(
            "--engine",
            help="sparql: the shapes as SPARQL queries over the store (any size; kg.shacl); "
            "pyshacl: pyshacl over graph.ttl in rdflib (small graphs only: holds the whole graph).",
        ),
    ] = "sparql",
) -> None:
    """Check OUT/graph.ttl against ontology/shapes.ttl (SHACL); exit 1 with a report if not conformant.

    Both engines give the same verdict (tests/unit/test_shacl.py); the default one runs the shapes
    as SPARQL over the build's store (loaded from graph.ttl first when it is missing or older).
    """
    from kg.write.rdf import GRAPH_TTL, validate

    if engine not in ("sparql", "pyshacl"):
        raise InputError(f"--engine {engine!r}: use sparql or pyshacl")
    if engine == "pyshacl":
        conforms, report = validate(out / GRAPH_TTL)
    else:
        from kg.shacl import validate_build

        result = validate_build(out)
        conforms, report = result.conforms, result.text()
    if conforms:
        if not quiet:
            say(f"{out / GRAPH_TTL} conforms to the kg shapes")
        return
    if not quiet:
        say(report)
        say(f"{out / GRAPH_TTL} does NOT conform to the kg shapes (see the report above)", err=True)
    raise typer.Exit(1)
