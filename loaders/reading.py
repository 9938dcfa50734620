"""Reading input files: decompression, the binary-file check, and lines decoded one at a time.

Decoding rule (docs/formats.md): each line is decoded as UTF-8; a line that is not valid UTF-8 is
decoded as cp1252 (a superset of the printable latin-1 range); a line neither can decode is
reported as undecodable. A UTF-8 BOM is dropped; CRLF and LF both end a line.

A C0 control character other than tab, LF and CR (NUL included), raw or through a JSON escape, or
a lone UTF-16 surrogate (only a JSON ``\\ud800`` escape can make one) rejects the record holding it
(:func:`loaders.text.bad_character`); only a file whose first 64 KB are binary as a whole is refused
(:func:`check_text_file`).
"""

from __future__ import annotations

import bz2
import gzip
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from kg.errors import LoaderError
from loaders.text import REJECTED_CHAR, bad_character

__all__ = ["UNDECODABLE", "Line", "decode_line", "open_binary", "read_head", "check_text_file", "iter_lines"]

#: The reason for a line neither UTF-8 nor cp1252 decodes.
UNDECODABLE = "undecodable bytes (neither UTF-8 nor cp1252)"
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
        return REJECTED_CHAR.sub("", self.text)


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
