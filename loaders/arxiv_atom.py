"""arXiv API responses: Atom XML (``<feed><entry>...``), parsed incrementally entry by entry.

Uses :class:`xml.etree.ElementTree.XMLPullParser` (the parser behind ``iterparse``) fed one line at
a time, so each entry knows the line it starts on and memory holds one entry at a time. Lines are
decoded like every other text format (UTF-8, else cp1252). ElementTree never fetches external
entities, and expat (>= 2.4) refuses entity-expansion bombs. An XML syntax error ends the file: the
entries before it are kept and the error is one Rejected record.

Examples
--------
>>> import tempfile
>>> p = Path(tempfile.mkdtemp()) / "q.atom"
>>> _ = p.write_text('<feed xmlns="http://www.w3.org/2005/Atom">\\n<entry>\\n'
...     '<id>http://arxiv.org/abs/1706.03762v7</id><title>Attention Is\\n All You Need</title>\\n'
...     '<summary>The dominant models.</summary><author><name>A. Vaswani</name></author>\\n'
...     '</entry>\\n</feed>\\n')
>>> [(x.id, x.title, x.authors, x.seen[0].line) for x in ArxivAtomLoader().read(p)]
[('arxiv:1706.03762', 'Attention Is All You Need', ('A. Vaswani',), 2)]
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar, cast

from kg.registry import loaders as registry
from kg.types import Paper, Rejected
from loaders.common import record_to_paper, reject
from loaders.reading import iter_lines

__all__ = ["ArxivAtomLoader", "entry_record"]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _text(el: ET.Element) -> str:
    return "".join(el.itertext())


def entry_record(entry: ET.Element) -> dict[str, object]:
    """The fields of one ``<entry>`` as a loader record (title, abstract, arxiv_id, authors, ...).

    Examples
    --------
    >>> e = ET.fromstring('<entry><id>http://arxiv.org/abs/2101.00001v1</id><title>T</title>'
    ...                   '<summary>S</summary><category term="cs.LG"/></entry>')
    >>> entry_record(e)["categories"], entry_record(e)["arxiv_id"]
    (['cs.LG'], 'http://arxiv.org/abs/2101.00001v1')
    """
    rec: dict[str, object] = {}
    authors: list[str] = []
    categories: list[str] = []
    for child in entry:
        tag = _local(child.tag)
        if tag == "title":
            rec["title"] = _text(child)
        elif tag == "summary":
            rec["abstract"] = _text(child)
        elif tag == "id":
            rec["arxiv_id"] = _text(child).strip()
        elif tag == "published" or (tag == "updated" and "date" not in rec):
            rec["date"] = _text(child).strip()[:10]
        elif tag == "author":
            authors.extend(_text(n) for n in child if _local(n.tag) == "name")
        elif tag in ("category", "primary_category"):
            term = child.get("term")
            if term and term not in categories:
                categories.append(term)
        elif tag == "link" and (child.get("rel") in (None, "alternate")) and child.get("href"):
            rec["url"] = child.get("href")
    rec["authors"] = authors
    rec["categories"] = categories
    return rec


@registry.register("arxiv-atom")
class ArxivAtomLoader:
    """arXiv API Atom feed: one Paper per ``<entry>``."""

    name: ClassVar[str] = "arxiv-atom"
    extensions: ClassVar[tuple[str, ...]] = (".atom", ".xml")

    def sniff(self, head: str) -> bool:
        stripped = head.lstrip()
        return stripped.startswith("<") and ("<feed" in head or "<entry" in head)

    def read(self, path: Path) -> Iterator[Paper | Rejected]:
        parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start", "end"))
        stack: list[ET.Element] = []
        starts: dict[int, int] = {}  # id(entry) -> line it starts on
        bad: dict[int, str] = {}  # line number -> why the entry holding it is rejected
        line_no = 0
        for line in iter_lines(path):
            line_no = line.number
            text = line.text
            if (problem := line.problem) is not None:
                bad[line.number] = problem
                text = line.safe_text()  # XML forbids the control: expat would end the file here
            try:
                parser.feed(text + "\n")
                # only start/end were asked for: each event is (name, element)
                events = cast(list[tuple[str, ET.Element]], list(parser.read_events()))
            except ET.ParseError as exc:
                yield reject(path, line.number, f"XML syntax error: {exc}", line.text)
                return
            for event, el in events:
                if event == "start":
                    stack.append(el)
                    if _local(el.tag) == "entry":
                        starts[id(el)] = line.number
                    continue
                stack.pop()
                if _local(el.tag) != "entry":
                    continue
                first = starts.pop(id(el), line.number)
                yield self._paper(el, path, first, line.number, bad)
                el.clear()
                if stack:
                    stack[-1].remove(el)  # keep memory flat: the feed never holds old entries
        try:
            parser.close()
        except ET.ParseError as exc:
            yield reject(path, line_no, f"XML syntax error: {exc} (file ends inside an element)")

    def _paper(
        self, el: ET.Element, path: Path, first: int, last: int, bad: dict[int, str]
    ) -> Paper | Rejected:
        raw = ET.tostring(el, encoding="unicode")
        problems = [bad.pop(n) for n in range(first, last + 1) if n in bad]
        if problems:
            return reject(path, first, problems[0], raw)
        rec = entry_record(el)
        arxiv = str(rec.get("arxiv_id", ""))
        if "arxiv.org/api/errors" in arxiv:
            return reject(path, first, f"arXiv API error entry: {str(rec.get('abstract', '')).strip()}", raw)
        if arxiv and not arxiv.startswith(("http://arxiv.org/abs/", "https://arxiv.org/abs/")):
            rec.pop("arxiv_id")  # a non-arXiv Atom feed: its <id> is not an arXiv id
        return record_to_paper(rec, source=path, line=first, fmt=self.name, raw=raw, unescape=True)
