"""JSON Lines: one JSON object per line, streamed line by line.

Examples
--------
>>> import tempfile
>>> p = Path(tempfile.mkdtemp()) / "papers.jsonl"
>>> _ = p.write_text('{"title": "T", "abstract": "A"}\\n{broken\\n')
>>> [type(r).__name__ for r in JsonlLoader().read(p)]
['Paper', 'Rejected']
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

from kg.registry import loaders as registry
from kg.types import Paper, Rejected
from loaders.common import record_to_paper, reject
from loaders.reading import iter_lines

__all__ = ["JsonlLoader", "read_json_lines", "first_json_line"]

ToPaper = Callable[..., Paper | Rejected]


def first_json_line(head: str) -> Any:
    """The first non-blank line of ``head`` parsed as JSON, or None if it is not one JSON value.

    Examples
    --------
    >>> first_json_line('\\n{"a": 1}\\n{"a": 2}')
    {'a': 1}
    >>> first_json_line('{\\n "a": 1}') is None
    True
    """
    for line in head.splitlines():
        if line.strip():
            try:
                return json.loads(line)
            except ValueError:
                return None
    return None


def read_json_lines(path: Path, fmt: str, to_paper: ToPaper) -> Iterator[Paper | Rejected]:
    """Stream ``path``: blank lines are skipped, every other line becomes a Paper or a Rejected."""
    for line in iter_lines(path):
        if not line.text.strip():
            continue
        if (problem := line.problem) is not None:
            yield reject(path, line.number, problem, line.text)
            continue
        try:
            record = json.loads(line.text)
        except ValueError as exc:
            yield reject(path, line.number, f"invalid JSON: {exc}", line.text)
            continue
        except RecursionError:
            yield reject(path, line.number, "invalid JSON: nested too deeply", line.text)
            continue
        yield to_paper(record, source=path, line=line.number, fmt=fmt, raw=line.text)


@registry.register("jsonl")
class JsonlLoader:
    """``{"title", "abstract"}`` objects, one per line (+ optional id, authors, date, arxiv_id, url)."""

    name: ClassVar[str] = "jsonl"
    extensions: ClassVar[tuple[str, ...]] = (".jsonl", ".ndjson", ".jsonlines")

    def sniff(self, head: str) -> bool:
        # Lenient on purpose: a broken first line is a rejected record, not a different format.
        return head.lstrip().startswith("{")

    def read(self, path: Path) -> Iterator[Paper | Rejected]:
        return read_json_lines(path, self.name, record_to_paper)
