"""What a format loader is. Each format module registers one class in :data:`kg.registry.loaders`.

A plugin package can add a format through the ``kg_loaders`` entry point with a class of this shape;
``loaders.load(paths, fmt="<name>")`` then reads it (content sniffing only covers :data:`FORMATS`).

Examples
--------
>>> from kg.registry import loaders as registry
>>> isinstance(registry.get("jsonl")(), FormatLoader)
True
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar, Protocol, runtime_checkable

from kg.types import Paper, Rejected

__all__ = ["FormatLoader"]


@runtime_checkable
class FormatLoader(Protocol):
    """Reads one input format.

    ``extensions`` are lower-case suffixes with the dot (``.jsonl``); ``sniff(head)`` says whether the
    decoded first 64 KB of a file can be read as this format at all (a forced ``--format`` that
    fails it is refused; detection, stricter, lives in :mod:`loaders.core`); ``read(path)``
    streams one Paper or Rejected per record.
    """

    name: ClassVar[str]
    extensions: ClassVar[tuple[str, ...]]

    def sniff(self, head: str) -> bool: ...

    def read(self, path: Path) -> Iterator[Paper | Rejected]: ...
