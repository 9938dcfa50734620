"""The ontology is the single source of the type lists; kg/vocab.py must be regenerated from it."""

from pathlib import Path

import pytest

from kg import ontology as onto
from kg.vocab import EntityType, RelationType


def test_vocab_module_is_generated_from_current_ontology():
    generated = onto.render_vocab()
    checked_in = (Path(onto.__file__).parent / "vocab.py").read_text(encoding="utf-8")
    assert checked_in == generated, "kg/vocab.py is stale: run `python -m kg.ontology > kg/vocab.py`"


def test_types_match_guidelines():
    assert [t.value for t in EntityType] == ["Model", "Method", "Dataset", "Benchmark", "Task", "Metric"]
    assert [r.value for r in RelationType] == [
        "proposes", "improves-on", "evaluated-on", "builds-on", "trained-on", "uses", "applied-to", "evaluated-with",
    ]


@pytest.mark.parametrize(
    ("rel", "cypher", "rdf"),
    [
        (RelationType.IMPROVES_ON, "IMPROVES_ON", "improvesOn"),
        (RelationType.EVALUATED_WITH, "EVALUATED_WITH", "evaluatedWith"),
    ],
)
def test_each_relation_knows_its_spellings(rel, cypher, rdf):
    assert rel.cypher == cypher
    assert rel.rdf_name == rdf
    assert rel.python_name == cypher.lower()


def test_benchmark_is_a_dataset_and_ranges_follow_guidelines():
    assert EntityType.BENCHMARK.parent is EntityType.DATASET
    assert EntityType.MODEL.parent is None
    assert RelationType.EVALUATED_ON.tail_types == frozenset({"Dataset"})
    assert RelationType.APPLIED_TO.tail_types == frozenset({"Task"})
    assert "Paper" in RelationType.IMPROVES_ON.head_types
    assert RelationType.PROPOSES.head_types == frozenset({"Paper"})
