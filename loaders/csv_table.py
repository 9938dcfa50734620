"""CSV / TSV with a header row: ``title`` and ``abstract`` columns (+ id, authors, date, arxiv_id, url).

Streamed row by row; quoted fields may span lines. Header names are matched case-insensitively
and a few common aliases are accepted (``summary`` for abstract, ``arxiv`` for arxiv_id,
``link`` for url, ``author`` for authors, ``published`` for date). Authors are split on ``;``
(or ``,`` and a final ``and`` when there is no ``;``). Empty cells count as missing.

Examples
--------
>>> import tempfile
>>> p = Path(tempfile.mkdtemp()) / "papers.csv"
>>> _ = p.write_text('title,abstract,authors\\n"A, title","Line one\\nline two","X; Y"\\n,no title,\\n')
>>> [(type(r).__name__, getattr(r, "reason", None)) for r in CsvLoader().read(p)]
[('Paper', None), ('Rejected', 'missing title')]
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from kg.errors import LoaderError
from kg.registry import loaders as registry
from kg.types import Paper, Rejected
from loaders.common import record_to_paper, reject
from loaders.reading import iter_lines

__all__ = ["CsvLoader", "header_columns"]

_ALIASES = {
    "title": "title",
    "abstract": "abstract",
    "summary": "abstract",
    "id": "id",
    "arxiv_id": "arxiv_id",
    "arxiv": "arxiv_id",
    "arxivid": "arxiv_id",
    "url": "url",
    "link": "url",
    "authors": "authors",
    "author": "authors",
    "date": "date",
    "published": "date",
    "categories": "categories",
}
# A 1 MB abstract is a valid cell; the csv module's default limit is 128 KB.
_FIELD_LIMIT = 1 << 30


def _delimiter(path: Path, header: str) -> str:
    if path.suffix.lower() == ".tsv" or (header.count("\t") > header.count(",")):
        return "\t"
    return ";" if header.count(";") > header.count(",") else ","


def header_columns(header: str, delimiter: str = ",") -> list[str]:
    """The canonical column names of a header line (unknown columns keep their own name).

    Examples
    --------
    >>> header_columns("Title,Summary,Link,extra")
    ['title', 'abstract', 'url', 'extra']
    """
    cells = next(csv.reader([header], delimiter=delimiter), [])
    return [_ALIASES.get(c.strip().lower().lstrip("\ufeff"), c.strip()) for c in cells]


@registry.register("csv")
class CsvLoader:
    """Comma-, semicolon- or tab-separated rows under a header with title and abstract columns."""

    name: ClassVar[str] = "csv"
    extensions: ClassVar[tuple[str, ...]] = (".csv", ".tsv")

    def sniff(self, head: str) -> bool:
        header = next((ln for ln in head.splitlines() if ln.strip()), "")
        cols = set(header_columns(header, _delimiter(Path("x.csv"), header)))
        return {"title", "abstract"} <= cols

    def read(self, path: Path) -> Iterator[Paper | Rejected]:
        csv.field_size_limit(max(csv.field_size_limit(), min(_FIELD_LIMIT, sys.maxsize)))
        lines = iter_lines(path)
        bad: dict[int, str] = {}  # line number -> why the row holding it is rejected
        header_line = next((ln for ln in lines if ln.text.strip()), None)
        if header_line is None:
            return
        delimiter = _delimiter(path, header_line.text)
        columns = header_columns(header_line.text, delimiter)
        if not {"title", "abstract"} <= set(columns):
            found = header_line.text[:200]
            raise LoaderError(f"{path}: CSV header has no title and abstract columns: {found!r}")

        pending: list[int] = []  # line numbers read since the last row: that row's lines

        def texts() -> Iterator[str]:
            for ln in lines:
                pending.append(ln.number)
                if (problem := ln.problem) is not None:
                    bad[ln.number] = problem
                    yield ln.safe_text() + "\n"
                    continue
                yield ln.text + "\n"

        reader = csv.reader(texts(), delimiter=delimiter)
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield reject(path, pending[0] if pending else header_line.number, f"invalid CSV: {exc}")
                pending.clear()
                continue
            span = list(pending)
            pending.clear()
            first = span[0] if span else header_line.number
            raw = ",".join(row)
            if not any(cell.strip() for cell in row):
                continue
            problems = [bad.pop(n) for n in span if n in bad]
            if problems:
                yield reject(path, first, problems[0], raw)
                continue
            if len(row) > len(columns):
                yield reject(path, first, f"{len(row)} cells under a {len(columns)}-column header", raw)
                continue
            record = {col: cell for col, cell in zip(columns, row, strict=False) if cell.strip()}
            yield record_to_paper(record, source=path, line=first, fmt=self.name, raw=raw)
