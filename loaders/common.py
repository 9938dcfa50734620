"""Record -> Paper, the step every loader shares: field checks, names lists, ids, and Rejected rows.

Reading files is :mod:`loaders.reading`, text cleanup :mod:`loaders.text`, paper ids :mod:`loaders.ids`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kg.types import Paper, Rejected, Sighting
from loaders.ids import paper_id, parse_arxiv_id
from loaders.text import HTML_ENTITY, bad_character, clean_text, decode_entity, unescape_entities

__all__ = [
    "SNIPPET_CHARS",
    "snippet",
    "reject",
    "record_to_paper",
    # kg/extract/normalize.py imports these two from here
    "HTML_ENTITY",
    "decode_entity",
]

#: How much of a bad record a Rejected keeps (enough to find it, not a 1 MB copy).
SNIPPET_CHARS = 300

_AND = re.compile(r"\s+and\s+")


def snippet(text: str) -> str:
    """The start of a bad record, for Rejected.record.

    Examples
    --------
    >>> len(snippet("x" * 10_000))
    301
    """
    return text if len(text) <= SNIPPET_CHARS else text[:SNIPPET_CHARS] + "…"


def reject(source: Path | str, line: int, reason: str, record: str = "") -> Rejected:
    """Build a Rejected with a trimmed record snippet.

    Examples
    --------
    >>> reject("a.jsonl", 3, "invalid JSON", "{oops").reason
    'invalid JSON'
    """
    return Rejected(source=str(source), line=line, reason=reason, record=snippet(record))


def _text_field(record: Mapping[str, Any], key: str, required: bool) -> tuple[str | None, str | None]:
    """(value, error) for a string field; numbers are not accepted where text is meant."""
    value = record.get(key)
    if value is None:
        return None, (f"missing {key}" if required else None)
    if not isinstance(value, str):
        return None, f"{key} is not a string (got {type(value).__name__})"
    if (bad := bad_character(value)) is not None:
        return None, f"{bad} in {key}"
    cleaned = clean_text(value)
    if required and not cleaned:
        return None, f"empty {key}"
    return cleaned or None, None


def _names(value: Any, key: str) -> tuple[tuple[str, ...], str | None]:
    """Authors / categories: a list of strings (or of {"name": ...}), or one delimited string.

    Examples
    --------
    >>> _names("A. One, B. Two and C. Three", "authors")[0]
    ('A. One', 'B. Two', 'C. Three')
    >>> _names("Smith, J. and Doe, K.", "authors")[0]
    ('Smith, J.', 'Doe, K.')
    >>> _names("cs.LG cs.CL", "categories")[0]
    ('cs.LG', 'cs.CL')
    """
    if value is None:
        return (), None
    if isinstance(value, str):
        if (bad := bad_character(value)) is not None:
            return (), f"{bad} in {key}"
        if key != "authors":
            parts = value.split(";") if ";" in value else value.split()
        elif ";" in value:
            parts = value.split(";")
        else:
            by_and = _AND.split(value)
            if len(by_and) > 1 and all(p.count(",") == 1 for p in by_and):
                parts = by_and  # BibTeX style: "Smith, J. and Doe, K."
            else:
                parts = [q for p in value.split(",") for q in _AND.split(p)]  # "A, B and C"
        return tuple(p for p in (clean_text(x) for x in parts) if p), None
    if isinstance(value, list):
        out: list[str] = []
        for item in value:
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                item = item["name"]
            if not isinstance(item, str):
                return (), f"{key} must be strings (got {type(item).__name__} in the list)"
            if (bad := bad_character(item)) is not None:
                return (), f"{bad} in {key}"
            if cleaned := clean_text(item):
                out.append(cleaned)
        return tuple(out), None
    return (), f"{key} is not a list or string (got {type(value).__name__})"


def record_to_paper(
    record: Any,
    *,
    source: Path | str,
    line: int,
    fmt: str,
    raw: str,
    date: str | None = None,
    unescape: bool = False,
) -> Paper | Rejected:
    """Turn one JSON/CSV record (``title``, ``abstract``, optional ``id``, ``authors``, ``date``,
    ``arxiv_id``, ``url``, ``categories``) into a Paper, or a Rejected saying what is wrong.

    ``unescape``: the source escaped its text for HTML/XML (arXiv feeds, saved web pages), so
    entities left in title and abstract (``&amp;``) are decoded (docs/formats.md says why here).

    Paper.id is ``arxiv:<id>`` when an arXiv id is known (from ``arxiv_id``, else ``id``, else an
    arxiv.org ``url``); else the record's own non-empty ``id``, verbatim; else the title hash.

    Examples
    --------
    >>> p = record_to_paper({"title": "T", "abstract": " A\\n b", "id": "2101.00001v2"},
    ...                     source="f.jsonl", line=1, fmt="jsonl", raw="")
    >>> (p.id, p.abstract, p.seen[0].line)
    ('arxiv:2101.00001', 'A b', 1)
    >>> record_to_paper({"title": "T", "abstract": "A", "id": "g00"}, source="f", line=1, fmt="", raw="").id
    'g00'
    >>> record_to_paper({"title": 3, "abstract": "A"}, source="f", line=2, fmt="jsonl", raw="x").reason
    'title is not a string (got int)'
    """
    if not isinstance(record, dict):
        return reject(source, line, f"record is not an object (got {type(record).__name__})", raw)
    title, err = _text_field(record, "title", True)
    if err is None:
        abstract, err = _text_field(record, "abstract", True)
    if err is not None or title is None or abstract is None:
        return reject(source, line, err or "missing title or abstract", raw)
    if unescape:
        title, abstract = clean_text(unescape_entities(title)), clean_text(unescape_entities(abstract))
    fields: dict[str, str | None] = {}
    for key in ("arxiv_id", "url"):
        fields[key], err = _text_field(record, key, False)
        if err:
            return reject(source, line, err, raw)
    rec_id = record.get("id")
    if rec_id is not None and (isinstance(rec_id, bool) or not isinstance(rec_id, str | int)):
        return reject(source, line, f"id is not a string (got {type(rec_id).__name__})", raw)
    rec_date = record.get("date")
    if rec_date is not None and (isinstance(rec_date, bool) or not isinstance(rec_date, str | int)):
        return reject(source, line, f"date is not a string (got {type(rec_date).__name__})", raw)
    for key, value in (("id", rec_id), ("date", rec_date)):
        if isinstance(value, str) and (bad := bad_character(value)) is not None:
            return reject(source, line, f"{bad} in {key}", raw)
    authors, err = _names(record.get("authors"), "authors")
    if err:
        return reject(source, line, err, raw)
    categories, err = _names(record.get("categories"), "categories")
    if err:
        return reject(source, line, err, raw)
    arxiv = None
    for candidate in (fields["arxiv_id"], str(rec_id) if rec_id is not None else None, fields["url"]):
        if candidate and (arxiv := parse_arxiv_id(candidate)):
            break
    if fields["arxiv_id"] and arxiv is None:
        return reject(source, line, f"arxiv_id {fields['arxiv_id']!r} is not an arXiv identifier", raw)
    own_id = clean_text(str(rec_id)) if rec_id is not None else ""
    return Paper(
        # The record's own id names the paper when it is not an arXiv id (dev-gold "g00" stays "g00").
        id=paper_id(title, arxiv) if arxiv or not own_id else own_id,
        title=title,
        abstract=abstract,
        date=clean_text(str(rec_date)) or None if rec_date is not None else None,
        url=fields["url"],
        arxiv_id=arxiv,
        authors=authors,
        categories=categories,
        source=fmt,
        seen=(Sighting(str(source), line, date),),
    )
