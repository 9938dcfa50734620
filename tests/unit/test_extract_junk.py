"""Junk filtering (kg.extract.junk): names that are never entities, on issue 11's examples and others."""

from __future__ import annotations

import pytest

from kg.extract import load_extractor
from kg.extract.junk import drop_junk, is_fragment, junk_reason
from kg.types import EntityType, Mention, Paper, PaperEntity, PaperRelation, RelationType


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        # issue 11
        ("ModelName", "placeholder"),
        ("VideoDatasetName", "placeholder"),
        ("NOT", "function word"),
        ("sim0.6", "number"),
        ("LoRA-Based", "adjective form"),
        ("reStructured", "camel-cased word"),
        # others of the same kinds
        ("DatasetName", "placeholder"),
        ("XXX", "placeholder"),
        ("YourModelHere", "placeholder"),
        ("method_name", "placeholder"),
        ("The", "function word"),
        ("Our", "function word"),
        ("However", "function word"),
        ("Specifically", "function word"),
        ("80.1%", "number"),
        ("v2", "number"),
        ("12.5x", "number"),
        ("~3K", "number"),
        ("2nd", "number"),
        ("BERT-like", "adjective form"),
        ("Diffusion-driven", "adjective form"),
        ("GAN-Style", "adjective form"),
        ("preTrained", "camel-cased word"),
        ("unSupervised", "camel-cased word"),
        ("spLitting", "camel-cased word"),
    ],
)
def test_junk_names(name: str, reason: str) -> None:
    assert junk_reason(name) == reason


@pytest.mark.parametrize(
    "name",
    ["LoRA", "GPT-4", "T5", "ResNet-50", "mBERT", "xLSTM", "fastText", "word2vec", "iPhone", "DeBERTa",
     "Llama 2", "XXL", "NameNet", "ImageNet-1K", "top-1 accuracy", "Re-ID", "CoT", "wav2vec 2.0", "v2 model",
     "Q&A", "k-NN", "α-Net", "Mixture-of-Experts", "Retrieval-Augmented Generation", "ViT-B/16", "3D-UNet"],
)  # fmt: skip
def test_names_are_not_junk(name: str) -> None:
    assert junk_reason(name) is None


def _entity(name: str, field: str, start: int, origin: str = "caps") -> PaperEntity:
    m = Mention(field, start, start + len(name), name, EntityType.MODEL, origin=origin)  # type: ignore[arg-type]
    return PaperEntity(name, EntityType.MODEL, (name,), (m,))


def test_fragment_of_a_long_form_goes_with_its_relations() -> None:
    title = "COSMO: COntrastive Streamlined MultimOdal Model"
    abstract = "We present COntrastive Streamlined MultimOdal Model (COSMO), better than Flamingo."
    long = "COntrastive Streamlined MultimOdal Model"
    ents = [
        _entity(long, "abstract", abstract.index(long), "abbrev"),
        _entity("MultimOdal", "title", title.index("MultimOdal")),  # only inside the long name
        _entity("Flamingo", "abstract", abstract.index("Flamingo"), "kb"),
    ]
    rels = [
        PaperRelation("PAPER", RelationType.PROPOSES, long, "", 0.9),
        PaperRelation("MultimOdal", RelationType.IMPROVES_ON, "Flamingo", "", 0.9),
    ]
    start = abstract.index(long)
    kept, kept_rels = drop_junk(
        ents, rels, {"title": title, "abstract": abstract}, {"abstract": [(start, start + len(long))]}
    )
    assert [e.name for e in kept] == [long, "Flamingo"]
    assert [(r.head, r.tail) for r in kept_rels] == [("PAPER", long)]


def test_a_name_that_also_stands_alone_is_no_fragment() -> None:
    text = "We train Vision Transformer models; a Transformer alone is weaker."
    runs = [(text.index("Vision Transformer"), text.index("Vision Transformer") + 18)]
    inside = text.index("Transformer")
    alone = text.index("Transformer", inside + 1)
    assert is_fragment([(inside, inside + 11)], runs)
    assert not is_fragment([(inside, inside + 11), (alone, alone + 11)], runs)
    kept, _ = drop_junk(
        [_entity("Vision Transformer", "abstract", runs[0][0]), _entity("Transformer", "abstract", alone)],
        [],
        {"abstract": text},
        {},
    )
    assert [e.name for e in kept] == ["Vision Transformer", "Transformer"]


def test_defined_acronyms_that_spell_a_function_word_stay() -> None:
    text = "We use ultrasound (US) images. US is cheap."
    us = _entity("US", "abstract", text.index("US"), "short")
    kept, _ = drop_junk([us, _entity("NOT", "abstract", 0)], [], {"abstract": text}, {})
    assert [e.name for e in kept] == ["US"]


def test_extractor_never_returns_junk() -> None:
    paper = Paper(
        "p",
        "ZetaNet: Fast Retrieval",
        "We propose ZetaNet. Replace ModelName and VideoDatasetName with your own. ZetaNet does NOT use "
        "sim0.6 of the data, and XXX is reStructured. ZetaNet outperforms BERT on GLUE.",
    )
    out = load_extractor().extract(paper)
    names = {e.name for e in out.entities}
    assert {"ZetaNet", "BERT", "GLUE"} <= names
    assert all(junk_reason(n) is None for n in names), names
    assert all(r.tail in names and (r.head == "PAPER" or r.head in names) for r in out.relations)
