"""The typer app every ``kg`` command registers on, and the options they share.

Exit codes (also in ``kg --help``): 0 ok, 1 internal error, 2 bad input or usage,
3 an output, store or database could not be written or reached.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

__all__ = ["app", "console", "err_console", "say", "OutDir", "Quiet", "DEFAULT_OUT"]

HELP = """kg: a knowledge graph of ML research from paper titles and abstracts.

Typical use: `kg build` (bundled sample corpus) or `kg build papers.jsonl --out out/`,
then open out/graph.html, query with `kg query`, serve SPARQL with `kg serve`,
or push to Neo4j with `kg push --neo4j bolt://localhost:7687`.

Exit codes: 0 ok; 1 internal error; 2 bad input or usage (missing path, unreadable file,
unknown format); 3 an output, store or database could not be written or reached.
"""

app = typer.Typer(no_args_is_help=True, help=HELP, rich_markup_mode=None, add_completion=False)
console = Console()
err_console = Console(stderr=True)

DEFAULT_OUT = Path("kg-out")


def say(text: str, err: bool = False) -> None:
    """One line as it is: never wrapped at the terminal's width, no markup, no highlighting.

    For lines that name files, counts and versions, which scripts parse and tests assert
    (human tables go through rich and may wrap).
    """
    (err_console if err else console).print(text, soft_wrap=True, markup=False, highlight=False, emoji=False)

OutDir = Annotated[
    Path,
    typer.Option("--out", "-o", help="Build directory (what `kg build` wrote).", show_default=True),
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar and no summary.")]
