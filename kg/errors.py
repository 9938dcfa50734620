"""Every error kg raises on purpose. The CLI turns them into one-line messages and exit codes."""

from __future__ import annotations

__all__ = [
    "KGError",
    "InputError",
    "LoaderError",
    "ExtractionError",
    "LinkingError",
    "WriterError",
    "StoreError",
    "PluginNotFoundError",
]


class KGError(Exception):
    """Base class. ``exit_code`` is what the CLI exits with (see ``kg --help``)."""

    exit_code = 1


class InputError(KGError):
    """Bad user input: a missing path, an unreadable or binary file, an unknown format."""

    exit_code = 2


class LoaderError(InputError):
    """A whole input cannot be read (single bad records go to rejected.jsonl instead)."""


class ExtractionError(KGError):
    """The extraction pipeline could not be built or run."""


class LinkingError(KGError):
    """Entity linking failed (e.g. an unreadable knowledge base)."""


class WriterError(KGError):
    """An output or a database could not be written."""

    exit_code = 3


class StoreError(KGError):
    """The embedded store or a query against it failed."""

    exit_code = 3


class PluginNotFoundError(KGError):
    """No plugin is registered under that name."""

    exit_code = 2
