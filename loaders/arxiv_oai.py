"""The arXiv OAI metadata snapshot (Kaggle ``arxiv-metadata-oai-snapshot.json``): JSON Lines, streamed.

Fields used: ``id``, ``title``, ``abstract``, ``authors`` / ``authors_parsed``, ``categories``,
``versions`` (the v1 ``created`` date becomes Paper.date) and ``update_date`` (the fallback date).
Titles and abstracts carry hard line breaks and leading blanks in the snapshot; they are collapsed.

Examples
--------
>>> rec = {"id": "0704.0001", "title": "Calculation of prompt\\n  diphoton",
...        "abstract": "  A fully\\n differential calculation.\\n", "authors": "C. Balazs, E. L. Berger",
...        "categories": "hep-ph cs.LG", "update_date": "2008-11-13",
...        "versions": [{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}]}
>>> p = oai_record_to_paper(rec, source="snap.json", line=1, fmt="arxiv-oai", raw="")
>>> (p.id, p.title, p.date, p.categories)
('arxiv:0704.0001', 'Calculation of prompt diphoton', '2007-04-02', ('hep-ph', 'cs.LG'))
"""

from __future__ import annotations

from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, ClassVar

from kg.registry import loaders as registry
from kg.types import Paper, Rejected
from loaders.common import record_to_paper, reject
from loaders.ids import parse_arxiv_id
from loaders.jsonl import read_json_lines

__all__ = ["ArxivOaiLoader", "oai_record_to_paper", "looks_like_oai"]

_OAI_KEYS = frozenset({"versions", "update_date", "authors_parsed", "submitter", "journal-ref"})


def looks_like_oai(record: Any) -> bool:
    """True for a dict with an ``id`` and at least two snapshot-only keys.

    Examples
    --------
    >>> looks_like_oai({"id": "0704.0001", "versions": [], "update_date": "2008-11-13"})
    True
    >>> looks_like_oai({"id": "x", "title": "T", "abstract": "A"})
    False
    """
    return isinstance(record, dict) and "id" in record and len(_OAI_KEYS & record.keys()) >= 2


def _first_version_date(versions: Any) -> str | None:
    if not isinstance(versions, list) or not versions:
        return None
    first = versions[0]
    created = first.get("created") if isinstance(first, dict) else None
    if not isinstance(created, str):
        return None
    try:
        return parsedate_to_datetime(created).date().isoformat()
    except (TypeError, ValueError, IndexError):
        return None


def _authors(record: dict[str, Any]) -> Any:
    parsed = record.get("authors_parsed")
    if isinstance(parsed, list) and parsed and all(isinstance(a, list) for a in parsed):
        # [last, first, suffix] -> "first last suffix"
        names = [" ".join(str(x) for x in (a[1:2] + a[0:1] + a[2:3]) if x) for a in parsed]
        if all(names):
            return names
    return record.get("authors")


def oai_record_to_paper(
    record: Any, *, source: Path | str, line: int, fmt: str, raw: str
) -> Paper | Rejected:
    """One snapshot record -> Paper (id must be an arXiv id), or Rejected with the reason."""
    if not isinstance(record, dict):
        return reject(source, line, f"record is not an object (got {type(record).__name__})", raw)
    rec_id = record.get("id")
    if rec_id is None:
        return reject(source, line, "missing id (the OAI snapshot keys records by arXiv id)", raw)
    if not isinstance(rec_id, str) or parse_arxiv_id(rec_id) is None:
        return reject(source, line, f"id {rec_id!r} is not an arXiv identifier", raw)
    arxiv = parse_arxiv_id(rec_id)
    mapped = {
        "title": record.get("title"),
        "abstract": record.get("abstract"),
        "arxiv_id": rec_id,
        "authors": _authors(record),
        "categories": record.get("categories"),
        "date": _first_version_date(record.get("versions")) or record.get("update_date"),
        "url": f"https://arxiv.org/abs/{arxiv}",
    }
    return record_to_paper(mapped, source=source, line=line, fmt=fmt, raw=raw, unescape=True)


@registry.register("arxiv-oai")
class ArxivOaiLoader:
    """arXiv OAI metadata snapshot, one JSON object per line."""

    name: ClassVar[str] = "arxiv-oai"
    # The snapshot ships as .json although it is JSON Lines; detection sniffs the first record.
    extensions: ClassVar[tuple[str, ...]] = ()

    def sniff(self, head: str) -> bool:
        # Forcing works on any JSON Lines; records without an arXiv id are then rejected one by one.
        return head.lstrip().startswith("{")

    def read(self, path: Path) -> Iterator[Paper | Rejected]:
        return read_json_lines(path, self.name, oai_record_to_paper)
