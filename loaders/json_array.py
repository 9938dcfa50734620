"""A JSON document: an array of paper objects (or one object, or ``{"papers": [...]}``-style wrapper).

Unlike JSON Lines this reads the whole file into memory (a JSON document cannot be split safely
without a streaming parser); use JSONL for large inputs. When the document is not valid JSON,
the elements of a top-level array are parsed one by one so a broken element is rejected and the
parser resumes at the next ``{`` that starts a valid element.

Examples
--------
>>> import tempfile
>>> p = Path(tempfile.mkdtemp()) / "papers.json"
>>> doc = '[{"title": "T", "abstract": "A"},\\n {"title": oops},\\n {"title": "U", "abstract": "B"}]'
>>> _ = p.write_text(doc)
>>> [(type(r).__name__, r.seen[0].line if hasattr(r, "seen") else r.line) for r in JsonArrayLoader().read(p)]
[('Paper', 1), ('Rejected', 2), ('Paper', 3)]
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from kg.registry import loaders as registry
from kg.types import Paper, Rejected
from loaders.common import record_to_paper, reject
from loaders.reading import decode_line, open_binary
from loaders.text import bad_character

__all__ = ["JsonArrayLoader", "read_json_document"]

_WRAPPER_KEYS = ("papers", "records", "data", "items", "entries", "results")
_decoder = json.JSONDecoder()
_WS = re.compile(r"\s*")


def _decode_file(path: Path) -> tuple[str, list[int]]:
    """Whole-file text (per-line UTF-8/cp1252 fallback) and the numbers of undecodable lines."""
    with open_binary(path) as fh:
        data = fh.read()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), []
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    parts, bad = [], []
    for n, raw in enumerate(data.splitlines(keepends=True), 1):
        text, enc = decode_line(raw)
        parts.append(text)
        if enc is None:
            bad.append(n)
    return "".join(parts), bad


class _Lines:
    """Line number of a position, counted incrementally (positions only move forward)."""

    def __init__(self, text: str) -> None:
        self.text, self.pos, self.line = text, 0, 1

    def at(self, pos: int) -> int:
        if pos >= self.pos:
            self.line += self.text.count("\n", self.pos, pos)
            self.pos = pos
            return self.line
        return self.text.count("\n", 0, pos) + 1


def _salvage(text: str, path: Path, fmt: str, start: int) -> Iterator[Paper | Rejected]:
    """Parse the elements of a top-level array one at a time (``start`` is just after ``[``)."""
    lines = _Lines(text)
    pos = start
    while True:
        m = _WS.match(text, pos)
        pos = m.end() if m else pos
        if pos >= len(text) or text[pos] == "]":
            return
        try:
            value, end = _decoder.raw_decode(text, pos)
        except (ValueError, RecursionError) as exc:
            nxt = _resync(text, pos + 1)
            bad = text[pos : nxt or pos + 300]
            why = bad_character(bad) or f"invalid JSON array element: {exc}"
            yield reject(path, lines.at(pos), why, bad)
            if nxt is None:
                return
            pos = nxt
            continue
        yield record_to_paper(value, source=path, line=lines.at(pos), fmt=fmt, raw=text[pos:end])
        m = _WS.match(text, end)
        pos = m.end() if m else end
        if pos < len(text) and text[pos] == ",":
            pos += 1
        elif pos < len(text) and text[pos] != "]":
            nxt = _resync(text, pos)
            yield reject(path, lines.at(pos), "invalid JSON: expected ',' or ']'", text[pos : pos + 300])
            if nxt is None:
                return
            pos = nxt


def _resync(text: str, pos: int) -> int | None:
    """Position of the next ``{`` from which a whole JSON object followed by ``,`` or ``]`` parses."""
    while (pos := text.find("{", pos)) != -1:
        try:
            _, end = _decoder.raw_decode(text, pos)
        except (ValueError, RecursionError):
            pos += 1
            continue
        m = _WS.match(text, end)
        after = m.end() if m else end
        if after >= len(text) or text[after] in ",]":
            return pos
        pos += 1
    return None


def _records(doc: Any) -> list[Any] | None:
    """The list of records in a parsed document, or None if its shape is not one we know."""
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict):
        if "title" in doc or "abstract" in doc:
            return [doc]
        for key in _WRAPPER_KEYS:
            if isinstance(doc.get(key), list):
                return list(doc[key])
        lists = [v for v in doc.values() if isinstance(v, list)]
        if len(lists) == 1:
            return lists[0]
    return None


def read_json_document(path: Path, fmt: str = "json") -> Iterator[Paper | Rejected]:
    """Yield one Paper or Rejected per element of the document in ``path``."""
    text, bad_lines = _decode_file(path)
    for n in bad_lines:
        yield reject(path, n, "undecodable bytes (neither UTF-8 nor cp1252); the line was read with U+FFFD")
    try:
        doc = json.loads(text)
    except RecursionError:
        yield reject(path, 1, "invalid JSON: nested too deeply", text)
        return
    except ValueError as exc:
        m = _WS.match(text)
        start = m.end() if m else 0
        if start < len(text) and text[start] == "[":
            yield from _salvage(text, path, fmt, start + 1)
        else:
            yield reject(path, getattr(exc, "lineno", 1), f"invalid JSON document: {exc}", text)
        return
    records = _records(doc)
    if records is None:
        yield reject(path, 1, f"JSON document is not an array of papers (got {type(doc).__name__})", text)
        return
    if not isinstance(doc, list) or not records:
        # Elements of a wrapper object are numbered by position (Sighting.line = record number).
        for n, rec in enumerate(records, 1):
            yield record_to_paper(rec, source=path, line=n, fmt=fmt, raw=json.dumps(rec)[:400])
        return
    # Valid JSON: walk the array again with raw_decode only to learn each element's line.
    yield from _salvage(text, path, fmt, text.index("[") + 1)


@registry.register("json")
class JsonArrayLoader:
    """A JSON array of ``{"title", "abstract", ...}`` objects, read whole."""

    name: ClassVar[str] = "json"
    extensions: ClassVar[tuple[str, ...]] = (".json",)

    def sniff(self, head: str) -> bool:
        return head.lstrip()[:1] in ("[", "{")

    def read(self, path: Path) -> Iterator[Paper | Rejected]:
        return read_json_document(path, self.name)
