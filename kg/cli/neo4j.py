"""``kg push``: load an existing build into Neo4j over Bolt; and the ``--neo4j*`` options ``kg build`` reuses.

Connection settings come from the flags, else from NEO4J_URI, NEO4J_USERNAME, NEO4J_PASSWORD,
NEO4J_DATABASE (and KG_NEO4J_DIALECT). Prefer NEO4J_PASSWORD to ``--neo4j-password``: a flag shows
in the process list and the shell history.

Reuse in another command::

    def build_cli(..., neo4j: Neo4jUri = None, neo4j_user: Neo4jUser = None,
                  neo4j_password: Neo4jPassword = None, neo4j_database: Neo4jDatabase = None,
                  neo4j_dialect: Neo4jDialect = None):
        opts = Neo4jOptions(neo4j, neo4j_user, neo4j_password, neo4j_database, neo4j_dialect)
        settings = opts.settings() if opts.uri else None   # build pushes only when --neo4j is given
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

import typer

from kg.cli.app import DEFAULT_OUT, OutDir, Quiet, app, say
from kg.write.neo4j import Neo4jSettings, Neo4jWriter, WriteStats

__all__ = [
    "Neo4jUri",
    "Neo4jUser",
    "Neo4jPassword",
    "Neo4jDatabase",
    "Neo4jDialect",
    "Neo4jOptions",
    "print_write_stats",
    "push_cli",
]


def _text_option(flag: str, metavar: str, help: str) -> Any:
    """The type of an optional text flag (None when it is not given)."""
    return Annotated[str | None, typer.Option(flag, metavar=metavar, help=help)]


Neo4jUri = _text_option("--neo4j", "URI", "Bolt URI, e.g. bolt://localhost:7687 (default: $NEO4J_URI).")
Neo4jUser = _text_option("--neo4j-user", "USER", "Neo4j user (default: $NEO4J_USERNAME, else neo4j).")
Neo4jPassword = _text_option(
    "--neo4j-password",
    "PASSWORD",
    "Neo4j password (default: $NEO4J_PASSWORD; prefer the variable). None: no authentication.",
)
Neo4jDatabase = _text_option("--neo4j-database", "NAME", "Database (default: $NEO4J_DATABASE, else the server's).")
Neo4jDialect = _text_option(
    "--neo4j-dialect",
    "DIALECT",
    "neo4j (default) or falkordb: keep statements within FalkorDB's Bolt limits "
    "(default: $KG_NEO4J_DIALECT). See docs/cypher.md.",
)


@dataclass(frozen=True, slots=True)
class Neo4jOptions:
    """The ``--neo4j*`` flags of one command line, turned into :class:`Neo4jSettings` on demand.

    Examples
    --------
    >>> Neo4jOptions("bolt://h:7687", database="kg").settings({"NEO4J_PASSWORD": "s"}).redacted()
    "bolt://h:7687 (user 'neo4j', database kg, dialect neo4j)"
    """

    uri: str | None = None
    user: str | None = None
    password: str | None = None
    database: str | None = None
    dialect: str | None = None

    def settings(self, environ: Mapping[str, str] | None = None, **extra: object) -> Neo4jSettings:
        """Flags over environment; raises WriterError when no URI is given either way."""
        return Neo4jSettings.from_env(
            environ,
            uri=self.uri,
            user=self.user,
            password=self.password,
            database=self.database,
            dialect=self.dialect,
            **extra,
        )


def print_write_stats(stats: WriteStats, where: str) -> None:
    """One summary line per record kind, as `kg build` and `kg push` print it."""
    say(
        f"neo4j: wrote {stats.papers} papers, {stats.entities} entities, {stats.relations} relations, "
        f"{stats.mentions} mentions, {stats.paper_links} paper links, {stats.results} results to {where} "
        f"in {stats.statements} statements, {stats.seconds:.1f} s"
    )


@app.command("push")
def push_cli(
    out: OutDir = DEFAULT_OUT,
    neo4j: Neo4jUri = None,
    neo4j_user: Neo4jUser = None,
    neo4j_password: Neo4jPassword = None,
    neo4j_database: Neo4jDatabase = None,
    neo4j_dialect: Neo4jDialect = None,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, help="Rows per UNWIND statement.")] = 1000,
    wipe: Annotated[
        bool, typer.Option("--wipe", help="Delete every Paper and Entity node in the database first.")
    ] = False,
    quiet: Quiet = False,
) -> None:
    """Load an existing build (graph.json in --out) into Neo4j over Bolt, idempotently.

    Papers already in the database get exactly the assertions of this build (re-extracted papers
    are replaced); running it twice changes nothing. Exit code 3 when the server cannot be reached,
    rejects the credentials or a statement fails.
    """
    from kg.write.graphjson import read_graph

    opts = Neo4jOptions(neo4j, neo4j_user, neo4j_password, neo4j_database, neo4j_dialect)
    settings = opts.settings(batch_size=batch_size)
    graph = read_graph(out)
    writer = Neo4jWriter(settings)
    if wipe:
        writer.clear()
    stats = writer.write(graph)
    if not quiet:
        print_write_stats(stats, settings.redacted())
