"""kg.extract.statistical: the shipped SciER NER model loads, tags, and plugs into spaCy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy

from kg.errors import ExtractionError
from kg.extract.statistical import DEFAULT_MODEL, LABELS, StatisticalTagger, vote

TEXT = (
    "We propose a convolutional neural network for object detection and evaluate it on "
    "the COCO dataset, where it outperforms Faster R-CNN."
)


@pytest.fixture(scope="module")
def tagger() -> StatisticalTagger:
    return StatisticalTagger.load()


def test_shipped_model_is_small_and_has_provenance() -> None:
    size = sum(f.stat().st_size for f in DEFAULT_MODEL.rglob("*") if f.is_file())
    assert size < 25_000_000  # three ensemble members of ~7.7 MB
    prov = json.loads((DEFAULT_MODEL / "provenance.json").read_text(encoding="utf-8"))
    assert "GPL-3.0" in prov["data"]["licence"]
    assert set(prov["data"]["files"]) == {"scier/sentences/train.jsonl", "scier/sentences/dev.jsonl"}


def test_tags_a_sentence_with_sane_spans(tagger: StatisticalTagger) -> None:
    spans = tagger.tag(TEXT)
    found = {(TEXT[s:e], label) for s, e, label in spans}
    assert ("object detection", "Task") in found
    assert ("COCO", "Dataset") in found
    assert ("Faster R-CNN", "Method") in found
    for start, end, label in spans:
        assert 0 <= start < end <= len(TEXT)
        assert TEXT[start:end] == TEXT[start:end].strip()
        assert label in LABELS
    assert spans == sorted(spans)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))  # no overlaps


def test_tag_many_equals_tag(tagger: StatisticalTagger) -> None:
    texts = [TEXT, "", "BERT is pre-trained with masked language modeling."]
    assert tagger.tag_many(texts, batch_size=2) == [tagger.tag(t) for t in texts]


def test_load_is_cached_and_missing_model_is_a_kg_error(tmp_path: Path) -> None:
    assert StatisticalTagger.load() is StatisticalTagger.load(DEFAULT_MODEL)
    with pytest.raises(ExtractionError, match=str(tmp_path / "nope")):
        StatisticalTagger.load(tmp_path / "nope")


def test_spacy_factory_sets_spans_and_keeps_earlier_ents(tagger: StatisticalTagger) -> None:
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "Benchmark", "pattern": "COCO"}])  # type: ignore[attr-defined]
    nlp.add_pipe("kg_statistical_ner")
    doc = nlp(TEXT)
    stat = {(s.start_char, s.end_char, s.label_) for s in doc.spans["kg_statistical"]}
    assert stat == set(tagger.tag(TEXT))
    ents = {(e.text, e.label_) for e in doc.ents}
    assert ("COCO", "Benchmark") in ents  # the earlier component wins the overlap
    assert ("object detection", "Task") in ents


def test_vote_keeps_agreed_spans_with_the_majority_label() -> None:
    a = [(0, 4, "Method"), (10, 14, "Task"), (20, 25, "Dataset")]
    b = [(0, 4, "Method"), (10, 14, "Dataset"), (18, 25, "Dataset")]
    c = [(0, 9, "Method"), (10, 14, "Dataset")]
    assert vote([a, b, c], 2) == [(0, 4, "Method"), (10, 14, "Dataset")]
    assert vote([a, b, c], 3) == [(10, 14, "Dataset")]  # the span counts, whatever its label
    # no overlaps in the result: more votes win, then the longer span
    assert vote([a, b, c], 1) == [(0, 4, "Method"), (10, 14, "Dataset"), (18, 25, "Dataset")]
    assert vote([a], 1) == sorted(a)


def test_ensemble_folder_loads_members(tmp_path: Path, tagger: StatisticalTagger) -> None:
    (tmp_path / "ensemble.json").write_text('{"members": ["a", "b"], "min_votes": 2}', encoding="utf-8")
    for name in ("a", "b"):
        tagger.nlp.to_disk(tmp_path / name)
    twin = StatisticalTagger.load(tmp_path)
    assert len(twin.members) == 2 and twin.min_votes == 2
    assert twin.tag(TEXT) == StatisticalTagger(tagger.nlp).tag(TEXT)
