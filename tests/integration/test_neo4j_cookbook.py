"""Every docs/cypher.md cookbook query over Bolt (official neo4j driver) against the test server:
exact answers on the hand-made fixture graph (tests/fixtures/sparql_graph.py)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from kg.write.neo4j import Neo4jSettings, Neo4jWriter

pytestmark = pytest.mark.neo4j

DOCS = Path(__file__).parents[2] / "docs" / "cypher.md"
_spec = importlib.util.spec_from_file_location("sparql_graph", Path(__file__).parents[1] / "fixtures" / "sparql_graph.py")
fx = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fx)


def recipes() -> dict[str, str]:
    """slug -> Cypher, exactly as docs/cypher.md shows them."""
    text = DOCS.read_text(encoding="utf-8")
    found = re.findall(r"<!-- recipe: ([a-z0-9-]+) -->\n```cypher\n(.*?)\n```", text, flags=re.S)
    return dict(found)


LORA_PAPER = "LoRA: Low-Rank Adaptation of Large Language Models"
ADAPT = "A Study of Adapter Placement <script>alert(1)</script>"
DORA = "DoRA: Weight-Decomposed Low-Rank Adaptation"
SVFIT = "SVFit: Parameter-Efficient Fine-Tuning Using Singular Values"
FIRA = "Fira: Can We Achieve Full-rank Training of LLMs Under Low-rank Constraint?"
QLORA = "QLoRA: Efficient Finetuning of Quantized LLMs"
LLAMA = "Llama 2: Open Foundation and Fine-Tuned Chat Models"
ELECTRA = "ELECTRA: Pre-training Text Encoders as Discriminators Rather Than Generators"
DEBERTA = "DeBERTaV3: Improving DeBERTa using ELECTRA-Style Pre-Training"

EXPECTED = {
    "evaluated-on-mmlu": [["Llama 2", "Model"], ["QLoRA", "Method"]],
    "improves-on-lora": [[ADAPT, "paper"], ["DoRA", "entity"], ["Fira", "entity"], ["SVFit", "entity"]],
    "builds-on-electra": [["DeBERTaV3", "BUILDS_ON"]],
    "most-evaluated-benchmarks": [["GLUE", 3], ["MMLU", 3]],
    "papers-proposing-improvements-on-lora": [[DORA, "DoRA"], [FIRA, "Fira"], [SVFIT, "SVFit"]],
    "improves-on-chains": [
        ["DoRA", "Low-Rank Adaptation", "adapters"], ["DoRA", "Low-Rank Adaptation", "full fine-tuning"],
        ["Fira", "GaLore", "full-rank training"], ["Fira", "Low-Rank Adaptation", "adapters"],
        ["Fira", "Low-Rank Adaptation", "full fine-tuning"], ["SVFit", "Low-Rank Adaptation", "adapters"],
        ["SVFit", "Low-Rank Adaptation", "full fine-tuning"],
    ],
    "transitive-improvements": [["GaLore"], ["Low-Rank Adaptation"], ["adapters"], ["full fine-tuning"],
                                ["full-rank training"]],
    "aliases": [["Low-Rank Adaptation", "LoRA"]],
    "evidence-for-claim": [[SVFIT, fx.SVFIT_CLAIM, 0.9, "rules"]],
    "papers-mentioning-mmlu": [[ADAPT], [LLAMA], [QLORA]],
    "papers-building-on-paper": [
        [ADAPT, "IMPROVES_ON", "Low-Rank Adaptation", LORA_PAPER],
        [DEBERTA, "BUILDS_ON", "ELECTRA", ELECTRA],
        [DORA, "BUILDS_ON", "Low-Rank Adaptation", LORA_PAPER],
        [DORA, "IMPROVES_ON", "Low-Rank Adaptation", LORA_PAPER],
        [FIRA, "IMPROVES_ON", "Low-Rank Adaptation", LORA_PAPER],
        [QLORA, "BUILDS_ON", "Low-Rank Adaptation", LORA_PAPER],
        [SVFIT, "IMPROVES_ON", "Low-Rank Adaptation", LORA_PAPER],
    ],
    "trained-on": [["QLoRA", "OASST1"]],
    "metrics-per-benchmark": [["accuracy"]],
    "low-confidence-claims": [[ADAPT, "EVALUATED_WITH", "accuracy", 0.6],
                              ["Low-Rank Adaptation", "IMPROVES_ON", "adapters", 0.6]],
    "entities-by-type": [["Method", 10], ["Model", 6], ["Benchmark", 2], ["Dataset", 1], ["Metric", 1],
                         ["Task", 1]],
}


def test_docs_hold_at_least_ten_recipes_and_each_has_an_expected_answer():
    assert len(recipes()) >= 10
    assert set(recipes()) == set(EXPECTED)


@pytest.fixture(scope="module")
def fixture_loaded(bolt_server, bolt_driver):
    bolt_driver.execute_query("MATCH (n) DETACH DELETE n")
    Neo4jWriter(Neo4jSettings(bolt_server.uri, dialect=bolt_server.dialect), driver=bolt_driver).write(
        fx.fixture_graph()
    )
    return bolt_driver


@pytest.mark.parametrize("slug", sorted(EXPECTED))
def test_recipe_answers_on_fixture_graph(fixture_loaded, slug):
    records = fixture_loaded.execute_query(recipes()[slug]).records
    rows = [list(r.values()) for r in records]
    assert rows == EXPECTED[slug]
