"""``load()``: paths in, one Paper or Rejected per record out; format detection; the bundled corpus.

Every path is checked before the first record is yielded, so a missing path, a binary file or a
wrong ``fmt`` fails fast (LoaderError, one line naming the path) instead of after half a build.

Examples
--------
>>> papers = [r for r in load(bundled_corpus()) if isinstance(r, Paper)]
>>> len(papers), len({p.id for p in papers})
(391, 333)
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from kg.errors import LoaderError
from kg.registry import loaders as registry
from kg.types import Paper, Rejected
from loaders.arxiv_oai import looks_like_oai
from loaders.base import FormatLoader
from loaders.common import reject
from loaders.hf_daily import looks_like_page
from loaders.jsonl import first_json_line
from loaders.reading import check_text_file, read_head

__all__ = ["FORMATS", "load", "detect_format", "bundled_corpus"]

#: The formats kg ships (plugins registered in kg.registry.loaders can be forced by name too).
FORMATS: tuple[str, ...] = ("hf-daily", "jsonl", "json", "csv", "arxiv-atom", "arxiv-oai")

_COMPRESSED = (".gz", ".bz2")
_HEAD = 65536  # bytes read for detection
_JSONL_EXT = (".jsonl", ".ndjson", ".jsonlines")


def _suffix(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in _COMPRESSED:
        suffixes.pop()
    return suffixes[-1] if suffixes else ""


def _head_text(path: Path) -> str:
    if not path.exists():
        raise LoaderError(f"{path}: no such file or directory")
    if not path.is_file():
        raise LoaderError(f"{path}: not a regular file")
    return check_text_file(path, read_head(path, _HEAD))


def _loader(name: str) -> FormatLoader:
    try:
        cls = registry.get(name)
    except Exception:  # catalogue raises its own RegistryError; entry points may raise anything
        known = ", ".join(sorted(set(FORMATS) | set(registry.get_all())))
        raise LoaderError(f"unknown format {name!r} (known: {known})") from None
    return cls()  # type: ignore[no-any-return]


def _detect_object_file(
    ext: str, lines: list[str], parsed: list[object], objects: list[dict[str, object]], whole: str | None
) -> str:
    """JSON Lines, OAI snapshot or a JSON document, for text starting with ``{``."""
    line_format = "arxiv-oai" if any(looks_like_oai(o) for o in objects) else "jsonl"
    if isinstance(parsed[0], dict):
        if ext == ".json" and len(lines) == 1 and whole is not None:
            return "json"  # one object on one line: a JSON document with a single paper
        return line_format
    if whole is not None:
        try:
            json.loads(whole)
            return "json"  # a small pretty-printed document
        except ValueError:
            pass
    if lines[0].rstrip().endswith(("{", "[", ",", ":")):
        return "json"  # the opening of a pretty-printed document
    # a broken first line followed by objects, one per line
    return line_format if objects else "json"


def _detect(path: Path, head: str) -> str:
    text = head.lstrip()
    if not text:
        raise LoaderError(f"{path}: empty file, nothing to detect")
    ext = _suffix(path)
    first = text[0]
    lines = [ln for ln in text.splitlines() if ln.strip()]
    parsed = [first_json_line(ln) for ln in lines[:5]]
    objects = [p for p in parsed if isinstance(p, dict)]
    if ext in _JSONL_EXT:
        # The extension decides: a broken or non-object first line is a rejected record, not a format.
        return "arxiv-oai" if any(looks_like_oai(o) for o in objects) else "jsonl"
    if first == "<":
        if _loader("arxiv-atom").sniff(text):
            return "arxiv-atom"
        raise LoaderError(f"{path}: XML but not an Atom <feed> (kg reads arXiv API Atom feeds)")
    if first == "[":
        return "json"
    if first == "{":
        return _detect_object_file(ext, lines, parsed, objects, whole=text if len(head) < _HEAD else None)
    if ext in (".csv", ".tsv") or _loader("csv").sniff(text):
        return "csv"
    if looks_like_page(text):
        return "hf-daily"
    raise LoaderError(
        f"{path}: cannot tell its format (none of {', '.join(FORMATS)}); force one with --format"
    )


def detect_format(path: Path) -> str:
    """The format of ``path`` from its content (first 64 KB) and extension.

    ``.jsonl``/``.ndjson`` files are JSON Lines (or the OAI snapshot when their first records have
    its keys). Otherwise content decides first (``<`` Atom, ``[`` JSON array, ``{`` JSON Lines /
    OAI snapshot / JSON object, a header with title and abstract columns CSV, a page date line HF
    daily) and the extension breaks ties (``.json`` holding one one-line object is JSON;
    ``.csv``/``.tsv`` are CSV).

    Raises
    ------
    LoaderError
        Missing path, not a file, binary or empty file, or no format fits.

    Examples
    --------
    >>> detect_format(bundled_corpus()[0])
    'hf-daily'
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "x.json"
    >>> _ = p.write_text('{"title": "a", "abstract": "b"}\\n{"title": "c", "abstract": "d"}\\n')
    >>> detect_format(p)
    'jsonl'
    """
    path = Path(path)
    return _detect(path, _head_text(path))


@dataclass(frozen=True, slots=True)
class _Planned:
    path: Path
    fmt: str | None  # None: nothing to read (skipped, see ``why``)
    why: str = ""


def _plan_file(path: Path, fmt: str | None) -> _Planned:
    head = _head_text(path)
    if not head.strip():
        return _Planned(path, None, "empty file (no records)")
    if fmt is None:
        found = _detect(path, head)
    else:
        found = fmt
        if not _loader(fmt).sniff(head.lstrip()):
            try:
                guess = _detect(path, head)
            except LoaderError:
                guess = "unknown"
            raise LoaderError(f"{path}: does not look like {fmt} (detected: {guess})")
    # JSON Lines is read line by line whatever the first line holds (a bad line is a rejected record).
    if found not in ("jsonl", "arxiv-oai") and not _loader(found).sniff(head.lstrip()):
        raise LoaderError(f"{path}: looks like {found} by its extension but its content does not fit")
    return _Planned(path, found)


def _walk(directory: Path) -> list[Path]:
    files: list[Path] = []
    for root, dirs, names in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))  # .git, .ipynb_checkpoints, ...
        files.extend(Path(root) / n for n in names if not n.startswith("."))
    return sorted(files)


def _plan(paths: Sequence[str | Path], fmt: str | None) -> list[_Planned]:
    plan: list[_Planned] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise LoaderError(f"{path}: no such file or directory")
        if not path.is_dir():
            plan.append(_plan_file(path, fmt))
            continue
        entries = []
        for file in _walk(path):
            try:
                entries.append(_plan_file(file, fmt))
            except LoaderError as exc:
                entries.append(_Planned(file, None, f"skipped: {str(exc).removeprefix(f'{file}: ')}"))
        if not any(e.fmt for e in entries):
            why = "; ".join(f"{e.path.name}: {e.why}" for e in entries[:3]) or "no files"
            raise LoaderError(f"{path}: directory has nothing readable ({why})")
        plan.extend(entries)
    return plan


def _stream(plan: list[_Planned]) -> Iterator[Paper | Rejected]:
    for item in plan:
        if item.fmt is None:
            yield reject(item.path, 0, item.why)
            continue
        last = 0
        try:
            for rec in _loader(item.fmt).read(item.path):
                last = rec.line if isinstance(rec, Rejected) else rec.seen[0].line
                yield rec
        except (OSError, EOFError) as exc:
            # e.g. a truncated .gz: what was read is kept; the rest of the file is one rejection
            yield reject(item.path, last, f"read error after line {last}: {exc}")


def load(paths: Sequence[str | Path], fmt: str | None = None) -> Iterator[Paper | Rejected]:
    """Stream one Paper or Rejected per input record, in input order (duplicates included).

    Parameters
    ----------
    paths : sequence of str or Path
        Files and directories. Directories are walked recursively in sorted order, skipping
        hidden names; a file in a directory that cannot be read (binary, unknown format, empty)
        becomes one Rejected (line 0) instead of an error.
    fmt : str, optional
        Force a format (one of :data:`FORMATS` or a plugin); default: :func:`detect_format` per file.

    Returns
    -------
    Iterator of Paper or Rejected
        Each Paper has ``seen=(Sighting(file, line, page date),)``; Rejected has file, line
        (0 = the file as a whole), reason and the start of the record.

    Raises
    ------
    LoaderError
        At call time, before any record: a missing path, a directory with nothing readable, a
        binary file, a file whose format cannot be told, an unknown ``fmt`` or one the content
        does not fit. An empty file is not an error: it yields one Rejected ("empty file").

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "a.jsonl").write_text('{"title": "T", "abstract": "A"}\\n{"title": ""}\\n')
    >>> [type(r).__name__ for r in load([d])]
    ['Paper', 'Rejected']
    >>> load([d / "missing.jsonl"])
    Traceback (most recent call last):
    ...
    kg.errors.LoaderError: .../missing.jsonl: no such file or directory
    """
    if fmt is not None:
        fmt = fmt.strip().lower()
        _loader(fmt)
    return _stream(_plan(paths, fmt))


def bundled_corpus() -> list[Path]:
    """The four Hugging Face daily-papers page dumps shipped in ``kg/data/hf-daily-papers``.

    Examples
    --------
    >>> [p.name[:3] for p in bundled_corpus()]
    ['000', '001', '002', '003']
    """
    root = Path(str(resources.files("kg").joinpath("data", "hf-daily-papers")))
    return sorted(root.glob("*.txt"))
