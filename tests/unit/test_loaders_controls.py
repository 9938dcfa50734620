"""A control byte or a lone surrogate inside one record rejects that record, in every format;
only a file that is binary as a whole is refused (docs/formats.md)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

import loaders
from kg.errors import LoaderError
from kg.types import Paper, Rejected

sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures"))
from loader_records import ABSTRACT, outcome  # noqa: E402


def jsonl(*titles: str) -> bytes:
    return b"".join(
        json.dumps({"title": "@", "abstract": ABSTRACT}).encode().replace(b"@", t.encode()) + b"\n"
        for t in titles
    )


def json_array(*titles: str) -> bytes:
    """A JSON array of one paper a title, one element a line; a NUL in a title stays a raw byte."""
    elements = [json.dumps({"title": t, "abstract": ABSTRACT}) for t in titles]
    return ("[\n" + ",\n".join(elements) + "\n]\n").encode().replace(b"\\u0000", b"\x00")


def atom(*titles: str) -> bytes:
    """An arXiv Atom feed of one two-line entry a title."""
    entry = "<entry><id>http://arxiv.org/abs/2101.0000{n}v1</id>\n<title>{t}</title><summary>S</summary></entry>\n"
    body = "".join(entry.format(n=n, t=t) for n, t in enumerate(titles, 1))
    return f'<feed xmlns="http://www.w3.org/2005/Atom">\n{body}</feed>\n'.encode()


def oai_snapshot(*abstracts: str) -> bytes:
    """An arXiv OAI snapshot (JSON lines) of one paper titled "T" an abstract, ids 2101.00001, ..."""
    records = [
        {"id": f"2101.{n:05}", "title": "T", "abstract": a, "versions": [], "update_date": "2021"}
        for n, a in enumerate(abstracts, 1)
    ]
    return "".join(json.dumps(r) + "\n" for r in records).encode()


OAI_WITH_A_NUL = oai_snapshot(ABSTRACT, "x\u0000y", ABSTRACT)

# A NUL inside the middle record of a file, in each format: (file name, bytes, what loading yields in
# order: (P, line, title) or (R, line, reason)). Only that record is rejected; the ones after it stay.
NUL_IN_ONE_RECORD = [
    (
        "day.jsonl",
        jsonl("First", "Bro\x00ken", "Third"),
        [("P", 1, "First"), ("R", 2, "control character U+0000 at character 15"), ("P", 3, "Third")],
    ),
    (
        "arxiv-metadata-oai-snapshot.json",
        OAI_WITH_A_NUL,
        [("P", 1, "T"), ("R", 2, "control character U+0000 at character 2 in abstract"), ("P", 3, "T")],
    ),
    (
        "a.json",
        json_array("One", "T\x00wo", "Three"),
        [("P", 2, "One"), ("R", 3, "control character U+0000 at character 13"), ("P", 4, "Three")],
    ),
    (
        "p.csv",
        b'title,abstract\nOne,"a\nb"\nT\x00wo,x\nThree,y\n',
        [("P", 2, "One"), ("R", 4, "control character U+0000 at character 2"), ("P", 5, "Three")],
    ),
    (
        "q.atom",
        atom("One", "T\x00wo", "Three"),
        [("P", 2, "One"), ("R", 4, "control character U+0000 at character 9"), ("P", 6, "Three")],
    ),
]


@pytest.mark.parametrize(("name", "content", "expected"), NUL_IN_ONE_RECORD, ids=[c[0] for c in NUL_IN_ONE_RECORD])
def test_nul_byte_inside_one_record_rejects_only_that_record(
    tmp_path: Path, name: str, content: bytes, expected: list[tuple[str, int, str]]
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    assert outcome(list(loaders.load([path]))) == expected


@pytest.mark.parametrize("char", ["\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f"])
def test_every_c0_control_but_tab_lf_cr_rejects(tmp_path: Path, char: str) -> None:
    path = tmp_path / "day.jsonl"
    path.write_bytes(jsonl("Good", f"Bad{char}", "Tab\\tand\\rCR"))
    result = outcome(list(loaders.load([path])))
    assert [r[0] for r in result] == ["P", "R", "P"]
    assert result[1][2] == f"control character U+{ord(char):04X} at character 15"


def test_lone_surrogate_escapes_reject_high_and_low_alike(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text(
        '{"title": "High \\ud800", "abstract": "a"}\n'
        '{"title": "Low", "abstract": "a \\udfff"}\n'
        '{"title": "Pair \\ud83d\\ude00", "abstract": "a", "authors": ["X \\udc00"]}\n'
        '{"title": "Pair \\ud83d\\ude00", "abstract": "a"}\n'
    )
    assert outcome(list(loaders.load([path]))) == [
        ("R", 1, "lone surrogate U+D800 at character 6 in title"),
        ("R", 2, "lone surrogate U+DFFF at character 3 in abstract"),
        ("R", 3, "lone surrogate U+DC00 at character 3 in authors"),
        ("P", 4, "Pair \U0001f600"),
    ]


def test_oai_snapshot_with_a_nul_is_still_detected_as_oai(tmp_path: Path) -> None:
    path = tmp_path / "arxiv-metadata-oai-snapshot.json"
    path.write_bytes(OAI_WITH_A_NUL)
    assert loaders.detect_format(path) == "arxiv-oai"


def test_hf_page_title_with_a_nul_rejects_its_pair(tmp_path: Path) -> None:
    abstract = "An abstract sentence that is long enough. " * 10
    page = f"Jul 17\n\nOne\n\n{abstract}\n\nT\x00wo\n\n{abstract}\n\nThree\n\n{abstract}\n"
    path = tmp_path / "page.txt"
    path.write_bytes(page.encode())
    result = outcome(list(loaders.load([path])))
    assert result[0] == ("P", 3, "One") and result[-1] == ("P", 11, "Three")
    assert ("R", 7, "control character U+0000 at character 2") in result
    assert all(r[0] == "R" for r in result[1:-1])  # the orphaned abstract is reported too, not lost


def test_binary_file_as_a_whole_is_still_refused(tmp_path: Path) -> None:
    blob = tmp_path / "weights.jsonl"
    blob.write_bytes(bytes(range(256)) * 64)
    with pytest.raises(LoaderError, match="binary file"):
        loaders.load([blob])
    utf16 = tmp_path / "utf16.jsonl"  # UTF-16 without a BOM: every other byte NUL
    utf16.write_bytes(jsonl("One", "Two").decode().encode("utf-16-le"))
    with pytest.raises(LoaderError, match="binary file"):
        loaders.load([utf16])


def test_a_few_nuls_in_a_large_file_do_not_make_it_binary(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    titles = [f"Paper {i}" if i % 100 else f"Paper\x00{i}" for i in range(1, 1001)]
    path.write_bytes(jsonl(*titles))
    records = list(loaders.load([path]))
    assert sum(isinstance(r, Paper) for r in records) == 990
    assert [r.line for r in records if isinstance(r, Rejected)] == list(range(100, 1001, 100))
