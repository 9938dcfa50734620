"""Every docs/cypher.md cookbook query over Bolt (official neo4j driver) against both test servers:
exact answers on the hand-made fixture graph (tests/fixtures/sparql_graph.py)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from kg.write.neo4j import Neo4jWriter

pytestmark = pytest.mark.neo4j

DOCS = Path(__file__).parents[2] / "docs" / "cypher.md"
sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures"))
import sparql_graph as fx  # noqa: E402
from sparql_papers import ADAPT, DEBERTA, DORA, ELECTRA, FIRA, LORA_PAPER, PAPERS, QLORA, SVFIT  # noqa: E402


def recipes() -> dict[str, str]:
    """slug -> Cypher, exactly as docs/cypher.md shows them."""
    text = DOCS.read_text(encoding="utf-8")
    found = re.findall(r"<!-- recipe: ([a-z0-9-]+) -->\n```cypher\n(.*?)\n```", text, flags=re.S)
    return dict(found)


EXPECTED = {
    **fx.SAME_ANSWERS,
    "evaluated-on-mmlu": [["Llama 2", "Model"], ["QLoRA", "Method"]],
    "builds-on-electra": [["from ELECTRA", "IMPROVES_ON", "BERT"], ["to ELECTRA", "BUILDS_ON", "DeBERTaV3"]],
    "most-evaluated-benchmarks": [["GLUE", 3], ["MMLU", 3]],
    "evidence-for-claim": [[SVFIT, fx.SVFIT_CLAIM, 0.9, "rules"]],
    "papers-building-on-paper": [
        [ADAPT, "IMPROVES_ON", "Low-Rank Adaptation", LORA_PAPER],
        [DEBERTA, "BUILDS_ON", "ELECTRA", ELECTRA],
        [DORA, "BUILDS_ON", "Low-Rank Adaptation", LORA_PAPER],
        [DORA, "IMPROVES_ON", "Low-Rank Adaptation", LORA_PAPER],
        [FIRA, "IMPROVES_ON", "Low-Rank Adaptation", LORA_PAPER],
        [QLORA, "BUILDS_ON", "Low-Rank Adaptation", LORA_PAPER],
        [SVFIT, "IMPROVES_ON", "Low-Rank Adaptation", LORA_PAPER],
    ],
    "low-confidence-claims": [
        [ADAPT, "EVALUATED_WITH", "accuracy", 0.6],
        ["Low-Rank Adaptation", "IMPROVES_ON", "adapters", 0.6],
    ],
    "entities-by-type": [
        ["Method", 12],
        ["Model", 7],
        ["Benchmark", 3],
        ["Dataset", 1],
        ["Metric", 1],
        ["Task", 1],
    ],
    "leaderboard-mmlu": [
        ["Mistral 7B", 60.1, "%", "accuracy", "Mistral 7B"],
        ["Llama 2", 54.8, "%", "accuracy", "Mistral 7B"],
    ],
    "largest-gains-over-llama-2": [
        ["Mistral 7B", 13.1, "points", "GSM8K", None],
        ["Mistral 7B", 5.3, "points", "MMLU", "accuracy"],
    ],
    "speedups-over-flashattention": [
        ["Mistral 7B", "1.5-2.5", 2.5, "Mistral 7B"],
        ["FlashAttention-2", "2", 2.0, PAPERS[9].title],
    ],
}


def test_docs_hold_at_least_ten_recipes_and_each_has_an_expected_answer():
    assert len(recipes()) >= 10
    assert set(recipes()) == set(EXPECTED)


@pytest.fixture(scope="module")
def fixture_loaded(bolt_server, bolt_driver):
    bolt_driver.execute_query("MATCH (n) DETACH DELETE n")
    Neo4jWriter(bolt_server.settings(), driver=bolt_driver).write(fx.fixture_graph())
    return bolt_driver


@pytest.mark.parametrize("slug", sorted(EXPECTED))
def test_recipe_answers_on_fixture_graph(fixture_loaded, slug):
    records = fixture_loaded.execute_query(recipes()[slug]).records
    rows = [list(r.values()) for r in records]
    assert rows == EXPECTED[slug]


# ---------------------------------------------------------------- the bundled corpus, pushed by `kg push`
@pytest.fixture(scope="module")
def corpus_loaded(bolt_server, bolt_driver, corpus_build):
    import json
    import os
    import subprocess
    import sys

    bolt_driver.execute_query("MATCH (n) DETACH DELETE n")
    kg = Path(sys.executable).with_name("kg")
    done = subprocess.run(
        [
            str(kg),
            "push",
            "--out",
            str(corpus_build),
            "--neo4j",
            bolt_server.uri,
            "--neo4j-dialect",
            bolt_server.dialect,
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **bolt_server.env()},
    )
    assert done.returncode == 0, done.stderr
    graph = json.loads((corpus_build / "graph.json").read_text(encoding="utf-8"))
    return bolt_driver, corpus_build, graph


def ask(driver, slug):
    return [list(r.values()) for r in driver.execute_query(recipes()[slug]).records]


def col(rows, i=0):
    return {r[i] for r in rows}


def test_corpus_evaluated_on_mmlu(corpus_loaded):
    # "On 0-shot MMLU, UL2 20B outperforms T0 and T5 models."
    assert "UL2 20B" in col(ask(corpus_loaded[0], "evaluated-on-mmlu"))


def test_corpus_improves_on_lora(corpus_loaded):
    # "SVFit outperforms LoRA ..." and "Fira outperforms both LoRA and GaLore"
    assert {"SVFit", "Fira"} <= col(ask(corpus_loaded[0], "improves-on-lora"))
    rows = ask(corpus_loaded[0], "papers-proposing-improvements-on-lora")
    titles = col(rows)
    assert any(t.startswith("SVFit:") for t in titles) and any(t.startswith("Fira:") for t in titles)


def test_corpus_electra(corpus_loaded):
    rows = ask(corpus_loaded[0], "builds-on-electra")
    assert rows and all(r[0] in ("from ELECTRA", "to ELECTRA") and r[1] in ("BUILDS_ON", "IMPROVES_ON") for r in rows)


def test_corpus_most_evaluated_benchmarks(corpus_loaded):
    rows = ask(corpus_loaded[0], "most-evaluated-benchmarks")
    counts = [n for _, n in rows]
    assert counts == sorted(counts, reverse=True) and counts[0] >= 3 and len(rows) <= 10
    assert "MMLU" in col(rows)


def test_corpus_chains_and_transitive(corpus_loaded):
    assert ["Fira", "GaLore"] in [r[:2] for r in ask(corpus_loaded[0], "improves-on-chains")]
    assert "GaLore" in col(ask(corpus_loaded[0], "transitive-improvements"))


def test_corpus_aliases_of_lora(corpus_loaded):
    rows = ask(corpus_loaded[0], "aliases")
    assert "LoRA" in col(rows, 1) and all("low-rank adapt" in name.lower() for name, _ in rows)


def test_corpus_evidence_is_a_sentence_of_the_cited_paper(corpus_loaded):
    _, _, graph = corpus_loaded
    abstracts = {n["title"]: n["title"] + " " + n["abstract"] for n in graph["nodes"] if n.get("kind") == "Paper"}
    rows = ask(corpus_loaded[0], "evidence-for-claim")
    assert rows
    for paper, evidence, confidence, extractor in rows:
        assert paper.startswith("SVFit:") and evidence and evidence in abstracts[paper]
        assert 0 <= confidence <= 1 and extractor


def test_corpus_papers_mentioning_mmlu(corpus_loaded):
    assert "UL2: Unifying Language Learning Paradigms" in col(ask(corpus_loaded[0], "papers-mentioning-mmlu"))


def test_corpus_derived_paper_links(corpus_loaded):
    rows = ask(corpus_loaded[0], "papers-building-on-paper")
    # "Fira outperforms both LoRA and GaLore"; the bundled GaLore paper proposes GaLore.
    assert [
        r
        for r in rows
        if r[0].startswith("Fira:") and r[1:3] == ["IMPROVES_ON", "GaLore"] and r[3].startswith("GaLore:")
    ]
    links = [e for e in corpus_loaded[2]["links"] if e.get("kind") == "paper_link"]
    assert len(rows) == len(links)


def test_corpus_trained_on_metrics_low_confidence_and_types(corpus_loaded):
    driver, out, _ = corpus_loaded
    assert all(len(r) == 2 and all(r) for r in ask(driver, "trained-on")) and ask(driver, "trained-on")
    assert ask(driver, "metrics-per-benchmark")
    low = ask(driver, "low-confidence-claims")
    assert low and all(r[3] < 0.7 for r in low)
    import json

    summary = json.loads((out / "summary.json").read_text())
    assert dict(ask(driver, "entities-by-type")) == summary["entities"]
