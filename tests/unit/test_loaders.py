"""loaders.load / detect_format / bundled_corpus / paper_id: the API the pipeline uses."""

from __future__ import annotations

import gzip
import json
import shutil
import sys
from collections import defaultdict
from pathlib import Path

import pytest

import loaders
from kg.errors import InputError, LoaderError
from kg.registry import loaders as registry
from kg.types import Paper, Rejected, Sighting

sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures"))
from loader_records import ABSTRACT, FIXTURES  # noqa: E402


def papers(records: list[Paper | Rejected]) -> list[Paper]:
    return [r for r in records if isinstance(r, Paper)]


def rejected(records: list[Paper | Rejected]) -> list[Rejected]:
    return [r for r in records if isinstance(r, Rejected)]


def write_jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


# --- the bundled corpus -------------------------------------------------------------------------


def test_bundled_corpus_is_the_four_page_dumps() -> None:
    files = loaders.bundled_corpus()
    assert [f.name for f in files] == [
        "000_62e2aeab79569bee.txt",
        "001_269073d26894b243.txt",
        "002_8ee9efdb4ab40406.txt",
        "003_40ee500fd448442f.txt",
    ]
    assert all(loaders.detect_format(f) == "hf-daily" for f in files)


def test_bundled_corpus_has_333_unique_papers_and_no_rejects() -> None:
    records = list(loaders.load(loaders.bundled_corpus()))
    assert rejected(records) == []
    found = papers(records)
    # 103 + 82 + 101 + 105 title/abstract pairs on the four pages
    assert len(found) == 391
    assert len({p.id for p in found}) == 333
    assert all(p.id.startswith("title:") and p.source == "hf-daily" for p in found)
    # every page header and footer is chrome, never a title
    titles = {p.title for p in found}
    assert not titles & {"new", "Subscribe", "Daily Papers", "byAK and the research community"}


def test_paper_on_several_pages_keeps_every_sighting() -> None:
    seen: dict[str, list[Sighting]] = defaultdict(list)
    by_id: dict[str, Paper] = {}
    for p in papers(list(loaders.load(loaders.bundled_corpus()))):
        seen[p.id].extend(p.seen)
        by_id[p.id] = p
    multi = {pid: s for pid, s in seen.items() if len(s) > 1}
    assert len(multi) > 10
    # "A Multigrid Method for Efficiently Training Video Models" is on three of the four pages
    pid = loaders.paper_id("A Multigrid Method for Efficiently Training Video Models", None)
    assert by_id[pid].title == "A Multigrid Method for Efficiently Training Video Models"
    assert sorted((Path(s.source).name[:3], s.date) for s in seen[pid]) == [
        ("001", "Mar 11"),
        ("002", "Aug 1"),
        ("003", "Jun 5"),
    ]
    # the sighting line is the title's line in that file
    for s in seen[pid]:
        lines = Path(s.source).read_text(encoding="utf-8").split("\n")
        assert lines[s.line - 1] == by_id[pid].title


def test_records_stream_in_input_order() -> None:
    files = loaders.bundled_corpus()
    records = papers(list(loaders.load(files)))
    keys = [(files.index(Path(p.seen[0].source)), p.seen[0].line) for p in records]
    assert keys == sorted(keys)


# --- paper ids ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arxiv", "expected"),
    [
        ("1810.04805", "arxiv:1810.04805"),
        ("1810.04805v3", "arxiv:1810.04805"),
        ("arXiv:1810.04805v1", "arxiv:1810.04805"),
        ("https://arxiv.org/abs/1810.04805v2", "arxiv:1810.04805"),
        ("http://arxiv.org/pdf/2101.00001v1.pdf", "arxiv:2101.00001"),
        ("hep-th/9901001v2", "arxiv:hep-th/9901001"),
        ("math.GT/0309136", "arxiv:math.GT/0309136"),
    ],
)
def test_paper_id_uses_the_arxiv_id_without_version(arxiv: str, expected: str) -> None:
    assert loaders.paper_id("Any title", arxiv) == expected


def test_paper_id_hashes_the_normalised_title() -> None:
    a = loaders.paper_id("BERT: Pre-training of Deep Bidirectional Transformers", None)
    assert a.startswith("title:") and len(a) == len("title:") + 16
    assert a == loaders.paper_id("  bert:  pre-training of deep\nbidirectional transformers. ", None)
    assert a == loaders.paper_id("BERT — Pre-Training of Deep Bidirectional Transformers", None)
    assert a != loaders.paper_id("BERT: Pre-training of Deep Unidirectional Transformers", None)
    assert loaders.paper_id("T", "not-an-arxiv-id") == loaders.paper_id("T", None)
    assert loaders.paper_id("T", "") == loaders.paper_id("T", None)


