"""The CSV, arXiv Atom, arXiv OAI and HF daily-page loaders: good records, each kind of bad record (with line
and reason), encodings; hostile titles in every format."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

import loaders
from kg.types import Paper, Rejected, Sighting

sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures"))
from loader_records import outcome, read  # noqa: E402

# --- the input files ----------------------------------------------------------------------------

# What each file in tests/fixtures/loader-inputs yields, in order: (P, line, title) or (R, line, reason).
# What else their papers carry is checked below and in test_loaders_json.py.
OUTCOMES = {
    "papers.jsonl": [
        ("P", 1, "Good One"),
        ("P", 2, "Good Two"),
        ("R", 3, "invalid JSON: Expecting value: line 1 column 38 (char 37)"),
        ("R", 4, "missing title"),
        ("R", 5, "empty title"),
        ("R", 6, "missing abstract"),
        ("R", 7, "title is not a string (got list)"),
        ("R", 8, "authors must be strings (got int in the list)"),
        ("R", 9, "record is not an object (got list)"),
        ("P", 11, "Own id <script>alert(1)</script>"),
        ("R", 12, "arxiv_id 'not-an-id' is not an arXiv identifier"),
    ],
    "encodings.jsonl": [
        ("P", 1, "Good One"),  # the BOM is gone: line 1 parses
        ("P", 2, "Good Two"),
        ("P", 3, "Café naïve – résumé"),  # cp1252 bytes, decoded by the per-line fallback
        ("R", 4, "undecodable bytes (neither UTF-8 nor cp1252)"),
    ],
    "papers.json": [("P", 1, "Wrapped"), ("P", 2, "Wrapped 2")],  # a wrapper object numbers its records
    "papers_broken.json": [  # a broken array element: the others are kept
        ("P", 2, "Array One"),
        ("R", 3, "invalid JSON array element: Expecting value: line 3 column 41 (char 161)"),
        ("P", 4, "Array Three"),
        ("R", 5, "missing abstract"),
    ],
    "papers.csv": [
        ("P", 2, "A title, with comma"),
        ("R", 4, "missing title"),
        ("R", 5, "missing abstract"),
        ("R", 6, "7 cells under a 5-column header"),
        ("P", 7, "Plain"),
    ],
    "arxiv.atom": [
        ("P", 8, "ELECTRA: Pre-training Text Encoders as Discriminators Rather Than Generators"),
        ("R", 25, "missing abstract"),
        ("R", 30, "arXiv API error entry: incorrect id format for 1234"),
    ],
    "truncated.xml": [  # a truncated file keeps the entries before the error
        ("P", 8, "ELECTRA: Pre-training Text Encoders as Discriminators Rather Than Generators"),
        ("R", 27, "XML syntax error: no element found: line 28, column 0 (file ends inside an element)"),
    ],
    "arxiv-metadata-oai-snapshot.json": [
        ("P", 1, "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"),
        ("P", 2, "Old style id"),
        ("R", 3, "id 'not an id' is not an arXiv identifier"),
        ("R", 4, "empty title"),
    ],
    "hf_page.txt": [  # titles paired with abstracts; orphans of either are reported
        ("P", 13, "First Paper: A Model"),
        ("R", 17, "title without an abstract"),
        ("P", 19, "Second Paper"),
        ("P", 25, "First Paper: A Model"),
        ("R", 29, "abstract without a title"),
        ("R", 31, "title without an abstract (end of page)"),
    ],
}


@pytest.mark.parametrize(("name", "expected"), OUTCOMES.items())
def test_fixture_yields_its_papers_and_rejections_in_order(name: str, expected: list[tuple[str, int, str]]) -> None:
    assert outcome(read(name)) == expected


# --- CSV ----------------------------------------------------------------------------------------


def test_csv_rows_quoted_newlines_and_aliases() -> None:
    records = read("papers.csv")
    first, plain = [r for r in records if isinstance(r, Paper)]
    assert (first.id, first.abstract, first.authors) == (
        "arxiv:2101.00002",
        "Multi line abstract",
        ("X. One", "Y. Two"),
    )
    assert (plain.authors, plain.url) == (("Smith, J.", "Doe, K."), "https://example.org/p")


def test_tsv_with_bom_and_cp1252_and_undecodable_row(tmp_path: Path) -> None:
    path = tmp_path / "p.tsv"
    path.write_bytes(
        b"\xef\xbb\xbftitle\tabstract\r\n"
        + "Caf\u00e9\tna\u00efve abstract\r\n".encode("cp1252")
        + b"Bad \x81\tbytes\r\n"
        + b"\r\n"
        + b"Last\tone\r\n"
    )
    assert outcome(list(loaders.load([path]))) == [
        ("P", 2, "Café"),
        ("R", 3, "undecodable bytes (neither UTF-8 nor cp1252)"),
        ("P", 5, "Last"),
    ]


def test_csv_one_megabyte_cell(tmp_path: Path) -> None:
    big = "x" * 1_100_000
    path = tmp_path / "big.csv"
    path.write_text(f'title,abstract\nBig,"{big}"\n', encoding="utf-8")
    [paper] = list(loaders.load([path]))
    assert isinstance(paper, Paper) and len(paper.abstract) == 1_100_000


def test_csv_unterminated_quote_is_one_rejection(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_text('title,abstract\nGood,row\n"Open,quote never closed\nmore\n', encoding="utf-8")
    records = list(loaders.load([path]))
    assert outcome(records)[0] == ("P", 2, "Good")
    assert len(records) == 2 and isinstance(records[1], Rejected) and records[1].line == 3


# --- arXiv Atom ---------------------------------------------------------------------------------


def test_atom_entries() -> None:
    records = read("arxiv.atom")
    electra = records[0]
    assert isinstance(electra, Paper)
    assert electra.id == "arxiv:2003.10555" and electra.arxiv_id == "2003.10555"
    assert electra.abstract.startswith(
        "Masked language modeling (MLM) pre-training methods such as BERT corrupt the"
    )
    assert "[MASK] & then" in electra.abstract
    assert electra.authors == ("Kevin Clark", "Minh-Thang Luong")
    assert electra.categories == ("cs.CL", "cs.LG")
    assert (electra.date, electra.url) == ("2020-03-23", "http://arxiv.org/abs/2003.10555v1")


def test_atom_syntax_error_mid_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.atom"
    path.write_text(
        '<feed xmlns="http://www.w3.org/2005/Atom">\n<entry><title>T</title><summary>S</summary></entry>\n'
        "<entry><title>Broken</title <summary>x</summary></entry>\n</feed>\n",
        encoding="utf-8",
    )
    records = list(loaders.load([path]))
    assert outcome(records)[0] == ("P", 2, "T")
    assert isinstance(records[1], Rejected) and records[1].line == 3
    assert records[1].reason.startswith("XML syntax error: not well-formed")


def test_atom_entity_expansion_bomb_is_refused(tmp_path: Path) -> None:
    lol = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">\n' for i in range(1, 10))
    path = tmp_path / "bomb.xml"
    path.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE feed [\n<!ENTITY l0 "lol">\n{lol}]>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>&l9;</title><summary>s</summary></entry></feed>\n',
        encoding="utf-8",
    )
    records = list(loaders.load([path], fmt="arxiv-atom"))
    assert len(records) == 1 and isinstance(records[0], Rejected)
    assert records[0].reason.startswith("XML syntax error")


# --- arXiv OAI snapshot -------------------------------------------------------------------------


def test_oai_snapshot_records() -> None:
    records = read("arxiv-metadata-oai-snapshot.json")
    first, old = records[0], records[1]
    assert isinstance(first, Paper) and isinstance(old, Paper)
    assert first.abstract == (
        "A fully differential calculation in perturbative quantum chromodynamics is "
        "presented for the production of massive photon pairs."
    )
    assert first.id == "arxiv:0704.0001" and first.source == "arxiv-oai"
    assert first.authors == ("C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C. -P. Yuan")
    assert (first.date, first.categories, first.url) == (
        "2007-04-02",
        ("hep-ph",),
        "https://arxiv.org/abs/0704.0001",
    )
    # no versions: update_date; no authors_parsed: the authors string
    assert (old.id, old.date, old.authors) == (
        "arxiv:hep-th/9901001",
        "1999-01-04",
        ("A. Einstein", "N. Bohr"),
    )
    assert old.categories == ("hep-th", "math.GT")


def test_oai_missing_id(tmp_path: Path) -> None:
    path = tmp_path / "snap.jsonl"
    path.write_text(json.dumps({"title": "T", "abstract": "A"}) + "\n", encoding="utf-8")
    [rec] = list(loaders.load([path], fmt="arxiv-oai"))
    assert isinstance(rec, Rejected) and rec.reason.startswith("missing id")


# --- HF daily-papers pages ----------------------------------------------------------------------


def test_hf_page_dates_and_a_paper_seen_twice() -> None:
    records = read("hf_page.txt")
    dates = [p.seen[0].date for p in records if isinstance(p, Paper)]
    assert dates == ["Jul 17", "Jul 17", "Jul 18"]
    assert records[0].id == records[3].id  # type: ignore[union-attr]


def test_hf_page_crlf_and_cp1252(tmp_path: Path) -> None:
    path = tmp_path / "page.txt"
    abstract = "Un r\u00e9sum\u00e9 tr\u00e8s long. " * 20
    path.write_bytes(
        f"Daily Papers\r\n\r\nAug 1\r\n\r\nCaf\u00e9 Models\r\n\r\n{abstract}\r\n".encode("cp1252")
    )
    [paper] = list(loaders.load([path]))
    assert isinstance(paper, Paper)
    assert (paper.title, paper.abstract, paper.seen[0]) == (
        "Café Models",
        abstract.strip(),
        Sighting(str(path), 5, "Aug 1"),
    )


def test_hf_page_unknown_header_line_is_reported_not_dropped(tmp_path: Path) -> None:
    path = tmp_path / "page.txt"
    path.write_text("new\n\nSign in\n\nJul 17\n\nTitle\n\n" + "Abstract text. " * 30 + "\n", encoding="utf-8")
    assert outcome(list(loaders.load([path]))) == [("R", 3, "title without an abstract"), ("P", 7, "Title")]


HOSTILE = [
    "<script>alert(1)</script>",
    "</script><img src=x onerror=alert(1)>",
    "Quotes \"double\" and 'single' and `back` ticks",
    "MATCH (n) DETACH DELETE n; // Cypher",
    "} ; DROP GRAPH <urn:x> ; { ?s ?p ?o # SPARQL",
    "\u202eRTL override \u05e2\u05d1\u05e8\u05d9\u05ea and emoji \U0001f680\U0001f9e0",
    "Back\\slash and {{ template }} and ${shell} and %s",
]


@pytest.mark.parametrize("title", HOSTILE)
def test_hostile_titles_are_kept_verbatim_in_every_format(tmp_path: Path, title: str) -> None:
    abstract = f"Abstract about {title}. " * 20
    files = {
        "h.jsonl": json.dumps({"title": title, "abstract": abstract}) + "\n",
        "h.json": json.dumps([{"title": title, "abstract": abstract}]),
        "h.csv": "title,abstract\n"
        + '"'
        + title.replace('"', '""')
        + '","'
        + abstract.replace('"', '""')
        + '"\n',
        "h.txt": f"Daily Papers\n\nJul 17\n\n{title}\n\n{abstract}\n",
        "h.atom": '<feed xmlns="http://www.w3.org/2005/Atom"><entry>'
        f"<title>{escape(title)}</title><summary>{escape(abstract)}</summary></entry></feed>",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        [paper] = list(loaders.load([tmp_path / name]))
        assert isinstance(paper, Paper), name
        assert (paper.title, paper.abstract) == (title, abstract.strip()), name
        assert paper.id == loaders.paper_id(title, None)
