"""Gold scoring (kg.evaluate.gold) and the `kg eval` command."""

import json

from typer.testing import CliRunner

from kg.cli import app
from kg.evaluate.gold import calibration, normalise, score

GOLD = {
    "id": "g1",
    "title": "ZetaNet: fast",
    "abstract": "We propose ZetaNet. ZetaNet outperforms BERT on GLUE.",
    "entities": [
        {"name": "ZetaNet", "type": "Model", "aliases": ["ZetaNet"]},
        {"name": "BERT", "type": "Model", "aliases": ["BERT"]},
        {"name": "GLUE", "type": "Benchmark", "aliases": ["GLUE"]},
        {"name": "Low-Rank Adaptation", "type": "Method", "aliases": ["Low-Rank Adaptation", "LoRA"]},
    ],
    "relations": [
        {"head": "PAPER", "type": "proposes", "tail": "ZetaNet"},
        {"head": "ZetaNet", "type": "improves-on", "tail": "BERT"},
        {"head": "ZetaNet", "type": "evaluated-on", "tail": "GLUE"},
    ],
}


def test_alias_match_and_types() -> None:
    pred = {
        "id": "g1",
        "entities": [
            {"name": "zeta-net", "type": "Method", "aliases": []},  # lenient only
            {"name": "LoRA", "type": "Method", "aliases": ["LoRA"]},  # matches through an alias
            {"name": "GLUE", "type": "Dataset", "aliases": []},  # lenient only
            {"name": "accuracy", "type": "Metric", "aliases": []},  # false positive
        ],
        "relations": [
            {"head": "PAPER", "type": "proposes", "tail": "zeta-net", "confidence": 0.9},
            {"head": "zeta-net", "type": "evaluated-on", "tail": "GLUE", "confidence": 0.9},
            {"head": "GLUE", "type": "improves-on", "tail": "zeta-net", "confidence": 0.5},
        ],
    }
    s = score([GOLD], [pred])
    assert (s.entities_lenient.tp, s.entities_lenient.fp, s.entities_lenient.fn) == (3, 1, 1)
    assert (s.entities_strict.tp, s.entities_strict.fp, s.entities_strict.fn) == (1, 3, 3)
    assert (s.relations.tp, s.relations.fp, s.relations.fn) == (2, 1, 1)
    assert (s.relations_core.tp, s.relations_core.fp, s.relations_core.fn) == (1, 1, 1)
    kinds = sorted(e["kind"] for e in s.errors)
    assert kinds.count("entity FP") == 1 and kinds.count("entity FN") == 1
    assert kinds.count("relation FP") == 1 and kinds.count("relation FN") == 1


def test_missing_prediction_counts_all_as_missed() -> None:
    s = score([GOLD], [])
    assert s.entities_strict.fn == 4 and s.relations.fn == 3 and s.relations.precision == 0.0


def test_normalise_and_calibration() -> None:
    assert normalise("Qwen 2.5") == normalise("qwen2.5") != normalise("Qwen2")
    rows = calibration([(0.9, True), (0.5, False), (0.95, True)])
    assert rows[-1] == {"bin": ">=0.8", "n": 2, "correct": 2, "precision": 1.0}


def test_cli_eval_json_and_predictions(tmp_path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps(GOLD) + "\n")
    runner = CliRunner()
    res = runner.invoke(app, ["eval", str(gold), "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    # Our extractor finds ZetaNet, BERT and GLUE and the three relations of this easy abstract.
    assert d["entities"]["lenient"]["tp"] == 3
    assert d["relations"]["all"]["tp"] == 3
    preds = tmp_path / "pred.jsonl"
    preds.write_text(json.dumps({"id": "g1", "entities": [], "relations": []}) + "\n")
    res = runner.invoke(app, ["eval", str(gold), "--predictions", str(preds), "--json", "--errors"])
    d = json.loads(res.output)
    assert d["entities"]["strict"]["fn"] == 4 and len(d["errors"]) == 7


def test_cli_scier_pipeline(tmp_path) -> None:
    rec = {
        "id": "d#s0",
        "text": "We evaluate BERT on GLUE for question answering .",
        "relations": [],
        "entities": [
            {"start": 12, "end": 16, "type": "Method", "text": "BERT"},
            {"start": 20, "end": 24, "type": "Dataset", "text": "GLUE"},
            {"start": 29, "end": 47, "type": "Task", "text": "question answering"},
        ],
    }
    path = tmp_path / "scier.jsonl"
    path.write_text(json.dumps(rec) + "\n")
    res = CliRunner().invoke(app, ["eval", "--scier", str(path), "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    # BERT (Model -> Method), GLUE (Benchmark -> Dataset) and the task, with exact spans.
    assert {k: d["entities"][k]["tp"] for k in ("Method", "Task", "Dataset")} == {
        "Method": 1,
        "Task": 1,
        "Dataset": 1,
    }
    res = CliRunner().invoke(app, ["eval", "--scier", str(path), "--ner", "nonsense"])
    assert res.exit_code != 0


def test_predictions_matched_by_title_when_ids_differ() -> None:
    pred = {
        "id": "title:0123",
        "title": "ZetaNet:  Fast",
        "entities": [{"name": "ZetaNet", "type": "Model", "aliases": ["ZetaNet"]}],
        "relations": [],
    }
    s = score([GOLD], [pred])
    assert s.entities_strict.tp == 1