# --- detection ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("papers.jsonl", "jsonl"),
        ("encodings.jsonl", "jsonl"),
        ("papers.json", "json"),
        ("papers_broken.json", "json"),
        ("papers.csv", "csv"),
        ("arxiv.atom", "arxiv-atom"),
        ("truncated.xml", "arxiv-atom"),
        ("arxiv-metadata-oai-snapshot.json", "arxiv-oai"),
        ("hf_page.txt", "hf-daily"),
    ],
)
def test_detect_format_of_fixtures(name: str, fmt: str) -> None:
    assert loaders.detect_format(FIXTURES / name) == fmt


@pytest.mark.parametrize(
    ("name", "content", "fmt"),
    [
        # content wins over a misleading extension
        ("a.txt", '{"title": "T", "abstract": "A"}\n', "jsonl"),
        ("a.data", '[{"title": "T", "abstract": "A"}]', "json"),
        ("a.json", '{"title": "T", "abstract": "A"}\n{"title": "U", "abstract": "B"}\n', "jsonl"),
        ("a.json", '{"title": "T", "abstract": "A"}', "json"),
        ("a.json", '{\n  "title": "T",\n  "abstract": "A"\n}\n', "json"),
        ("a.jsonl", '{"title": broken\n{"title": "T", "abstract": "A"}\n', "jsonl"),
        ("a.json", '{"title": broken\n{"title": "T", "abstract": "A"}\n', "jsonl"),
        ("a.json", '{"papers": [\n  {"title": "T", "abstract": "A"}\n]}\n', "json"),
        ("a.json", '{"papers": [\n' + '  {"title": "T", "abstract": "A"},\n' * 3000 + "]}\n", "json"),
        ("a.txt", "title\tabstract\nT\tA\n", "csv"),
        ("a.tsv", "Title\tAbstract\nT\tA\n", "csv"),
        ("a", "<?xml version='1.0'?>\n<feed xmlns='http://www.w3.org/2005/Atom'></feed>", "arxiv-atom"),
        ("a.md", "Daily Papers\n\nJul 17\n\nTitle\n\n" + "Abstract. " * 40, "hf-daily"),
    ],
)
def test_detect_format_from_content_and_extension(tmp_path: Path, name: str, content: str, fmt: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    assert loaders.detect_format(path) == fmt


def test_detect_format_sees_through_gzip(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl.gz"
    path.write_bytes(gzip.compress(json.dumps({"title": "T", "abstract": ABSTRACT}).encode() + b"\n"))
    assert loaders.detect_format(path) == "jsonl"
    [paper] = list(loaders.load([path]))
    assert isinstance(paper, Paper) and paper.title == "T"


def test_formats_are_registered() -> None:
    assert loaders.FORMATS == ("hf-daily", "jsonl", "json", "csv", "arxiv-atom", "arxiv-oai")
    for name in loaders.FORMATS:
        assert registry.get(name).name == name


# --- whole-input errors: LoaderError, one line, naming the path -----------------------------------


def assert_one_line_error(exc: pytest.ExceptionInfo[LoaderError], path: Path | str) -> None:
    message = str(exc.value)
    assert "\n" not in message
    assert str(path) in message
    assert isinstance(exc.value, InputError) and exc.value.exit_code == 2


def test_missing_path_is_an_error_at_call_time(tmp_path: Path) -> None:
    missing = tmp_path / "nope.jsonl"
    with pytest.raises(LoaderError, match="no such file") as exc:
        loaders.load([FIXTURES / "papers.jsonl", missing])  # no iteration needed
    assert_one_line_error(exc, missing)


@pytest.mark.parametrize(
    ("name", "what"), [("binary.bin", "binary file"), ("fake.pdf", r"binary file \(PDF\)")]
)
def test_binary_file_is_an_error(name: str, what: str) -> None:
    with pytest.raises(LoaderError, match=what) as exc:
        loaders.load([FIXTURES / name])
    assert_one_line_error(exc, FIXTURES / name)
    with pytest.raises(LoaderError, match=what):
        loaders.detect_format(FIXTURES / name)


def test_file_with_no_known_format_is_an_error() -> None:
    with pytest.raises(LoaderError, match="cannot tell its format") as exc:
        loaders.load([FIXTURES / "notes.md"])
    assert_one_line_error(exc, FIXTURES / "notes.md")


def test_empty_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(LoaderError, match="nothing readable") as exc:
        loaders.load([tmp_path])
    assert_one_line_error(exc, tmp_path)


def test_directory_of_unreadable_files_is_an_error(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "binary.bin", tmp_path)
    (tmp_path / "empty.jsonl").write_text("")
    with pytest.raises(LoaderError, match="nothing readable.*binary.bin: skipped: binary file") as exc:
        loaders.load([tmp_path])
    assert_one_line_error(exc, tmp_path)


@pytest.mark.parametrize("name", ["empty.jsonl", "blank.txt"])
def test_empty_file_is_one_rejected_record_not_an_error(name: str) -> None:
    assert list(loaders.load([FIXTURES / name])) == [
        Rejected(str(FIXTURES / name), 0, "empty file (no records)", "")
    ]
    with pytest.raises(LoaderError, match="empty file"):
        loaders.detect_format(FIXTURES / name)


def test_unknown_format_name_is_an_error() -> None:
    with pytest.raises(LoaderError, match="unknown format 'yaml'.*jsonl"):
        loaders.load([FIXTURES / "papers.jsonl"], fmt="yaml")


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("papers.jsonl", "csv"),
        ("papers.jsonl", "arxiv-atom"),
        ("papers.jsonl", "hf-daily"),
        ("papers_broken.json", "jsonl"),
        ("arxiv.atom", "json"),
        ("papers.csv", "jsonl"),
        ("hf_page.txt", "csv"),
    ],
)
def test_forced_wrong_format_is_an_error(name: str, fmt: str) -> None:
    with pytest.raises(LoaderError, match=f"does not look like {fmt} \\(detected: ") as exc:
        loaders.load([FIXTURES / name], fmt=fmt)
    assert_one_line_error(exc, FIXTURES / name)


