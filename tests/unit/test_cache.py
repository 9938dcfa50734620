"""kg.cache: keys, replacement, run table, persistence across connections, schema changes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.cache import (
    ExtractionCache,
    content_hash,
    extraction_from_row,
    extraction_to_row,
    paper_from_row,
    paper_to_row,
)
from kg.errors import WriterError
from kg.types import PAPER, Extraction, Mention, Paper, PaperEntity, PaperRelation, Sighting
from kg.vocab import EntityType, RelationType


def extraction(p: Paper, name: str = "X", version: str = "v1") -> Extraction:
    m = Mention("abstract", 0, len(name), name, EntityType.MODEL, origin="kb", score=0.75)
    ent = PaperEntity(name, EntityType.MODEL, (name,), (m,))
    rel = PaperRelation(PAPER, RelationType.PROPOSES, name, "ev", 0.9, extractor="rules")
    return Extraction(p, (ent,), (rel,), extractor=version)


def test_key_is_id_content_and_version(tmp_path: Path) -> None:
    cache = ExtractionCache(tmp_path / "c.sqlite")
    p = Paper("p", "T", "X is new.")
    cache.store([extraction(p)])
    assert cache.lookup(p, "v1") == extraction(p)
    assert cache.lookup(p, "v2") is None
    assert cache.lookup(Paper("p", "T", "X is newer."), "v1") is None
    assert cache.lookup(Paper("q", "T", "X is new."), "v1") is None
    # Metadata is not part of the key.
    assert cache.is_cached(Paper("p", "T", "X is new.", date="2020-01-01", url="u"), "v1")


def test_re_extraction_replaces_the_row(tmp_path: Path) -> None:
    cache = ExtractionCache(tmp_path / "c.sqlite")
    p = Paper("p", "T", "X is new.")
    cache.store([extraction(p, "Old")])
    cache.store([extraction(p, "New", "v2")])
    assert len(cache) == 1
    assert cache.lookup(p, "v2").entities[0].name == "New"  # type: ignore[union-attr]
    assert cache.lookup(p, "v1") is None


def test_committed_batches_survive_a_new_connection(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    cache = ExtractionCache(path)
    cache.start_run()
    p1, p2 = Paper("p1", "T", "A"), Paper("p2", "T", "B")
    cache.add_paper(p1)
    cache.store([extraction(p1)])  # commits the batch and the run rows before it
    cache.add_paper(p2)  # not committed: as if the process were killed here
    # A second connection sees only what was committed.
    other = ExtractionCache(path)
    assert other.is_cached(p1, "v1") and not other.is_cached(p2, "v1")
    assert other.run_size() == 1


def test_run_table_dedupes_in_order_and_keeps_sightings(tmp_path: Path) -> None:
    cache = ExtractionCache(tmp_path / "c.sqlite")
    cache.start_run()
    a = Paper("a", "T", "A", seen=(Sighting("f1", 1),))
    b = Paper("b", "T", "B", seen=(Sighting("f1", 2),))
    assert cache.add_paper(b) and cache.add_paper(a)
    assert not cache.add_paper(Paper("a", "T2", "A2", seen=(Sighting("f2", 7, "2024-01-02"),)))
    cache.store([extraction(a), extraction(b)])
    assert [ex.paper.id for ex in cache.run_extractions(batch=1)] == ["b", "a"]
    assert cache.sightings.get("a") == (Sighting("f2", 7, "2024-01-02"),)
    assert cache.sightings.get("b") is None
    cache.start_run()
    assert cache.run_size() == 0 and len(cache) == 2


def test_run_extractions_refuses_a_missing_extraction(tmp_path: Path) -> None:
    cache = ExtractionCache(tmp_path / "c.sqlite")
    cache.start_run()
    cache.add_paper(Paper("a", "T", "A"))
    with pytest.raises(KeyError, match="'a'"):
        list(cache.run_extractions())


def test_old_schema_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    cache = ExtractionCache(path)
    cache.store([extraction(Paper("p", "T", "A"))])
    cache.close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = '0' WHERE key = 'schema'")
    assert len(ExtractionCache(path)) == 0


def test_not_a_database_is_a_writer_error(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(WriterError, match="c.sqlite"):
        ExtractionCache(path)


text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60)


@settings(max_examples=100, deadline=None, database=None)
@given(title=text, abstract=text, authors=st.lists(text, max_size=3), score=st.floats(0, 1))
def test_rows_round_trip(title: str, abstract: str, authors: list[str], score: float) -> None:
    p = Paper("id", title, abstract, date=None, authors=tuple(authors), seen=(Sighting(title, 3),))
    assert paper_from_row(paper_to_row(p)) == p
    mention = Mention("title", 0, 1, title, EntityType.TASK)
    ex = Extraction(
        p,
        (PaperEntity(title, EntityType.TASK, (title, abstract), (mention,)),),
        (PaperRelation(PAPER, RelationType.USES, abstract, title, score),),
        extractor=abstract,
    )
    assert extraction_from_row(p, extraction_to_row(ex)) == ex
    assert content_hash(p) == content_hash(paper_from_row(paper_to_row(p)))
