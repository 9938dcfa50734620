"""kg.pipeline with a fake extractor: cache hits and misses, incremental and idempotent builds,
replaced assertions, duplicates, rejects, failing papers, streaming linking == linking at once."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from kg.errors import InputError
from kg.link import Linker
from kg.pipeline import MAX_FIELD_CHARS, StreamLinker, run_build, run_extract
from kg.types import PAPER, Extraction, Mention, Paper, PaperEntity, PaperRelation
from kg.vocab import EntityType, RelationType
from kg.write.graphjson import read_graph, write_graph

sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures"))
from build_outputs import output_snapshot  # noqa: E402

NAME = re.compile(r"\b[A-Z][A-Za-z]*[A-Z0-9][A-Za-z0-9-]*\b")


class FakeExtractor:
    """Capitalised names -> Model entities; the first is proposed; records every paper it sees.

    ``tag`` goes into every entity name, so two versions give different graphs.
    """

    def __init__(self, version: str = "fake-1", tag: str = "", fail_on: str | None = None) -> None:
        self.version = version
        self.tag = tag
        self.fail_on = fail_on
        self.seen: list[str] = []

    def extract_many(self, papers: Iterable[Paper], batch_size: int = 64) -> Iterator[Extraction]:
        for p in papers:
            if self.fail_on and self.fail_on in p.abstract:
                raise ValueError(f"cannot parse {p.id}")
            self.seen.append(p.id)
            ents = []
            for m in NAME.finditer(p.abstract):
                name = m.group(0) + self.tag
                ents.append(
                    PaperEntity(name, EntityType.MODEL, (name,),
                                (Mention("abstract", m.start(), m.end(), m.group(0), EntityType.MODEL),))
                )  # fmt: skip
            rels = (
                (PaperRelation(PAPER, RelationType.PROPOSES, ents[0].name, p.abstract, 0.9),) if ents else ()
            )
            yield Extraction(p, tuple(ents), rels, extractor=self.version)


def write_jsonl(path: Path, rows: list[dict[str, object]], extra: str = "") -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows) + extra, encoding="utf-8")
    return path


def papers(n: int, start: int = 0) -> list[dict[str, object]]:
    return [
        {
            "id": f"p{i}",
            "title": f"Paper {i}",
            "abstract": f"We propose Net{i}X. It beats BaseNet on Bench{i % 3}.",
        }
        for i in range(start, start + n)
    ]


def build(inp: list[Path], out: Path, ex: FakeExtractor, **kw: object):  # type: ignore[no-untyped-def]
    return run_build(
        inp, out, quiet=True, writers=[lambda g, d: [write_graph(g, d)]], factory=lambda: ex, **kw
    )


OUTPUTS = ("extractions.jsonl", "graph.json", "rejected.jsonl")


def test_rebuild_is_idempotent_and_extracts_nothing(tmp_path: Path) -> None:
    inp = write_jsonl(tmp_path / "in.jsonl", papers(30), extra='{"title": "broken"\n')
    ex = FakeExtractor()
    s1, _ = build([inp], tmp_path / "out", ex)
    first = output_snapshot(tmp_path / "out", OUTPUTS)
    s2, _ = build([inp], tmp_path / "out", ex)
    assert (s1.extracted, s1.cached, s2.extracted, s2.cached) == (30, 0, 0, 30)
    assert output_snapshot(tmp_path / "out", OUTPUTS) == first
    assert len(ex.seen) == 30
    assert (s2.papers, s2.rejected, s2.records) == (30, 1, 31)


def test_adding_ten_papers_extracts_only_those_ten(tmp_path: Path) -> None:
    ex = FakeExtractor()
    build([write_jsonl(tmp_path / "in.jsonl", papers(30))], tmp_path / "out", ex)
    grown = write_jsonl(tmp_path / "in.jsonl", papers(30) + papers(10, start=30))
    ex.seen.clear()
    summary, graph = build([grown], tmp_path / "out", ex)
    assert sorted(ex.seen) == sorted(f"p{i}" for i in range(30, 40))
    assert (summary.extracted, summary.cached, summary.papers) == (10, 30, 40)
    # Same result as a fresh build of the grown input.
    build([grown], tmp_path / "fresh", FakeExtractor())
    assert output_snapshot(tmp_path / "out", OUTPUTS) == output_snapshot(tmp_path / "fresh", OUTPUTS)


def test_new_extractor_version_re_extracts_and_replaces_old_assertions(tmp_path: Path) -> None:
    inp = write_jsonl(tmp_path / "in.jsonl", papers(12))
    build([inp], tmp_path / "out", FakeExtractor("fake-1", tag=""))
    ex2 = FakeExtractor("fake-2", tag="v2")
    summary, graph = build([inp], tmp_path / "out", ex2)
    assert summary.extracted == 12 and len(ex2.seen) == 12
    names = {e.name for e in read_graph(tmp_path / "out").entities}
    assert names and all(n.endswith("v2") for n in names), names  # no stale entity of fake-1
    lines = (tmp_path / "out" / "extractions.jsonl").read_text().splitlines()
    assert all(e["name"].endswith("v2") for line in lines for e in json.loads(line)["entities"])
    assert graph.meta["extractor"] == "fake-2"


def test_changed_abstract_re_extracts_that_paper_only(tmp_path: Path) -> None:
    rows = papers(5)
    build([write_jsonl(tmp_path / "in.jsonl", rows)], tmp_path / "out", FakeExtractor())
    rows[2] = {**rows[2], "abstract": "We propose OtherNet instead."}
    ex = FakeExtractor()
    _, graph = build([write_jsonl(tmp_path / "in.jsonl", rows)], tmp_path / "out", ex)
    assert ex.seen == ["p2"]
    assert {e.name for e in graph.entities if "p2" in e.papers} == {"OtherNet"}
    assert not any("Net2X" in e.name for e in graph.entities)


def test_metadata_change_does_not_re_extract(tmp_path: Path) -> None:
    rows = papers(3)
    build([write_jsonl(tmp_path / "in.jsonl", rows)], tmp_path / "out", FakeExtractor())
    ex = FakeExtractor()
    rows[0] = {**rows[0], "date": "2025-01-01"}
    _, graph = build([write_jsonl(tmp_path / "in.jsonl", rows)], tmp_path / "out", ex)
    assert ex.seen == []
    assert next(p for p in graph.papers if p.id == "p0").date == "2025-01-01"


def test_duplicates_counted_and_their_sightings_kept(tmp_path: Path) -> None:
    a = write_jsonl(tmp_path / "a.jsonl", papers(3))
    b = write_jsonl(tmp_path / "b.jsonl", papers(2, start=1))
    summary, graph = build([a, b], tmp_path / "out", FakeExtractor())
    assert (summary.records, summary.papers, summary.duplicates) == (5, 3, 2)
    seen = {p.id: [(Path(s.source).name, s.line) for s in p.seen] for p in graph.papers}
    assert seen["p1"] == [("a.jsonl", 2), ("b.jsonl", 1)]
    assert seen["p0"] == [("a.jsonl", 1)]


def test_failing_paper_goes_to_rejected_and_others_are_kept(tmp_path: Path) -> None:
    rows = papers(6)
    rows[3] = {**rows[3], "abstract": "POISON makes the extractor fail."}
    inp = write_jsonl(tmp_path / "in.jsonl", rows)
    summary, graph = build([inp], tmp_path / "out", FakeExtractor(fail_on="POISON"), batch_size=4)
    assert (summary.papers, summary.rejected) == (5, 1)
    assert "p3" not in {p.id for p in graph.papers}
    rejected = [json.loads(line) for line in (tmp_path / "out" / "rejected.jsonl").read_text().splitlines()]
    assert rejected[0]["line"] == 4
    assert rejected[0]["reason"] == "extraction failed: ValueError: cannot parse p3"


def test_too_long_abstract_is_rejected_with_its_length(tmp_path: Path) -> None:
    # (the loader strips the trailing space)
    rows = papers(2) + [{"id": "big", "title": "Big", "abstract": "word " * (MAX_FIELD_CHARS // 4)}]
    ex = FakeExtractor()
    summary, _ = build([write_jsonl(tmp_path / "in.jsonl", rows)], tmp_path / "out", ex)
    assert (summary.papers, summary.rejected) == (2, 1)
    assert "big" not in ex.seen
    row = json.loads((tmp_path / "out" / "rejected.jsonl").read_text())
    n = MAX_FIELD_CHARS // 4 * 5 - 1
    assert row["reason"] == f"abstract is {n:,} characters long (limit {MAX_FIELD_CHARS:,})"


def test_out_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "out").write_text("x")
    with pytest.raises(InputError, match="exists and is not a directory"):
        build([write_jsonl(tmp_path / "in.jsonl", papers(1))], tmp_path / "out", FakeExtractor())


def test_extract_only_with_persistent_cache(tmp_path: Path) -> None:
    inp = write_jsonl(tmp_path / "in.jsonl", papers(4), extra="not json\n")
    ex = FakeExtractor()
    kw = {"quiet": True, "factory": lambda: ex, "cache_path": tmp_path / "c.sqlite"}
    s1 = run_extract([inp], tmp_path / "x.jsonl", **kw)  # type: ignore[arg-type]
    s2 = run_extract([inp], tmp_path / "x.jsonl", **kw)  # type: ignore[arg-type]
    assert (s1.extracted, s2.extracted, s2.cached, s2.rejected) == (4, 0, 4, 1)
    rows = [json.loads(line) for line in (tmp_path / "x.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == ["p0", "p1", "p2", "p3"]
    assert (tmp_path / "x.rejected.jsonl").read_text().count("\n") == 1


def _ent(name: str, *aliases: str) -> PaperEntity:
    return PaperEntity(name, EntityType.METHOD, (name, *aliases), ())


def test_stream_linker_equals_linking_everything_at_once() -> None:
    exs = [
        Extraction(Paper("p1", "t", "a"), (_ent("ProcX"),), ()),  # short form before its definition
        Extraction(Paper("p2", "t", "a"), (_ent("Procedural Mixer", "ProcX"),), ()),
        Extraction(Paper("p3", "t", "a"), (_ent("AmbN"), _ent("Ambiguous Net One", "AmbN")), ()),
        Extraction(Paper("p4", "t", "a"), (_ent("Ambiguous Net Two", "AmbN"), _ent("ProcX")), ()),
        Extraction(Paper("p5", "t", "a"), (_ent("Vision Transformer", "ViT"), _ent("ViT")), ()),
    ]
    whole = Linker().link(exs)
    streamed = StreamLinker(Linker(), exs)
    parts = [ex for i in range(0, len(exs), 2) for ex in streamed.link(exs[i : i + 2])]
    assert parts == whole
    ids = {e.name: e.id for ex in whole for e in ex.entities}
    assert ids["ProcX"] == "procedural-mixer" and ids["AmbN"] == "ambn"  # rule 2 applied / ambiguous


def test_a_capped_graph_html_is_noted_in_the_summary(tmp_path: Path) -> None:
    from kg.write.html import HtmlWriter

    inp = write_jsonl(tmp_path / "in.jsonl", papers(20))
    summary, _ = run_build(
        [inp], tmp_path / "out", quiet=True, writers=[HtmlWriter(max_nodes=10).write], factory=FakeExtractor
    )
    assert len(summary.notes) == 1 and summary.notes[0].startswith("graph.html: Showing 10 of ")
    assert "kg html --focus" in summary.notes[0]
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["notes"] == list(summary.notes)
    summary, _ = run_build([inp], tmp_path / "out", quiet=True, writers=[HtmlWriter().write], factory=FakeExtractor)
    assert summary.notes == ()
