"""The Extractor's contract: mentions point into their field, batching changes nothing, fallback works."""

import warnings

import pytest

from kg.extract import EXTRACTOR_VERSION, Extractor, build_nlp, load_extractor
from kg.types import Paper

PAPERS = [
    Paper(
        "p1",
        "ProcX: Procedure Transformers",
        "We propose Procedure Transformer (ProcX). ProcX outperforms "
        "VideoMAE V2 on YouCook2 and CrossTask in terms of accuracy.",
    ),
    Paper(
        "p2", "Tiny adapters", "Low-Rank Adaptation (LoRA) is fine-tuned on The Pile. Our method beats LoRA."
    ),
    Paper("p3", "<script>alert(1)</script>: x", "Nothing named here at all."),
]


@pytest.fixture(scope="module")
def ex() -> Extractor:
    return load_extractor()


def test_mentions_index_their_field(ex: Extractor) -> None:
    for p in PAPERS:
        out = ex.extract(p)
        for e in out.entities:
            assert e.mentions, e
            for m in e.mentions:
                assert p.field(m.field)[m.start : m.end] == m.text
                assert m.text in e.aliases


def test_extract_many_equals_extract(ex: Extractor) -> None:
    one = [ex.extract(p) for p in PAPERS]
    many = list(ex.extract_many(PAPERS, batch_size=2))
    assert one == many


def test_abbreviation_makes_one_entity_with_both_names(ex: Extractor) -> None:
    ents = {e.name: e for e in ex.extract(PAPERS[0]).entities}
    assert "Procedure Transformer" in ents
    assert {"Procedure Transformer", "ProcX"} <= set(ents["Procedure Transformer"].aliases)
    assert ents["YouCook2"].type.value == "Benchmark"


def test_version_is_a_cache_key(ex: Extractor) -> None:
    assert ex.version.startswith(EXTRACTOR_VERSION) and "src." in ex.version


def test_blank_fallback_warns_once_and_still_extracts() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        nlp, desc = build_nlp("no_such_spacy_package")
    assert desc == "blank:en+sentencizer"
    assert any("not installed" in str(w.message) for w in caught)
    out = Extractor(nlp, desc).extract(PAPERS[1])
    names = {e.name for e in out.entities}
    assert "Low-Rank Adaptation" in names and "The Pile" in names
