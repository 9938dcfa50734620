"""``kg`` command line. Each module below registers its commands on :data:`kg.cli.app.app`."""

from __future__ import annotations

import sys

import click

from kg.cli.app import app, err_console
from kg.errors import KGError

# Command modules: importing them registers their commands (one line each).
from kg.cli import build  # noqa: E402,F401
from kg.cli import explore  # noqa: E402,F401
from kg.cli import rdf  # noqa: E402,F401
from kg.cli import eval  # noqa: E402,F401
from kg.cli import neo4j  # noqa: E402,F401

__all__ = ["app", "main"]


def main() -> None:
    """Entry point: run the app, turning kg errors into one line on stderr and an exit code."""
    try:
        code = app(standalone_mode=False)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        err_console.print("aborted")
        sys.exit(1)
    except KGError as exc:
        err_console.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)
