"""The learned relation typer: ontology typing, the shipped artefact, behaviour, the training script."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from kg.extract import load_extractor
from kg.extract.relate import relation_mode
from kg.extract.relation_features import LABELS, Candidate, allowed_mask, hash_features
from kg.extract.relation_model import MODEL_DIR, RelationModel, load_relation_model
from kg.types import PAPER, Paper
from kg.vocab import EntityType, RelationType


@pytest.fixture(scope="module")
def ex():
    return load_extractor()


def triples(ex, title: str, abstract: str) -> set[tuple[str, str, str]]:
    out = ex.extract(Paper("p", title, abstract))
    return {(r.head, r.type.value, r.tail) for r in out.relations}


@pytest.mark.parametrize("head", list(EntityType))
@pytest.mark.parametrize("tail", list(EntityType))
def test_mask_is_the_ontology_domain_and_range(head: EntityType, tail: EntityType) -> None:
    types = {"h": head, "t": tail}
    pair = allowed_mask(Candidate("pair", "h", "t", 0, "", ()), types, None)
    assert pair.tolist() == [r is not RelationType.PROPOSES and r.allows(head.value, tail.value) for r in LABELS]
    paper = allowed_mask(Candidate("paper", PAPER, "t", 0, "", ()), types, None)
    assert paper.tolist() == [r is RelationType.PROPOSES and r.allows("Paper", tail.value) for r in LABELS]
    self_paper = allowed_mask(Candidate("self", "<self>", "t", 0, "", ()), types, "Paper")
    assert not self_paper[LABELS.index(RelationType.PROPOSES)]


def test_artefact_loads_offline_from_the_package(offline: None) -> None:
    model = RelationModel.load(MODEL_DIR)
    assert MODEL_DIR.is_relative_to(Path(__file__).resolve().parents[2] / "kg")
    assert model.weights.shape == (1 << model.bits, len(LABELS))
    assert np.isfinite(model.weights).all() and np.abs(model.weights).sum() > 0
    assert set(model.thresholds) == {r.value for r in LABELS}
    prov = json.loads((MODEL_DIR / "provenance.json").read_text())
    assert set(prov["data"]["files"]) >= {"train-gold/train.jsonl", "train-gold/dev.jsonl"}
    assert all(len(h) == 64 for h in prov["data"]["files"].values())
    assert load_relation_model() is not None and relation_mode() == "combined"


def test_calibration_is_monotone_and_in_range() -> None:
    model = load_relation_model()
    assert model is not None
    confs = [model.confidence(x) for x in np.linspace(0, 1, 41)]
    assert all(0.0 <= c <= 1.0 for c in confs)
    assert confs == sorted(confs)


def test_hashing_is_stable_and_keeps_the_bias() -> None:
    a = hash_features(["bw:outperforms", "htt:Model_Model_hf"])
    assert a[0] == 0 and a.tolist() == hash_features(["htt:Model_Model_hf", "bw:outperforms"]).tolist()


@pytest.fixture
def learned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KG_RELATIONS", "learned")


def test_outperforms_on_gives_improves_on_and_evaluated_on(ex, learned: None) -> None:
    t = triples(ex, "ZetaNet: Fast Language Models",
                "We propose ZetaNet, a new language model. ZetaNet outperforms BERT on GLUE.")
    assert (PAPER, "proposes", "ZetaNet") in t
    assert ("ZetaNet", "improves-on", "BERT") in t
    assert ("ZetaNet", "evaluated-on", "GLUE") in t
    assert ("BERT", "improves-on", "ZetaNet") not in t


def test_unnamed_contribution_heads_with_paper_by_default(ex) -> None:
    # The default (combined) extractor; the learned model alone is weak here (docs/quality.md).
    assert relation_mode() == "combined"
    t = triples(ex, "A study of adapter tuning", "Our method outperforms LoRA on the GLUE benchmark.")
    assert (PAPER, "improves-on", "LoRA") in t
    assert (PAPER, "evaluated-on", "GLUE") in t
    assert (PAPER, "proposes", "LoRA") not in t


def test_built_on_and_trained_on(ex, learned: None) -> None:
    t = triples(ex, "OmegaVLM: Vision and Language",
                "We present OmegaVLM, which is built on Llama 2. OmegaVLM is pre-trained on LAION-400M.")
    assert ("OmegaVLM", "builds-on", "Llama 2") in t
    assert ("OmegaVLM", "trained-on", "LAION-400M") in t


def test_every_learned_relation_fits_the_ontology(ex, learned: None) -> None:
    out = ex.extract(Paper("p", "KappaNet: image models",
                           "KappaNet outperforms ResNet-50 on ImageNet in top-1 accuracy for image classification."))
    types = {e.name: e.type.value for e in out.entities}
    assert out.relations
    for r in out.relations:
        assert r.type.allows("Paper" if r.head == PAPER else types[r.head], types[r.tail])
        assert r.extractor.startswith("learned:") and 0.0 <= r.confidence <= 1.0


def test_unknown_mode_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from kg.errors import InputError

    monkeypatch.setenv("KG_RELATIONS", "neural")
    with pytest.raises(InputError, match="KG_RELATIONS"):
        relation_mode()


def _abstract(pid: str, title: str, abstract: str, entities: list[tuple[str, str]],
              relations: list[tuple[str, str, str, str]]) -> dict:
    """A training record: entities as (name, type), each its own alias; relations as (head, type, tail, evidence)."""
    return {"id": pid, "title": title, "abstract": abstract,
            "entities": [{"name": n, "type": t, "aliases": [n]} for n, t in entities],
            "relations": [{"head": h, "type": r, "tail": t, "evidence": e} for h, r, t, e in relations]}


_TINY = [
    _abstract("t1", "ZetaNet: Fast Language Models",
              "We propose ZetaNet, a language model. ZetaNet outperforms BERT on GLUE.",
              [("ZetaNet", "Model"), ("BERT", "Model"), ("GLUE", "Benchmark")],
              [("PAPER", "proposes", "ZetaNet", "We propose ZetaNet"),
               ("ZetaNet", "improves-on", "BERT", "ZetaNet outperforms BERT"),
               ("ZetaNet", "evaluated-on", "GLUE", "on GLUE")]),
    _abstract("t2", "OmegaVLM: Vision", "OmegaVLM is built on Llama 2 and trained on LAION-400M.",
              [("OmegaVLM", "Model"), ("Llama 2", "Model"), ("LAION-400M", "Dataset")],
              [("PAPER", "proposes", "OmegaVLM", "OmegaVLM: Vision"),
               ("OmegaVLM", "builds-on", "Llama 2", ""),
               ("OmegaVLM", "trained-on", "LAION-400M", "")]),
]


def test_training_script_runs_on_a_tiny_slice(tmp_path: Path, load_script: Any) -> None:
    mod = load_script("train_relations")
    data = tmp_path / "data"
    for rel in (*mod.TRAIN, mod.DEV, mod.OOD):
        (data / rel).parent.mkdir(parents=True, exist_ok=True)
        (data / rel).write_text("".join(json.dumps(r) + "\n" for r in _TINY))
    out = tmp_path / "model"
    assert mod.main(["--data", str(data), "--out", str(out), "--limit", "2", "--maxiter", "40"]) == 0
    model = RelationModel.load(out)
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["positives"] > 0 and prov["seed"] == 0
    assert set(prov["scores"]) >= {"dev/learned", "dev-ood/rules", "dev/oracle-learned"}
    # Trained on these very abstracts, the oracle view must recover most gold relations.
    assert prov["scores"]["dev/oracle-learned"]["all"] >= 0.5
    assert set(json.loads((out / "config.json").read_text())["combine"]) == {r.value for r in LABELS}
    assert model.weights.shape[1] == len(LABELS)
