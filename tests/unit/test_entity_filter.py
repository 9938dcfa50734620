"""The learned entity filter: features, keep/drop with relations, the shipped artefact, the switch, training."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from kg.errors import ExtractionError
from kg.extract import extractor as extractor_module
from kg.extract.entity_filter import MODEL_DIR, EntityFilter, entity_features, load_entity_filter
from kg.extract.relation_features import hash_features
from kg.types import PAPER, Mention, Paper, PaperEntity, PaperRelation
from kg.vocab import EntityType, RelationType


def entity(name: str, typ: EntityType = EntityType.METHOD, origin: str = "enc", score: float = 0.9) -> PaperEntity:
    m = Mention("abstract", 0, len(name), name, typ, origin=origin, score=score)
    return PaperEntity(name, typ, (name,), (m,))


def test_features_say_type_origin_shape_and_context() -> None:
    e = entity("data augmentation", EntityType.TASK, origin="phrase", score=1.0)
    fs = entity_features(e, {"abstract": "data augmentation helps"})
    assert {"type:Task", "origin:phrase", "enc:none", "shape:lower", "words:2", "head:augmentation"} <= set(fs)
    assert {"next:helps", "prev:^", "fields:abstract", "mentions:1"} <= set(fs)
    # Relations are no feature (in-sample for the training abstracts): the same entity scores the same.
    assert not any(f.startswith("rel") for f in fs)


def _filter_dropping(name: str) -> EntityFilter:
    """A hand-set filter: everything scores sigmoid(2) except entities named ``name``."""
    bits = 12
    w = np.zeros(1 << bits, dtype=np.float32)
    w[0] = 2.0
    w[[i for i in hash_features([f"name:{name}"], bits) if i]] = -10.0
    return EntityFilter(w, 0.5, bits)


def test_keep_drops_low_scored_entities_with_their_relations() -> None:
    ents = [entity("FooNet", EntityType.MODEL), entity("generic thing")]
    rels = [
        PaperRelation(PAPER, RelationType.PROPOSES, "FooNet", "", 0.9),
        PaperRelation("FooNet", RelationType.USES, "generic thing", "", 0.6),
    ]
    flt = _filter_dropping("generic thing")
    scores = flt.scores(ents, {"abstract": ""})
    assert scores[0] > 0.8 and scores[1] < 0.01
    kept, kept_rels = flt.keep(ents, rels, {"abstract": ""})
    assert [e.name for e in kept] == ["FooNet"]
    assert [(r.head, r.tail) for r in kept_rels] == [(PAPER, "FooNet")]
    assert flt.keep([], [], {}) == ([], [])


def test_artefact_loads_offline_from_the_package(offline: None) -> None:
    flt = EntityFilter.load(MODEL_DIR)
    assert MODEL_DIR.is_relative_to(Path(__file__).resolve().parents[2] / "kg")
    assert flt.weights.shape == (1 << flt.bits,) and np.isfinite(flt.weights).all() and np.abs(flt.weights).sum() > 0
    assert 0.0 < flt.threshold < 1.0 and len(flt.digest) == 8
    prov = json.loads((MODEL_DIR / "provenance.json").read_text())
    assert prov["chosen_on"] == "train-gold/dev.jsonl" and "train-gold/dev-ood.jsonl" not in prov["data_sha256"]
    assert all(len(h) == 64 for h in prov["data_sha256"].values())
    assert prov["dev"]["f1"] >= prov["dev_without_filter"]["f1"]


def test_the_default_extractor_filters_and_the_switch_turns_it_off(monkeypatch: pytest.MonkeyPatch) -> None:
    ex = extractor_module.load_extractor()
    assert ex.entity_filter is load_entity_filter() and ex.entity_filter is not None
    assert f"+entity-filter.{ex.entity_filter.digest}" in ex.version
    monkeypatch.setenv("KG_ENTITY_FILTER", "off")
    off = extractor_module.Extractor(ex.nlp, ex.description)
    assert off.entity_filter is None and "+entity-filter." not in off.version
    paper = Paper("p", "LoRA-X: Faster Fine-Tuning", "We propose LoRA-X, a method that outperforms LoRA on GLUE.")
    names_on = {e.name for e in ex.extract(paper).entities}
    names_off = {e.name for e in off.extract(paper).entities}
    assert names_on <= names_off and {"LoRA-X", "LoRA", "GLUE"} <= names_on
    monkeypatch.setenv("KG_ENTITY_FILTER", "maybe")
    with pytest.raises(ExtractionError, match="KG_ENTITY_FILTER='maybe' is not on or off"):
        extractor_module.Extractor(ex.nlp, ex.description)


def test_training_script_runs_on_a_tiny_slice(tmp_path: Path, load_script: Any) -> None:
    mod = load_script("train_entity_filter")
    row = {
        "id": "t1",
        "title": "ZetaNet: Fast Language Models",
        "abstract": "We propose ZetaNet, a language model. ZetaNet outperforms BERT on GLUE with data augmentation.",
        "entities": [
            {"name": n, "type": t, "aliases": [n]}
            for n, t in [("ZetaNet", "Model"), ("BERT", "Model"), ("GLUE", "Benchmark")]
        ],
    }
    data = tmp_path / "data"
    for rel in (*mod.TRAIN, mod.DEV, mod.OOD):
        (data / rel).parent.mkdir(parents=True, exist_ok=True)
        (data / rel).write_text(json.dumps(row) + "\n")
    out = tmp_path / "model"
    assert mod.main(["--data", str(data), "--out", str(out), "--l2", "1"]) == 0
    flt = EntityFilter.load(out)
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["entities"] >= 9 and 0 < prov["kept_fraction"] <= 1  # three copies of the abstract
    # The gold entities were found and labelled kept: on the abstract itself, recall stays whole.
    assert prov["dev"]["r"] == 1.0 and flt.threshold == prov["threshold"]
