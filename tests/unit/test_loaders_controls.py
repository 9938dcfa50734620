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


def test_nul_byte_inside_one_jsonl_record_rejects_only_that_record(tmp_path: Path) -> None:
    path = tmp_path / "day.jsonl"
    path.write_bytes(jsonl("First", "Bro\x00ken", "Third"))
    assert outcome(list(loaders.load([path]))) == [
        ("P", 1, "First"),
        ("R", 2, "control character U+0000 at character 15"),
        ("P", 3, "Third"),
    ]


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


def test_oai_snapshot_record_with_a_nul(tmp_path: Path) -> None:
    rec = {"id": "2101.00001", "title": "T", "abstract": ABSTRACT, "versions": [], "update_date": "2021"}
    good = json.dumps(rec)
    bad = json.dumps({**rec, "id": "2101.00002", "abstract": "x\u0000y"})
    path = tmp_path / "arxiv-metadata-oai-snapshot.json"
    path.write_text(f"{good}\n{bad}\n{good.replace('00001', '00003')}\n")
    assert loaders.detect_format(path) == "arxiv-oai"
    result = outcome(list(loaders.load([path])))
    assert result == [("P", 1, "T"), ("R", 2, "control character U+0000 at character 2 in abstract"), ("P", 3, "T")]


def test_json_array_element_with_a_raw_nul(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    elements = [json.dumps({"title": t, "abstract": ABSTRACT}) for t in ("One", "T\x00wo", "Three")]
    path.write_bytes(("[\n" + ",\n".join(elements) + "\n]\n").encode().replace(b"\\u0000", b"\x00"))
    assert outcome(list(loaders.load([path]))) == [
        ("P", 2, "One"),
        ("R", 3, "control character U+0000 at character 13"),
        ("P", 4, "Three"),
    ]


def test_csv_row_with_a_nul(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes(b'title,abstract\nOne,"a\nb"\nT\x00wo,x\nThree,y\n')
    assert outcome(list(loaders.load([path]))) == [
        ("P", 2, "One"),
        ("R", 4, "control character U+0000 at character 2"),
        ("P", 5, "Three"),
    ]


def test_atom_entry_with_a_nul_keeps_the_entries_after_it(tmp_path: Path) -> None:
    entry = "<entry><id>http://arxiv.org/abs/2101.0000{n}v1</id>\n<title>{t}</title><summary>S</summary></entry>\n"
    body = "".join(entry.format(n=n, t=t) for n, t in ((1, "One"), (2, "T\x00wo"), (3, "Three")))
    path = tmp_path / "q.atom"
    path.write_bytes(f'<feed xmlns="http://www.w3.org/2005/Atom">\n{body}</feed>\n'.encode())
    assert outcome(list(loaders.load([path]))) == [
        ("P", 2, "One"),
        ("R", 4, "control character U+0000 at character 9"),
        ("P", 6, "Three"),
    ]


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
