"""Helpers every loader shares: paper ids, text cleanup, decoding, line reading, record -> Paper.

Decoding rule (docs/formats.md): each line is decoded as UTF-8; a line that is not valid UTF-8 is
decoded as cp1252 (a superset of the printable latin-1 range); a line neither can decode is
reported as undecodable. A UTF-8 BOM is dropped; CRLF and LF both end a line.

A C0 control character other than tab, LF and CR (NUL included), raw or through a JSON escape, or
a lone UTF-16 surrogate (only a JSON ``\\ud800`` escape can make one) rejects the record holding it
(:func:`bad_character`); only a file whose first 64 KB are binary as a whole is refused
(:func:`check_text_file`).

Examples
--------
>>> paper_id("BERT:  Pre-training of Deep Bidirectional Transformers", None)
'title:6058ad6dad03a165'
>>> paper_id("anything", "arXiv:1810.04805v2")
'arxiv:1810.04805'
>>> clean_text("  two\\r\\n lines ")
'two lines'
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from html.entities import html5 as html5_entities
from pathlib import Path
from typing import IO, Any

from kg.errors import LoaderError
from kg.types import Paper, Rejected, Sighting

__all__ = [
    "SNIPPET_CHARS",
    "UNDECODABLE",
    "Line",
    "paper_id",
    "normalise_title",
    "parse_arxiv_id",
    "clean_text",
    "HTML_ENTITY",
    "decode_entity",
    "unescape_entities",
    "decode_line",
    "bad_character",
    "open_binary",
    "read_head",
    "check_text_file",
    "iter_lines",
    "snippet",
    "reject",
    "record_to_paper",
]

#: How much of a bad record a Rejected keeps (enough to find it, not a 1 MB copy).
SNIPPET_CHARS = 300
#: The reason for a line neither UTF-8 nor cp1252 decodes.
UNDECODABLE = "undecodable bytes (neither UTF-8 nor cp1252)"

_WS = re.compile(r"\s+")
_AND = re.compile(r"\s+and\s+")
_NON_WORD = re.compile(r"[\W_]+")
# New-style (YYMM.NNNN[N]) and old-style (archive[.SUBJ]/YYMMNNN) arXiv identifiers.
_ARXIV_NEW = r"\d{4}\.\d{4,5}"
_ARXIV_OLD = r"[a-z][a-z\-]*(?:\.[A-Za-z\-]{2,})?/\d{7}"
_ARXIV_ID = re.compile(rf"^(?P<id>{_ARXIV_NEW}|{_ARXIV_OLD})(?:v\d+)?$", re.IGNORECASE)
_ARXIV_PREFIX = re.compile(
    r"^(?:arxiv:|(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/)", re.IGNORECASE
)
_SURROGATE = re.compile("[\ud800-\udfff]")
# What rejects a record: C0 controls except tab, LF, CR (text never needs them), lone surrogates.
_REJECTED_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
#: An HTML entity in its strict form: named, decimal or hex, always with the semicolon.
HTML_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
# Control characters (category Cc) that str.isspace() does not count as whitespace.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")
# Binary signatures we name in the error, so users know what they pointed at.
_MAGIC = {
    b"%PDF": "PDF",
    b"PK\x03\x04": "zip",
    b"\x89PNG": "PNG",
    b"\xff\xd8\xff": "JPEG",
    b"GIF8": "GIF",
    b"\x7fELF": "ELF executable",
    b"SQLite format 3": "SQLite",
    b"\x28\xb5\x2f\xfd": "zstd",
    b"\xfd7zXZ": "xz",
}
_BOMS = (b"\xef\xbb\xbf",)
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def normalise_title(title: str) -> str:
    """Return the form of ``title`` that ids hash: NFKC, casefolded, punctuation and spaces collapsed.

    The title is cleaned first (:func:`clean_text`), so a raw title and the Paper.title made from
    it hash the same.

    Examples
    --------
    >>> normalise_title("BERT:  Pre-Training\\tof  Deep Transformers!")
    'bert pre training of deep transformers'
    >>> normalise_title("???")
    '???'
    """
    folded = unicodedata.normalize("NFKC", clean_text(title)).casefold()
    words = _NON_WORD.sub(" ", folded).strip()
    # A title of punctuation only still needs a stable, non-empty key.
    return words or _WS.sub(" ", folded).strip()


def parse_arxiv_id(value: str) -> str | None:
    """Return the version-less arXiv id in ``value`` (bare, ``arXiv:`` or abs/pdf URL), else None.

    Examples
    --------
    >>> parse_arxiv_id("http://arxiv.org/abs/2101.00001v3")
    '2101.00001'
    >>> parse_arxiv_id("hep-th/9901001v1")
    'hep-th/9901001'
    >>> parse_arxiv_id("my-paper-7") is None
    True
    """
    text = _ARXIV_PREFIX.sub("", value.strip())
    text = text.removesuffix(".pdf")
    m = _ARXIV_ID.match(text)
    return m.group("id") if m else None


def paper_id(title: str, arxiv_id: str | None) -> str:
    """Stable paper id: ``arxiv:<id without version>`` if known, else a hash of the normalised title.

    Parameters
    ----------
    title : str
        The paper title (only used when there is no arXiv id).
    arxiv_id : str or None
        An arXiv id in any spelling :func:`parse_arxiv_id` accepts. One it cannot parse is ignored.

    Returns
    -------
    str
        ``arxiv:<id>`` or ``title:<first 16 hex of sha1(normalise_title(title))>``.

    Examples
    --------
    >>> paper_id("Attention Is All You Need", "1706.03762v7")
    'arxiv:1706.03762'
    >>> paper_id("Attention is all you need.", None) == paper_id("ATTENTION  IS ALL YOU NEED", None)
    True
    """
    if arxiv_id:
        parsed = parse_arxiv_id(arxiv_id)
        if parsed:
            return f"arxiv:{parsed}"
    digest = hashlib.sha1(normalise_title(title).encode("utf-8")).hexdigest()
    return f"title:{digest[:16]}"


def clean_text(text: str) -> str:
    """Collapse whitespace (hard line breaks too), drop control characters, NFC-normalise.

    Lone surrogates (possible from JSON ``\\ud800`` escapes) become U+FFFD so every output
    encoder can write the text.

    Examples
    --------
    >>> clean_text("Deep\\n  learning\\x00 for\\u00a0all ")
    'Deep learning for all'
    >>> clean_text("bad \\ud800 char")
    'bad \\ufffd char'
    """
    if not text.isprintable():  # fast path: most text has neither surrogates nor controls
        text = _CONTROL.sub("", _SURROGATE.sub("\ufffd", text))
    text = " ".join(text.split())  # str.split() and isspace() agree on what whitespace is
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def bad_character(text: str) -> str | None:
    """Why ``text`` cannot be part of a record (a C0 control or a lone surrogate), else None.

    Examples
    --------
    >>> bad_character("fine\\tline\\r")
    >>> bad_character("nul\\x00 here")
    'control character U+0000 at character 4'
    >>> bad_character("half \\ud83d")
    'lone surrogate U+D83D at character 6'
    """
    m = _REJECTED_CHAR.search(text)
    if m is None:
        return None
    kind = "lone surrogate" if m.group() >= "\ud800" else "control character"
    return f"{kind} U+{ord(m.group()):04X} at character {m.start() + 1}"


def decode_entity(entity: str) -> str:
    """The character(s) of one strict HTML entity (``&amp;``, ``&#39;``, ``&#x27;``); unknown as is.

    Examples
    --------
    >>> decode_entity("&amp;"), decode_entity("&#39;"), decode_entity("&#x3b1;"), decode_entity("&nope;")
    ('&', "'", 'α', '&nope;')
    >>> decode_entity("&nbsp;")
    ' '
    """
    if entity[1] == "#":
        try:
            code = int(entity[3:-1], 16) if entity[2] in "xX" else int(entity[2:-1])
            # No entity may smuggle in what a record is rejected for (controls, surrogates).
            ok = code in (9, 10, 13) or 32 <= code < 0x110000 and not 0xD800 <= code < 0xE000
            char = chr(code) if ok else "\ufffd"
        except ValueError:
            return entity
    else:
        char = html5_entities.get(entity[1:], entity)
    # A no-break space is a space to every stage after this one (tokenizer, keys, output).
    return " " if char == "\xa0" else char


def unescape_entities(text: str) -> str:
    """Decode HTML entities left in text that came through HTML or XML escaping.

    Only the strict ``&name;`` / ``&#N;`` forms: ``html.unescape`` would also read ``&para``
    without its semicolon, and "P&param" is no paragraph sign.

    Examples
    --------
    >>> unescape_entities("Q&amp;A: R&D &lt;3, it&#39;s &copy; AT&T")
    "Q&A: R&D <3, it's © AT&T"
    """
    return HTML_ENTITY.sub(lambda m: decode_entity(m.group()), text) if "&" in text else text


def decode_line(raw: bytes) -> tuple[str, str | None]:
    """Decode one line: UTF-8, else cp1252. Returns (text, encoding used) - encoding None if neither.

    Examples
    --------
    >>> decode_line("café".encode("utf-8"))
    ('café', 'utf-8')
    >>> decode_line("café".encode("latin-1"))
    ('café', 'cp1252')
    >>> decode_line(b"\\x81\\x8d")[1] is None
    True
    """
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        pass
    return raw.decode("utf-8", errors="replace"), None


def open_binary(path: Path) -> IO[bytes]:
    """Open ``path`` for reading bytes, transparently decompressing gzip and bzip2.

    Examples
    --------
    >>> import tempfile, gzip, os
    >>> p = Path(tempfile.mkdtemp()) / "a.jsonl.gz"
    >>> p.write_bytes(gzip.compress(b"hello"))
    25
    >>> with open_binary(p) as fh:
    ...     fh.read()
    b'hello'
    """
    try:
        fh: IO[bytes] = open(path, "rb")  # noqa: SIM115 - returned to the caller
    except OSError as exc:
        raise LoaderError(f"{path}: cannot open ({exc.strerror or exc})") from None
    magic = fh.read(3)
    fh.seek(0)
    if magic[:2] == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=fh, mode="rb")  # type: ignore[return-value]
    if magic == b"BZh":
        return bz2.BZ2File(fh, mode="rb")
    return fh


def read_head(path: Path, size: int = 65536) -> bytes:
    """Return the first ``size`` (decompressed) bytes of ``path``; LoaderError if unreadable.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "a.txt"
    >>> _ = p.write_text("abc")
    >>> read_head(p)
    b'abc'
    """
    try:
        with open_binary(path) as fh:
            return fh.read(size)
    except (OSError, EOFError) as exc:
        raise LoaderError(f"{path}: cannot read ({exc})") from None


def check_text_file(path: Path, head: bytes) -> str:
    """Raise LoaderError if ``head`` (a file's first bytes) is binary; else return it decoded.

    The returned text has any BOM removed and undecodable lines replaced, for sniffing only.

    Examples
    --------
    >>> check_text_file(Path("x.txt"), b"\\xef\\xbb\\xbfhello\\r\\n")
    'hello\\r\\n'
    >>> check_text_file(Path("x.pdf"), b"%PDF-1.7 ...")
    Traceback (most recent call last):
    ...
    kg.errors.LoaderError: x.pdf: binary file (PDF), not a text format kg reads
    """
    for magic, name in _MAGIC.items():
        if head.startswith(magic):
            raise LoaderError(f"{path}: binary file ({name}), not a text format kg reads")
    if head.startswith(_UTF16_BOMS):
        return head.decode("utf-16", errors="replace")
    if head.startswith(_BOMS):
        head = head[3:]
    # Binary as a whole: a text file holds control bytes only by accident (that record is
    # rejected, the file kept); 5% NULs (UTF-16 without a BOM has 50%) or 8% C0 controls (random
    # bytes have 11%) is no text.
    controls = sum(1 for b in head if b < 32 and b not in b"\t\n\r\f")
    if head and (head.count(0) / len(head) > 0.05 or controls / len(head) > 0.08):
        raise LoaderError(f"{path}: binary file (control bytes in the first {len(head)} bytes)")
    # A cut through a multi-byte character at the end of the head is not an error.
    return "".join(decode_line(line)[0] for line in head.splitlines(keepends=True))


@dataclass(frozen=True, slots=True)
class Line:
    """One physical line: 1-based number, decoded text (no line end), encoding or None if undecodable."""

    number: int
    text: str
    encoding: str | None
    raw: bytes

    @property
    def problem(self) -> str | None:
        """Why the record holding this line is rejected (undecodable, a control byte), else None.

        Examples
        --------
        >>> Line(1, "a\\x00b", "utf-8", b"a\\x00b").problem
        'control character U+0000 at character 2'
        """
        if self.encoding is None:
            return UNDECODABLE
        return bad_character(self.text)

    def safe_text(self) -> str:
        """The text without the characters that rejected it, for parsers that would choke on them."""
        return _REJECTED_CHAR.sub("", self.text)


def iter_lines(path: Path) -> Iterator[Line]:
    """Stream the lines of ``path`` one at a time (never the whole file), decoding each on its own.

    UTF-16 files (with a BOM) are decoded as a whole stream instead.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "a.txt"
    >>> _ = p.write_bytes(b"\\xef\\xbb\\xbfone\\r\\ncaf\\xe9\\n")
    >>> [(x.number, x.text, x.encoding) for x in iter_lines(p)]
    [(1, 'one', 'utf-8'), (2, 'café', 'cp1252')]
    """
    with open_binary(path) as fh:
        first = fh.read(2)
        fh.seek(0)
        if first in _UTF16_BOMS:
            wrapper = io.TextIOWrapper(fh, encoding="utf-16", errors="replace", newline=None)
            for n, s in enumerate(wrapper, 1):
                yield Line(n, s.rstrip("\n"), "utf-16", b"")
            return
        for n, raw in enumerate(fh, 1):
            if n == 1 and raw.startswith(_BOMS):
                raw = raw[3:]
            raw = raw.rstrip(b"\n").rstrip(b"\r")
            text, enc = decode_line(raw)
            yield Line(n, text, enc, raw)


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
