"""Hugging Face daily-papers page dumps (the text of huggingface.co/papers saved as .txt).

A page is: header chrome (``new``, ``Get trending papers in your email inbox!``, ``Subscribe``,
``Daily Papers``, ``byAK and the research community``), a date line (``Jul 17``), then one line per
title and one per abstract, separated by blank lines. Known chrome lines anywhere (the header,
``Load more``, page numbers, upvote counts, ...) are skipped; each date line starts a new day.
Lines are paired title -> abstract; a title with no abstract (at the end of the page, before a
date line, or followed by another title) and an abstract with no title are rejected, never
silently dropped.

Papers get ``title:`` ids (the dumps carry no arXiv ids) and a Sighting (file, title line, page
date); the same paper on several pages is yielded once per page and merged by the pipeline.

Examples
--------
>>> import tempfile
>>> p = Path(tempfile.mkdtemp()) / "page.txt"
>>> page = "new\\n\\nSubscribe\\n\\nJul 17\\n\\nA Title\\n\\n" + "An abstract. " * 30 + "\\n\\nLoad more"
>>> _ = p.write_text(page)
>>> [(x.title, x.seen[0].line, x.seen[0].date) for x in HfDailyLoader().read(p)]
[('A Title', 7, 'Jul 17')]
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from kg.registry import loaders as registry
from kg.types import Paper, Rejected
from loaders.common import record_to_paper, reject
from loaders.reading import Line, iter_lines
from loaders.text import clean_text

__all__ = ["HfDailyLoader", "is_date_line", "is_chrome", "looks_like_page"]

_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_DATE = re.compile(rf"^(?:published on\s+)?(?P<date>{_MONTH}\s+\d{{1,2}}(?:,\s*\d{{4}})?)$", re.IGNORECASE)
_CHROME = re.compile(
    r"^(?:new|subscribe|daily papers|papers|trending|get trending papers in your email inbox!?"
    r"|by\s?ak and the research community|load more|show more|see all|view all|previous|next"
    r"|prev|page \d+(?: of \d+)?|\d+|\d+ upvotes?|upvote|submitted by .{1,80}|\u00b7|-|—)$",
    re.IGNORECASE,
)
# Titles are short; an abstract is prose. 300 characters separates them in every dump we have.
_TITLE_MAX = 300


def is_date_line(text: str) -> str | None:
    """The page date on a date line (``Jul 17``, ``Published on Jul 17, 2024``), else None.

    Examples
    --------
    >>> is_date_line("Jul 17"), is_date_line("July 4, 2024"), is_date_line("Julia 4 ever")
    ('Jul 17', 'July 4, 2024', None)
    """
    m = _DATE.match(text.strip())
    return m.group("date") if m else None


def is_chrome(text: str) -> bool:
    """True for page furniture that is neither a title nor an abstract.

    Examples
    --------
    >>> is_chrome("Get trending papers in your email inbox!"), is_chrome("Weak-to-Strong Reasoning")
    (True, False)
    """
    return bool(_CHROME.match(text.strip()))


def looks_like_page(head: str) -> bool:
    """True if the first lines of ``head`` hold a page date or the daily-papers header (detection).

    Examples
    --------
    >>> looks_like_page("new\\n\\nSubscribe\\n\\nJul 17\\n"), looks_like_page("Title\\n\\nAbstract")
    (True, False)
    """
    lines = [ln.strip() for ln in head.splitlines() if ln.strip()][:20]
    return any(is_date_line(ln) for ln in lines) or any(
        "research community" in ln or "Get trending papers" in ln for ln in lines
    )


@registry.register("hf-daily")
class HfDailyLoader:
    """Title / abstract pairs of a Hugging Face daily-papers page dump."""

    name: ClassVar[str] = "hf-daily"
    extensions: ClassVar[tuple[str, ...]] = (".txt",)

    def sniff(self, head: str) -> bool:
        # Forcing hf-daily works on any plain text; only JSON and XML are refused.
        return head.lstrip()[:1] not in ("{", "[", "<")

    def read(self, path: Path) -> Iterator[Paper | Rejected]:
        date: str | None = None
        pending: Line | None = None  # a title waiting for its abstract
        units = self._units(path)
        lookahead: list[Line] = []

        def next_unit() -> Line | None:
            return lookahead.pop() if lookahead else next(units, None)

        while (unit := next_unit()) is not None:
            if (problem := unit.problem) is not None:
                # The line is a title or an abstract; either way the pair it belongs to is lost.
                if pending is not None:
                    why = f"title whose abstract was rejected ({problem})"
                    yield reject(path, pending.number, why, pending.text)
                    pending = None
                yield reject(path, unit.number, problem, unit.text)
                continue
            text = unit.text.strip()
            if (day := is_date_line(text)) is not None:
                if pending is not None:
                    yield reject(path, pending.number, "title without an abstract", pending.text)
                    pending = None
                date = day
                continue
            if is_chrome(text):
                continue
            if pending is None:
                if len(clean_text(text)) > _TITLE_MAX:
                    yield reject(path, unit.number, "abstract without a title", text)
                else:
                    pending = unit
                continue
            # `pending` is a title; `unit` is its abstract unless it is title-sized and the next
            # line is abstract-sized (then `pending` lost its abstract and `unit` is the next title).
            if len(clean_text(text)) <= _TITLE_MAX:
                nxt = next_unit()
                if nxt is not None:
                    lookahead.append(nxt)
                    if nxt.problem is None and len(clean_text(nxt.text)) > _TITLE_MAX:
                        yield reject(path, pending.number, "title without an abstract", pending.text)
                        pending = unit
                        continue
            yield record_to_paper(
                {"title": pending.text, "abstract": text},
                source=path,
                line=pending.number,
                fmt=self.name,
                raw=f"{pending.text}\n{text}",
                date=date,
                unescape=True,  # text copied from an HTML page may keep its entities
            )
            pending = None
        if pending is not None:
            yield reject(path, pending.number, "title without an abstract (end of page)", pending.text)

    def _units(self, path: Path) -> Iterator[Line]:
        """The non-blank lines of the page."""
        return (line for line in iter_lines(path) if line.text.strip())