def test_forced_format_reads_a_file_detection_would_misread(tmp_path: Path) -> None:
    # plain "title\n\nabstract" pairs with no page header: hf-daily only when forced
    path = tmp_path / "pairs.txt"
    path.write_text("A Title\n\n" + "An abstract sentence. " * 20 + "\n", encoding="utf-8")
    with pytest.raises(LoaderError, match="cannot tell"):
        loaders.load([path])
    [paper] = list(loaders.load([path], fmt="HF-Daily"))
    assert isinstance(paper, Paper) and paper.title == "A Title" and paper.seen[0].date is None


def test_csv_extension_without_title_and_abstract_columns_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("name,text\na,b\n", encoding="utf-8")
    with pytest.raises(LoaderError, match="looks like csv") as exc:
        loaders.load([path])
    assert_one_line_error(exc, path)


# --- directories --------------------------------------------------------------------------------


def test_directory_is_walked_sorted_and_unreadable_files_are_reported(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "b.jsonl", [{"title": "B", "abstract": ABSTRACT}])
    (tmp_path / "sub").mkdir()
    write_jsonl(tmp_path / "sub" / "c.jsonl", [{"title": "C", "abstract": ABSTRACT}])
    write_jsonl(tmp_path / "a.jsonl", [{"title": "A", "abstract": ABSTRACT}])
    shutil.copy(FIXTURES / "fake.pdf", tmp_path / "paper.pdf")
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / ".hidden.jsonl").write_text("garbage")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.jsonl").write_text("garbage")
    records = list(loaders.load([tmp_path]))
    assert [p.title for p in papers(records)] == ["A", "B", "C"]
    assert [(Path(r.source).name, r.line, r.reason) for r in rejected(records)] == [
        ("empty.csv", 0, "empty file (no records)"),
        ("paper.pdf", 0, "skipped: binary file (PDF), not a text format kg reads"),
    ]


def test_duplicates_are_yielded_with_their_own_sightings(tmp_path: Path) -> None:
    rows = [
        {"id": "2101.00001", "title": "Same", "abstract": ABSTRACT},
        {"id": "2101.00001v2", "title": "Same, v2", "abstract": ABSTRACT},
        {"title": "Other", "abstract": ABSTRACT},
        {"title": "OTHER", "abstract": ABSTRACT},
    ]
    path = write_jsonl(tmp_path / "dups.jsonl", rows)
    found = papers(list(loaders.load([path, path])))
    assert len(found) == 8
    assert [p.id for p in found[:4]] == [
        "arxiv:2101.00001",
        "arxiv:2101.00001",
        loaders.paper_id("Other", None),
        loaders.paper_id("Other", None),
    ]
    assert [p.seen for p in found[:2]] == [(Sighting(str(path), 1, None),), (Sighting(str(path), 2, None),)]


def test_utf16_file_with_bom_is_read(tmp_path: Path) -> None:
    path = tmp_path / "u16.jsonl"
    text = json.dumps({"title": "Ünïcode", "abstract": ABSTRACT}, ensure_ascii=False) + "\r\n"
    path.write_bytes(text.encode("utf-16"))  # with BOM, full of NUL bytes
    [paper] = list(loaders.load([path]))
    assert isinstance(paper, Paper) and paper.title == "Ünïcode"


def test_truncated_gzip_keeps_what_was_read(tmp_path: Path) -> None:
    rows = [{"title": f"P{n}", "abstract": ABSTRACT + str(n) * 50} for n in range(2000)]
    data = gzip.compress("".join(json.dumps(r) + "\n" for r in rows).encode())
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    records = list(loaders.load([path]))
    kept = papers(records)
    assert 0 < len(kept) < 2000
    assert [p.title for p in kept] == [f"P{n}" for n in range(len(kept))]
    last = records[-1]
    assert isinstance(last, Rejected) and last.reason.startswith(f"read error after line {len(kept)}")
