"""Results scoring (kg.evaluate.results) and its place in `kg eval`."""

import json

from typer.testing import CliRunner

from kg.cli import app
from kg.evaluate.results import score_results, value_key

GOLD = {
    "id": "g1",
    "title": "ZetaNet: fast",
    "abstract": "We propose ZetaNet. ZetaNet achieves 85.3% accuracy on GLUE, 2.1 points over BERT, "
    "and runs 3x faster than BERT.",
    "entities": [
        {"name": "ZetaNet", "type": "Model", "aliases": ["ZetaNet"]},
        {"name": "BERT", "type": "Model", "aliases": ["BERT"]},
        {"name": "General Language Understanding Evaluation", "type": "Benchmark", "aliases": ["GLUE"]},
        {"name": "accuracy", "type": "Metric", "aliases": ["accuracy"]},
    ],
    "relations": [{"head": "PAPER", "type": "proposes", "tail": "ZetaNet"}],
    "results": [
        {"subject": "ZetaNet", "metric": "accuracy", "benchmark": "General Language Understanding Evaluation",
         "value": "85.3", "unit": "%", "kind": "score", "compared_to": None},
        {"subject": "ZetaNet", "metric": "accuracy", "benchmark": "General Language Understanding Evaluation",
         "value": "2.1", "unit": "points", "kind": "gain", "compared_to": "BERT"},
        {"subject": "ZetaNet", "metric": None, "benchmark": None, "value": "3", "unit": "x", "kind": "ratio",
         "compared_to": "BERT"},
    ],
}


def _pred(results):
    return {"id": "g1", "entities": [{"name": "GLUE", "type": "Dataset", "aliases": ["GLUE"]}], "results": results}


def test_levels_names_through_aliases_and_numbers_as_numbers():
    pred = _pred([
        # right at every level: "GLUE" resolves to the gold long name, "85.30" equals "85.3"
        {"subject": "ZetaNet", "metric": "accuracy", "benchmark": "GLUE", "value": "85.30"},
        # wrong subject: only (benchmark, value) and value count
        {"subject": "PAPER", "metric": "accuracy", "benchmark": "GLUE", "value": "2.1"},
        # wrong number
        {"subject": "ZetaNet", "metric": None, "benchmark": None, "value": "4"},
    ])
    s = score_results([GOLD], [pred])
    assert (s.full.tp, s.full.fp, s.full.fn) == (1, 2, 2)
    assert (s.benchmark_value.tp, s.benchmark_value.fp, s.benchmark_value.fn) == (2, 1, 1)
    assert (s.value.tp, s.value.fp, s.value.fn) == (2, 1, 1)
    assert sum(e["kind"] == "result FN" for e in s.errors) == 2


def test_missing_paper_misses_everything_and_ranges_compare_by_ends():
    s = score_results([GOLD], [])
    assert s.full.fn == 3 and s.full.precision == 0.0
    assert value_key("5%-10") == value_key("5-10") == (5.0, 10.0) != value_key("7.5")


def test_cli_eval_reports_results(tmp_path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps(GOLD) + "\n")
    res = CliRunner().invoke(app, ["eval", str(gold), "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)["results"]
    # The extractor finds all three numbers of this easy abstract.
    assert d["value"]["tp"] == 3 and d["value"]["fp"] == 0
    assert d["benchmark_value"]["tp"] >= 2
    res = CliRunner().invoke(app, ["eval", str(gold)])
    assert "benchmark + value" in res.output
