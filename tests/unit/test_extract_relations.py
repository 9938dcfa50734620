"""Relation patterns of the rule extractor, end to end through the spaCy pipeline.

These pin the rules themselves (``KG_RELATIONS=rules``); the learned model and the default
combination have their own behaviour tests in test_relation_model.py.
"""

import pytest

from kg.extract import load_extractor
from kg.types import PAPER, Paper


@pytest.fixture(scope="module")
def ex():
    return load_extractor()


@pytest.fixture(autouse=True)
def _rules_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KG_RELATIONS", "rules")


def triples(ex, title: str, abstract: str) -> set[tuple[str, str, str]]:
    out = ex.extract(Paper("p", title, abstract))
    return {(r.head, r.type.value, r.tail) for r in out.relations}


def test_title_lead_name_is_proposed(ex) -> None:
    t = triples(ex, "ProcX: Procedure Transformers for Videos", "We study videos.")
    assert (PAPER, "proposes", "ProcX") in t


def test_we_propose_and_outperforms(ex) -> None:
    t = triples(
        ex, "Fast adapters", "We propose FastLoRA, a new method. FastLoRA outperforms LoRA and QLoRA."
    )
    assert (PAPER, "proposes", "FastLoRA") in t
    assert ("FastLoRA", "improves-on", "LoRA") in t
    assert ("FastLoRA", "improves-on", "QLoRA") in t


def test_unnamed_contribution_is_paper_head(ex) -> None:
    t = triples(ex, "A study of adapters", "Our method outperforms LoRA on GLUE.")
    assert (PAPER, "improves-on", "LoRA") in t
    assert (PAPER, "evaluated-on", "GLUE") in t


def test_evaluated_on_benchmarks_and_metric(ex) -> None:
    t = triples(ex, "ZetaNet: a model", "We evaluate ZetaNet on MMLU and GSM8K, reporting accuracy.")
    assert {("ZetaNet", "evaluated-on", "MMLU"), ("ZetaNet", "evaluated-on", "GSM8K")} <= t
    assert ("ZetaNet", "evaluated-with", "accuracy") in t


def test_built_on_and_trained_on(ex) -> None:
    t = triples(
        ex, "OmegaVLM: vision", "OmegaVLM is built on Llama 2. OmegaVLM is pre-trained on LAION-400M."
    )
    assert ("OmegaVLM", "builds-on", "Llama 2") in t
    assert ("OmegaVLM", "trained-on", "LAION-400M") in t


def test_direction_of_outperforms(ex) -> None:
    t = triples(ex, "A note", "LoRA is outperformed by nothing, but DoRA outperforms LoRA.")
    assert ("DoRA", "improves-on", "LoRA") in t
    assert ("LoRA", "improves-on", "DoRA") not in t


def test_relations_respect_ontology_types(ex) -> None:
    # A metric is never an improves-on tail, a task never an evaluated-on tail.
    t = triples(ex, "KappaNet: x", "KappaNet outperforms accuracy baselines on image classification.")
    assert not any(r == "improves-on" and tail == "accuracy" for _, r, tail in t)
    assert not any(r == "evaluated-on" and tail == "image classification" for _, r, tail in t)


def test_evidence_is_verbatim_sentence_and_confidence_in_range(ex) -> None:
    abstract = "We propose FastLoRA. FastLoRA outperforms LoRA by 3 points."
    out = ex.extract(Paper("p", "t", abstract))
    for r in out.relations:
        assert r.evidence in abstract or r.evidence == "t"
        assert 0.0 <= r.confidence <= 1.0


def test_known_model_in_a_report_is_not_proposed(ex) -> None:
    t = triples(
        ex,
        "Towards better continual pre-training",
        "This paper presents a technical report for continually pre-training Llama-3 (8B).",
    )
    assert (PAPER, "proposes", "Llama-3") not in t


def test_title_name_and_renamed_abstract_name_are_one_entity(ex) -> None:
    out = ex.extract(
        Paper(
            "p",
            "Tutel: Adaptive Mixture-of-Experts at Scale",
            "We present Flex, a scalable stack for MoE. Flex outperforms Fairseq.",
        )
    )
    ents = {e.name: e for e in out.entities}
    assert {"Tutel", "Flex"} <= set(ents["Tutel"].aliases)
    assert ("Tutel", "improves-on", "Fairseq") in {(r.head, r.type.value, r.tail) for r in out.relations}


def test_benchmark_after_on_in_a_results_sentence(monkeypatch) -> None:
    # A rule of the rules-only sources (the default's encoder types names from its own reading).
    monkeypatch.setenv("KG_MENTION_SOURCES", "rules")
    out = load_extractor().extract(Paper("p", "ZetaLM: a model", "ZetaLM gains +6.31 on CMMLU and +4.1 on SciEvalX."))
    types = {e.name: e.type.value for e in out.entities}
    assert types["CMMLU"] == "Benchmark" and types["SciEvalX"] == "Benchmark"


def test_generic_subject_is_not_the_paper(ex) -> None:
    t = triples(
        ex,
        "Fira: full-rank training",
        "Previous methods rely on decomposing weight matrices (e.g., LoRA). We propose Fira.",
    )
    assert not any(tail == "LoRA" and r == "uses" for _, r, tail in t)


def test_nearest_cue_owns_the_tail(ex) -> None:
    t = triples(
        ex,
        "NoiseNet: robust pre-training",
        "NoiseNet estimates noise based on memorization and employs mixup on the batch.",
    )
    assert ("NoiseNet", "uses", "mixup") in t
    assert ("NoiseNet", "builds-on", "mixup") not in t


def test_a_system_right_before_a_task_is_applied_to_it(ex) -> None:
    t = triples(ex, "A study of point clouds", "PointCLIP adopts CLIP for shape classification.")
    assert ("CLIP", "applied-to", "shape classification") in t
    # Only when nothing but "for/to/in (the task of)" stands between them.
    t = triples(ex, "A study", "CLIP, which was trained for months, helps shape classification.")
    assert ("CLIP", "applied-to", "shape classification") not in t
