"""Bad inputs through the real command line (``kg.cli.main``): every case ends in either a one-line
error and a non-zero exit code, or the bad record in rejected.jsonl with its reason; never a
traceback; every good record kept. docs/scale.md has the table these tests check."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import rdflib

from kg import pipeline as kg_pipeline
from kg.cli import main
from kg.parallel import echo_extractor


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def kg(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Iterator[object]:
    def run(*args: str | Path) -> Run:
        monkeypatch.setattr(sys, "argv", ["kg", *map(str, args)])
        with pytest.raises(SystemExit) as exit_info:
            main()
        captured = capsys.readouterr()
        code = exit_info.value.code
        result = Run(code if isinstance(code, int) else 1, captured.out, captured.err)
        assert "Traceback" not in result.out + result.err
        return result

    yield run


def one_line_error(run: Run, code: int, *needles: str) -> None:
    assert run.code == code, run
    lines = run.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), run.err
    for needle in needles:
        assert needle in lines[0]


def jsonl(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def good(i: int, **extra: object) -> str:
    return json.dumps(
        {"title": f"Good paper {i}", "abstract": f"We propose GoodNet{i} for Task{i}.", **extra}
    )


# --------------------------------------------------------------------------- whole-input errors


def test_missing_path(kg, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    one_line_error(
        kg("build", tmp_path / "nope.jsonl", "--out", tmp_path / "o"), 2, "nope.jsonl", "no such file"
    )
    one_line_error(kg("extract", tmp_path / "nope.jsonl", "--output", tmp_path / "x.jsonl"), 2, "nope.jsonl")


def test_empty_directory(kg, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "d").mkdir()
    one_line_error(kg("build", tmp_path / "d", "--out", tmp_path / "o"), 2, "nothing readable")


def test_binary_file(kg, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "model.bin").write_bytes(bytes(range(256)) * 8)
    one_line_error(kg("build", tmp_path / "model.bin", "--out", tmp_path / "o"), 2, "model.bin", "binary")


def test_unknown_format_and_bad_options(kg, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    inp = tmp_path / "p.jsonl"
    inp.write_text(good(1) + "\n")
    one_line_error(kg("build", inp, "--format", "xml", "--out", tmp_path / "o"), 2, "unknown format 'xml'")
    one_line_error(kg("build", inp, "--workers", "0", "--out", tmp_path / "o"), 2, "--workers")
    one_line_error(kg("build", inp, "--batch-size", "0", "--out", tmp_path / "o"), 2, "--batch-size")
    one_line_error(kg("build", inp, "--executor", "threads", "--out", tmp_path / "o"), 2, "unknown executor")
    one_line_error(kg("build", inp, "--executor", "dask", "--out", tmp_path / "o"), 2, "--scheduler")


def test_unwritable_out(kg, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    inp = tmp_path / "p.jsonl"
    inp.write_text(good(1) + "\n")
    (tmp_path / "file").write_text("x")
    one_line_error(kg("build", inp, "--out", tmp_path / "file"), 2, "not a directory")
    one_line_error(kg("build", inp, "--out", tmp_path / "file" / "sub"), 3, "cannot create")


# --------------------------------------------------------------------------- record-level problems


def test_directory_with_a_binary_file_keeps_the_good_file(kg, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    d = tmp_path / "in"
    d.mkdir()
    (d / "a.jsonl").write_text(good(1) + "\n" + good(2) + "\n")
    (d / "blob.dat").write_bytes(bytes(range(256)) * 8)
    run = kg("extract", d, "--output", tmp_path / "x.jsonl", "--quiet")
    assert run.code == 0
    assert len(jsonl(tmp_path / "x.jsonl")) == 2
    [rej] = jsonl(tmp_path / "x.rejected.jsonl")
    assert rej["source"].endswith("blob.dat") and rej["line"] == 0 and "binary" in rej["reason"]


def test_empty_file_builds_an_empty_graph(kg, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "empty.jsonl").write_text("")
    run = kg("build", tmp_path / "empty.jsonl", "--out", tmp_path / "o", "--quiet")
    assert run.code == 0
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert (summary["papers"], summary["rejected"]) == (0, 1)
    assert jsonl(tmp_path / "o" / "rejected.jsonl")[0]["reason"].startswith("empty file")
    assert (tmp_path / "o" / "extractions.jsonl").read_text() == ""
    assert (tmp_path / "o" / "graph.html").is_file() and (tmp_path / "o" / "graph.ttl").is_file()


REASONS = {
    2: "invalid JSON",
    3: "invalid JSON",
    4: "empty title",
    5: "empty abstract",
    6: "missing title",
    7: "missing abstract",
    8: "title is not a string (got int)",
    9: "abstract is not a string (got list)",
    10: "record is not an object (got list)",
}


def test_broken_missing_and_wrongly_typed_records(kg, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    lines = [
        good(1),
        '{"title": "Broken", "abstract": ',
        "{'title': 'single quotes'}",
        '{"title": "", "abstract": "x"}',
        '{"title": "T", "abstract": "   "}',
        '{"abstract": "no title"}',
        '{"title": "no abstract"}',
        '{"title": 123, "abstract": "x y"}',
        '{"title": "T", "abstract": ["a"]}',
        "[1, 2]",
        good(2),
        "",
        good(3),
    ]
    inp = tmp_path / "mixed.jsonl"
    inp.write_text("\n".join(lines) + "\n")
    run = kg("build", inp, "--out", tmp_path / "o", "--quiet")
    assert run.code == 0
    kept = jsonl(tmp_path / "o" / "extractions.jsonl")
    assert [k["title"] for k in kept] == ["Good paper 1", "Good paper 2", "Good paper 3"]
    rejected = {r["line"]: r["reason"] for r in jsonl(tmp_path / "o" / "rejected.jsonl")}
    assert set(rejected) == set(REASONS)
    for line, reason in REASONS.items():
        assert rejected[line].startswith(reason), (line, rejected[line])
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert (summary["records"], summary["papers"], summary["rejected"]) == (12, 3, 9)


def test_latin1_cp1252_bom_and_crlf(kg, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    row = {
        "title": "Caf\u00e9Net: \u201cfast\u201d na\u00efve models",
        "abstract": "We propose Caf\u00e9Net \u2014 it works.",
    }
    (tmp_path / "cp1252.jsonl").write_bytes((json.dumps(row, ensure_ascii=False) + "\n").encode("cp1252"))
    latin = {"title": "R\u00e9sum\u00e9 models", "abstract": "We propose R\u00e9sumeNet \u00e0 la carte."}
    (tmp_path / "latin1.jsonl").write_bytes((json.dumps(latin, ensure_ascii=False) + "\n").encode("latin-1"))
    (tmp_path / "bom.jsonl").write_bytes(b"\xef\xbb\xbf" + (good(1) + "\r\n" + good(2) + "\r\n").encode())
    run = kg("extract", tmp_path, "--output", tmp_path / "out" / "x.jsonl", "--quiet")
    assert run.code == 0
    titles = sorted(r["title"] for r in jsonl(tmp_path / "out" / "x.jsonl"))
    assert titles == sorted(["Good paper 1", "Good paper 2", row["title"], latin["title"]])
    assert (tmp_path / "out" / "x.rejected.jsonl").read_text() == ""


def test_one_megabyte_abstract_is_rejected_and_the_rest_kept(kg, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    big = json.dumps({"title": "Huge", "abstract": "We propose HugeNet. " * 52_000})
    (tmp_path / "big.jsonl").write_text("\n".join([good(1), big, good(2)]) + "\n")
    run = kg("extract", tmp_path / "big.jsonl", "--output", tmp_path / "x.jsonl", "--quiet")
    assert run.code == 0
    assert [r["title"] for r in jsonl(tmp_path / "x.jsonl")] == ["Good paper 1", "Good paper 2"]
    [rej] = jsonl(tmp_path / "x.rejected.jsonl")
    assert rej["line"] == 2 and rej["reason"] == "abstract is 1,039,999 characters long (limit 100,000)"


def test_ten_thousand_lines_with_one_percent_broken(kg, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # The record plumbing is under test, not spaCy: a do-nothing extractor keeps this fast.
    monkeypatch.setattr(kg_pipeline, "default_factory", echo_extractor)
    lines = [good(i) if i % 100 != 37 else '{"title": "cut off", "abs' for i in range(10_000)]
    (tmp_path / "big.jsonl").write_text("\n".join(lines) + "\n")
    run = kg("extract", tmp_path / "big.jsonl", "--output", tmp_path / "x.jsonl", "--quiet")
    assert run.code == 0
    kept = jsonl(tmp_path / "x.jsonl")
    assert len(kept) == 9_900 and len({k["id"] for k in kept}) == 9_900
    rejected = jsonl(tmp_path / "x.rejected.jsonl")
    assert [r["line"] for r in rejected] == [i + 1 for i in range(10_000) if i % 100 == 37]


def test_duplicate_ids_keep_the_first_and_count_the_rest(kg, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rows = [
        json.dumps({"id": "2401.00001", "title": "First", "abstract": "We propose FirstNet."}),
        json.dumps({"id": "2401.00002", "title": "Second", "abstract": "We propose SecondNet."}),
        json.dumps({"id": "2401.00001", "title": "First again", "abstract": "Another text."}),
    ]
    (tmp_path / "dup.jsonl").write_text("\n".join(rows) + "\n")
    run = kg("build", tmp_path / "dup.jsonl", "--out", tmp_path / "o", "--quiet")
    assert run.code == 0
    kept = jsonl(tmp_path / "o" / "extractions.jsonl")
    assert [k["title"] for k in kept] == ["First", "Second"]
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert (summary["records"], summary["papers"], summary["duplicates"], summary["rejected"]) == (3, 2, 1, 0)
    graph = json.loads((tmp_path / "o" / "graph.json").read_text())
    first = next(n for n in graph["nodes"] if n.get("title") == "First")
    assert [line for _, line, _ in first["seen"]] == [1, 3]


HOSTILE = [
    "<script>alert('x')</script> Attention",
    "</script><img src=x onerror=alert(1)> Nets",
    "Quotes \" and ' and `backticks` in ${title}",
    "Cypher'}) DETACH DELETE n // and MATCH (n) RETURN n",
    'SPARQL"^^<x> } ; DROP ALL ; # <http://evil/> \\u0022',
    "\u202eRTL override \u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627",
    "Emoji \U0001f680\U0001f9e0 and ZWJ \U0001f468\u200d\U0001f4bb models",
]


def test_hostile_titles_survive_every_output(kg, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rows = [
        json.dumps({"title": t, "abstract": f"We propose HostileNet{i} on GLUE."})
        for i, t in enumerate(HOSTILE)
    ]
    (tmp_path / "hostile.jsonl").write_text("\n".join(rows) + "\n")
    out = tmp_path / "o"
    run = kg("build", tmp_path / "hostile.jsonl", "--out", out, "--quiet")
    assert run.code == 0
    assert sorted(r["title"] for r in jsonl(out / "extractions.jsonl")) == sorted(HOSTILE)
    g = rdflib.Graph().parse(out / "graph.ttl")
    titles = {str(o) for o in g.objects(None, rdflib.URIRef("http://purl.org/dc/terms/title"))}
    assert set(HOSTILE) <= titles
    page = (out / "graph.html").read_text(encoding="utf-8")
    assert "<script>alert" not in page and "<img src=x" not in page
    nodes = {n["id"]: n for n in json.loads((out / "graph.json").read_text())["nodes"]}
    assert sum(n.get("title") in HOSTILE for n in nodes.values()) == len(HOSTILE)


def test_rebuild_changes_no_count_in_any_output(kg, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rows = [good(i) for i in range(4)] + ["not json"]
    (tmp_path / "p.jsonl").write_text("\n".join(rows) + "\n")
    out = tmp_path / "o"
    names = ("extractions.jsonl", "rejected.jsonl", "graph.json", "graph.ttl", "graph.html")
    assert kg("build", tmp_path / "p.jsonl", "--out", out, "--quiet").code == 0
    before = {n: (out / n).read_bytes() for n in names}
    triples = len(rdflib.Graph().parse(out / "graph.ttl"))
    assert kg("build", tmp_path / "p.jsonl", "--out", out, "--quiet").code == 0
    assert {n: (out / n).read_bytes() for n in names} == before
    assert len(rdflib.Graph().parse(out / "graph.ttl")) == triples
    run = json.loads((out / "summary.json").read_text())["run"]
    assert (run["extracted"], run["cached"]) == (0, 4)


def test_console_script_prints_one_line_for_a_missing_path(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("kg")
    proc = subprocess.run(
        [str(exe), "build", str(tmp_path / "missing.jsonl"), "--out", str(tmp_path / "o")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"error: {tmp_path / 'missing.jsonl'}: no such file or directory"
    ]
    assert "Traceback" not in proc.stdout + proc.stderr


def test_help_documents_exit_codes_and_scale_options(kg) -> None:  # type: ignore[no-untyped-def]
    run = kg("build", "--help")
    assert run.code == 0
    for option in ("--workers", "--executor", "--scheduler", "--quiet", "--batch-size"):
        assert option in run.out
    top = kg("--help")
    assert "Exit codes" in top.out


def test_skip_leaves_out_a_writer(kg, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "p.jsonl").write_text(good(1) + "\n")
    out = tmp_path / "o"
    assert (
        kg("build", tmp_path / "p.jsonl", "--out", out, "--quiet", "--skip", "html", "--skip", "rdf").code
        == 0
    )
    assert (out / "graph.json").is_file() and (out / "extractions.jsonl").is_file()
    assert not (out / "graph.html").exists() and not (out / "graph.ttl").exists()
    one_line_error(kg("build", tmp_path / "p.jsonl", "--out", out, "--skip", "json"), 2, "--skip 'json'")


def test_usage_errors_are_short_and_exit_2(kg) -> None:  # type: ignore[no-untyped-def]
    for args, needle in ((("build", "--nope"), "No such option"), (("nosuch",), "No such command")):
        run = kg(*args)
        assert run.code == 2, run
        assert needle in run.err and len(run.err.strip().splitlines()) <= 4


def test_unexpected_error_is_one_line_unless_kg_debug(kg, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def boom() -> None:
        raise RuntimeError("kaboom")

    monkeypatch.setattr("kg.extract.load_extractor", boom)
    run = kg("info")
    assert run.code == 1
    assert run.err.strip().startswith("internal error: RuntimeError: kaboom") and "KG_DEBUG" in run.err
    monkeypatch.setenv("KG_DEBUG", "1")
    with pytest.raises(RuntimeError, match="kaboom"):
        kg("info")


def test_export_writes_each_registered_format(kg, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "p.jsonl").write_text(good(1) + "\n" + good(2) + "\n")
    out = tmp_path / "o"
    assert kg("build", tmp_path / "p.jsonl", "--out", out, "--quiet", "--skip", "html").code == 0
    built = rdflib.Graph().parse(out / "graph.ttl")
    for fmt, name, rdf_format in (("turtle", "g.ttl", "turtle"), ("ntriples", "g.nt", "nt"),
                                  ("jsonld", "g.jsonld", "json-ld")):  # fmt: skip
        assert kg("export", "--format", fmt, tmp_path / name, "--out", out).code == 0
        assert len(rdflib.Graph().parse(tmp_path / name, format=rdf_format)) == len(built)
    assert kg("export", "--format", "neo4j-csv", tmp_path / "csv", "--out", out).code == 0
    assert (tmp_path / "csv" / "import.sh").is_file()
    one_line_error(kg("export", "--format", "xml", tmp_path / "x", "--out", out), 2, "unknown exporter 'xml'")
    one_line_error(kg("export", "--format", "turtle", tmp_path / "x", "--out", tmp_path / "none"), 2)


def test_info_names_the_extractor_version_a_build_records(kg, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "p.jsonl").write_text(good(1) + "\n")
    out = tmp_path / "o"
    assert kg("build", tmp_path / "p.jsonl", "--out", out, "--quiet", "--skip", "html", "--skip", "rdf").code == 0
    recorded = json.loads((out / "summary.json").read_text())["versions"]["extractor"]
    info = kg("info")
    assert info.code == 0
    assert f"pipeline   {recorded}" in info.out
