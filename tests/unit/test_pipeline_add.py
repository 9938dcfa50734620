"""`run_add` (kg add) with a fake extractor: a grown build equals one build of everything, what's
new, changed papers, a killed add's leftovers, ids that two papers share."""

from __future__ import annotations

import json
from pathlib import Path

from test_pipeline import OUTPUTS, FakeExtractor, output_snapshot, papers, write_jsonl

from kg.cache import ExtractionCache
from kg.pipeline import run_add, run_build
from kg.types import Paper
from kg.write.graphjson import write_graph


def graph_only(g, d):  # type: ignore[no-untyped-def]
    return [write_graph(g, d)]


def add(inp: list[Path], out: Path, ex: FakeExtractor):  # type: ignore[no-untyped-def]
    return run_add(inp, out, quiet=True, writers=[graph_only], factory=lambda: ex)


def build(inp: list[Path], out: Path, ex: FakeExtractor):  # type: ignore[no-untyped-def]
    return run_build(inp, out, quiet=True, writers=[graph_only], factory=lambda: ex)


def days(tmp_path: Path) -> list[Path]:
    rows = papers(25)
    files = []
    for n in range(5):
        extra = '{"title": "broken"\n' if n == 2 else ""
        day = rows[n * 5 : n * 5 + 5] + ([rows[0]] if n == 3 else [])  # day 4 repeats p0
        files.append(write_jsonl(tmp_path / f"day{n}.jsonl", day, extra=extra))
    return files


def test_five_adds_equal_one_build_and_say_whats_new(tmp_path: Path) -> None:
    files = days(tmp_path)
    ex = FakeExtractor()
    build(files[:1], tmp_path / "feed", ex)
    for n, day in enumerate(files[1:], 1):
        ex.seen.clear()
        summary, graph, new = add([day], tmp_path / "feed", ex)
        assert sorted(ex.seen) == [f"p{i}" for i in sorted(range(n * 5, n * 5 + 5), key=str)]
        assert new.papers == tuple(f"p{i}" for i in range(n * 5, n * 5 + 5))
        assert new.entities["Model"] == tuple(sorted(f"Net{i}X" for i in range(n * 5, n * 5 + 5)))
        assert summary.papers == len(graph.papers) == 5 * (n + 1)
    build(files, tmp_path / "once", FakeExtractor())
    assert output_snapshot(tmp_path / "feed", OUTPUTS) == output_snapshot(tmp_path / "once", OUTPUTS)
    summary = json.loads((tmp_path / "feed" / "summary.json").read_text())
    assert (summary["records"], summary["papers"], summary["duplicates"], summary["rejected"]) == (27, 25, 1, 1)
    assert summary["run"]["added"]["papers"] == 5


def test_add_without_a_build_is_a_build(tmp_path: Path) -> None:
    files = days(tmp_path)
    summary, _, new = add(files[:2], tmp_path / "feed", FakeExtractor())
    build(files[:2], tmp_path / "once", FakeExtractor())
    assert len(new.papers) == summary.papers == 10
    assert output_snapshot(tmp_path / "feed", OUTPUTS) == output_snapshot(tmp_path / "once", OUTPUTS)


def test_changed_paper_takes_the_new_text_and_is_extracted_again(tmp_path: Path) -> None:
    ex = FakeExtractor()
    build([write_jsonl(tmp_path / "a.jsonl", papers(3))], tmp_path / "feed", ex)
    changed = [{"id": "p1", "title": "Paper 1", "abstract": "We propose FreshNet."}]
    ex.seen.clear()
    summary, graph, new = add([write_jsonl(tmp_path / "b.jsonl", changed)], tmp_path / "feed", ex)
    assert ex.seen == ["p1"] and new.changed == 1 and new.papers == ()
    assert new.entities == {"Model": ("FreshNet",)}
    assert summary.papers == 3 and summary.duplicates == 1
    [p1] = [p for p in graph.papers if p.id == "p1"]
    assert p1.abstract == "We propose FreshNet." and p1.seen[0].source.endswith("a.jsonl")


def test_an_unfinished_add_is_rolled_back_before_the_next(tmp_path: Path) -> None:
    files = days(tmp_path)
    build(files[:1], tmp_path / "feed", FakeExtractor())
    with ExtractionCache(tmp_path / "feed" / "cache.sqlite") as cache:  # what a killed add leaves
        cache.add_paper(Paper("p5", "Paper 5", "half-added"))
        cache.commit()
    add(files[1:2], tmp_path / "feed", FakeExtractor())
    build(files[:2], tmp_path / "once", FakeExtractor())
    assert output_snapshot(tmp_path / "feed", OUTPUTS) == output_snapshot(tmp_path / "once", OUTPUTS)


def test_an_id_two_different_papers_share_does_not_merge_them(tmp_path: Path) -> None:
    rows = [
        {"id": "x1", "title": "First Paper", "abstract": "We propose OneNet."},
        {"id": "x1", "title": "Second Paper", "abstract": "We propose TwoNet."},
        {"id": "x1", "title": "First paper", "abstract": "We propose OneNet (v2)."},  # the same paper
    ]
    summary, graph = build([write_jsonl(tmp_path / "a.jsonl", rows)], tmp_path / "out", FakeExtractor())
    ids = [p.id for p in graph.papers]
    assert ids[0] == "x1" and ids[1].startswith("title:") and len(ids) == 2
    assert summary.duplicates == 1 and "title-hash ids" in summary.notes[0]
