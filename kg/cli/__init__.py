"""``kg`` command line. Each module below registers its commands on :data:`kg.cli.app.app`."""

from __future__ import annotations

import os
import sys

import click
import typer
from rich.markup import escape

# Command modules: importing them registers their commands (one line each).
from kg.cli import (
    build,  # noqa: E402,F401
    eval,  # noqa: E402,F401
    explore,  # noqa: E402,F401
    leaderboard,  # noqa: E402,F401
    neo4j,  # noqa: E402,F401
    rdf,  # noqa: E402,F401
)
from kg.cli.app import app, err_console
from kg.errors import KGError

__all__ = ["app", "main"]


# typer >= 0.26 vendors click: its usage errors are not click's classes, so catch both families.
_CLICK_ERRORS: tuple[type[Exception], ...] = (click.ClickException, typer.TyperException)
_ABORTS: tuple[type[BaseException], ...] = (click.exceptions.Abort, typer.Abort)


def main() -> None:
    """Entry point: run the app, turning kg errors into one line on stderr and an exit code.

    Set ``KG_DEBUG=1`` to see the traceback of an unexpected error instead of the one-line report.
    """
    try:
        code = app(standalone_mode=False)
    except KGError as exc:
        err_console.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except _ABORTS:
        err_console.print("aborted")
        sys.exit(1)
    except _CLICK_ERRORS as exc:
        show = getattr(exc, "show", None)
        if show is None:
            err_console.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        else:
            show()
        sys.exit(getattr(exc, "exit_code", 2))
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("KG_DEBUG"):
            raise
        err_console.print(
            f"[red]internal error:[/red] {type(exc).__name__}: {escape(str(exc))} "
            "(a bug in kg: re-run with KG_DEBUG=1 for the traceback and report it)",
            highlight=False,
            soft_wrap=True,
        )
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
