"""The JSON loaders (JSONL, JSON documents): good records, each kind of bad record (with line and reason), encodings."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

import loaders
from kg.errors import LoaderError
from kg.types import Paper, Rejected, Sighting

sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures"))
from loader_records import ABSTRACT, FIXTURES, outcome, read  # noqa: E402

# --- JSONL --------------------------------------------------------------------------------------


# What each file in tests/fixtures/loader-inputs yields, in order: OUTCOMES in test_loaders_formats.py.


def test_jsonl_good_records_and_a_rejected_one_in_full() -> None:
    records = read("papers.jsonl")
    one, two, own = [r for r in records if isinstance(r, Paper)]
    assert one == Paper(
        id="arxiv:2101.00001",
        title="Good One",
        abstract=ABSTRACT,
        date="2021-01-01",
        arxiv_id="2101.00001",
        authors=("A. Author", "B. Author"),
        source="jsonl",
        seen=(Sighting(str(FIXTURES / "papers.jsonl"), 1, None),),
    )
    assert (two.id, two.url) == ("arxiv:1706.03762", "https://arxiv.org/abs/1706.03762v7")
    # a non-arXiv id is the record's own id; hostile text is kept verbatim (escaping is the writers' job)
    assert (own.id, own.abstract) == ("g07", "Line one line two")
    bad = next(r for r in records if isinstance(r, Rejected))
    assert bad.source == str(FIXTURES / "papers.jsonl")
    assert bad.record == '{"title": "Broken JSON", "abstract": '


def test_jsonl_wrong_types(tmp_path: Path) -> None:
    rows = [
        {"title": "T", "abstract": 5},
        {"title": None, "abstract": "A"},
        {"title": "T", "abstract": "A", "authors": {"a": 1}},
        {"title": "T", "abstract": "A", "id": [1]},
        {"title": "T", "abstract": "A", "date": 2.5},
        {"title": "T", "abstract": "A", "url": 7},
        {"title": "T", "abstract": "A", "arxiv_id": 2101.00001},
        {"title": "T", "abstract": "A", "id": True},
        {"title": "T", "abstract": "A", "id": 42, "date": 2021, "authors": "X and Y", "categories": "cs.LG"},
    ]
    path = tmp_path / "types.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    records = list(loaders.load([path]))
    assert outcome(records)[:-1] == [
        ("R", 1, "abstract is not a string (got int)"),
        ("R", 2, "missing title"),
        ("R", 3, "authors is not a list or string (got dict)"),
        ("R", 4, "id is not a string (got list)"),
        ("R", 5, "date is not a string (got float)"),
        ("R", 6, "url is not a string (got int)"),
        ("R", 7, "arxiv_id is not a string (got float)"),
        ("R", 8, "id is not a string (got bool)"),
    ]
    last = records[-1]
    assert isinstance(last, Paper)
    assert (last.id, last.date, last.authors, last.categories) == ("42", "2021", ("X", "Y"), ("cs.LG",))


def test_jsonl_one_megabyte_abstract_is_kept_whole(tmp_path: Path) -> None:
    big = ("word " * 210_000).strip()
    assert len(big) > 1_000_000
    path = tmp_path / "big.jsonl"
    path.write_text(json.dumps({"title": "Big", "abstract": big}) + "\n", encoding="utf-8")
    [paper] = list(loaders.load([path]))
    assert isinstance(paper, Paper) and paper.abstract == big


def test_jsonl_escaped_controls_and_lone_surrogates_reject_their_record(tmp_path: Path) -> None:
    path = tmp_path / "odd.jsonl"
    path.write_text(
        '{"title": "A \\ud800 B", "abstract": "x"}\n'
        '{"title": "T", "abstract": "x\\u0007y"}\n'
        '{"title": "Kept", "abstract": "\\ud83d\\ude00 \\u202eRTL\\u0085"}\n'
    )
    records = list(loaders.load([path]))
    assert outcome(records) == [
        ("R", 1, "lone surrogate U+D800 at character 3 in title"),
        ("R", 2, "control character U+0007 at character 2 in abstract"),
        ("P", 3, "Kept"),
    ]
    assert records[2].abstract == "\U0001f600 \u202eRTL"  # a pair is one character; C1 controls go


# --- JSON documents -----------------------------------------------------------------------------


def test_json_array_element_after_a_broken_one_keeps_its_id() -> None:
    records = read("papers_broken.json")
    assert records[2].id == "arxiv:hep-th/9901001"  # type: ignore[union-attr]


def test_json_wrapper_object_numbers_records() -> None:
    assert [p.id for p in read("papers.json") if isinstance(p, Paper)][1] == "5"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            '[{"title": "T", "abstract": "A"}, 3, []]',
            [
                ("P", 1, "T"),
                ("R", 1, "record is not an object (got int)"),
                ("R", 1, "record is not an object (got list)"),
            ],
        ),
        ('{"title": "Single", "abstract": "A"}', [("P", 1, "Single")]),
        ('{"a": 1, "b": 2}', [("R", 1, "JSON document is not an array of papers (got dict)")]),
        ("[]", []),
        (
            '{"title": "T", "abstract": ',
            [("R", 1, "invalid JSON document: Expecting value: line 1 column 28 (char 27)")],
        ),
        ('[{"title": "T", "abstract": "A"}', [("P", 1, "T")]),  # unterminated array: elements kept
    ],
)
def test_json_document_shapes(tmp_path: Path, content: str, expected: list[tuple[str, int, str]]) -> None:
    path = tmp_path / "doc.json"
    path.write_text(content, encoding="utf-8")
    assert outcome(list(loaders.load([path], fmt="json"))) == expected


def test_json_document_that_is_not_an_object_or_array_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "doc.json"
    path.write_text('"just a string"', encoding="utf-8")
    with pytest.raises(LoaderError, match="does not look like json"):
        loaders.load([path], fmt="json")


def test_json_latin1_document(tmp_path: Path) -> None:
    path = tmp_path / "latin.json"
    path.write_bytes('[{"title": "Étude", "abstract": "naïve"}]'.encode("latin-1"))
    assert outcome(list(loaders.load([path]))) == [("P", 1, "Étude")]
