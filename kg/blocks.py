"""The layout of graph.ttl that the RDF writer promises and the store's loader relies on.

:func:`kg.write.rdf.write_rdf` starts the file with :data:`BLOCKS_MARK`, declares every prefix
above the first triple and ends every subject block with an empty line (string literals never
hold a raw line break), so the file can be cut at empty lines into parts that each parse alone
(:func:`turtle_parts`); :mod:`kg.store` loads such a file part by part. Both import this module,
neither imports the other.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

__all__ = ["BLOCKS_MARK", "GRAPH_TTL", "is_blocks_file", "turtle_parts"]

GRAPH_TTL = "graph.ttl"
#: First line of a Turtle file in blocks.
BLOCKS_MARK = "# kg graph: prefixes first, then one subject block per paragraph"


def turtle_parts(ttl: Path, part_bytes: int) -> Iterator[bytes]:
    """``ttl`` in parts of about ``part_bytes`` that each parse alone (the prefixes repeated).

    Only for files ``kg.write.rdf.write_rdf`` wrote (see :func:`is_blocks_file`).

    Examples
    --------
    >>> import tempfile
    >>> from kg.types import Graph, Paper
    >>> from kg.write.rdf import export_turtle
    >>> with tempfile.TemporaryDirectory() as d:
    ...     export_turtle(Graph(papers=tuple(Paper(f"p{i}", "T", "A") for i in range(50))), Path(d) / "g.ttl")
    ...     parts = list(turtle_parts(Path(d) / "g.ttl", part_bytes=1000))
    >>> len(parts) > 1 and all(p.startswith(b"# kg graph") for p in parts)
    True
    """
    with Path(ttl).open("rb") as f:
        head = [f.readline()]
        lines: list[bytes] = []
        size = 0
        for line in f:
            if not lines and line.startswith(b"@prefix"):
                head.append(line)
                continue
            lines.append(line)
            size += len(line)
            if size >= part_bytes and line in (b"\n", b"\r\n"):
                yield b"".join(head + lines)
                lines, size = [], 0
        if lines:
            yield b"".join(head + lines)


def is_blocks_file(ttl: Path) -> bool:
    """Whether ``kg.write.rdf.write_rdf`` wrote ``ttl`` (its first line is ``BLOCKS_MARK``)."""
    with Path(ttl).open("rb") as f:
        return f.readline().rstrip(b"\r\n") == BLOCKS_MARK.encode()
