"""Bootstrap intervals (kg.evaluate.bootstrap) and how `kg eval` reports them."""

import json

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.errors import InputError
from kg.evaluate.bootstrap import prf_intervals
from kg.evaluate.gold import PRF, score


def _gold(i: int, names: list[str]) -> dict:
    return {
        "id": f"g{i}",
        "title": f"Paper {i}",
        "abstract": "We propose ZetaNet.",
        "entities": [{"name": n, "type": "Model", "aliases": [n]} for n in names],
        "relations": [{"head": "PAPER", "type": "proposes", "tail": names[0]}],
    }


def _pred(i: int, names: list[str], conf: float = 0.9) -> dict:
    return {
        "id": f"g{i}",
        "entities": [{"name": n, "type": "Model", "aliases": [n]} for n in names],
        "relations": [{"head": "PAPER", "type": "proposes", "tail": names[0], "confidence": conf}],
    }


def test_interval_brackets_the_point_estimate_and_is_reproducible() -> None:
    counts = [(3, 1, 0), (0, 2, 3), (5, 0, 1), (1, 1, 1), (2, 0, 0), (0, 0, 4)]
    total = PRF(*map(sum, zip(*counts, strict=True)))
    ci = prf_intervals(counts)
    for name in ("precision", "recall", "f1"):
        lo, hi = ci[f"{name}_ci"]
        assert lo < getattr(total, name) < hi
    assert prf_intervals(counts) == ci
    assert prf_intervals(counts, seed=1) != ci  # the seed matters: it is not a constant


def test_interval_narrows_with_more_papers() -> None:
    few = [(2, 1, 1), (0, 2, 2)] * 5
    many = few * 20
    w_few = (lambda c: c[1] - c[0])(prf_intervals(few)["f1_ci"])
    w_many = (lambda c: c[1] - c[0])(prf_intervals(many)["f1_ci"])
    assert w_many < w_few / 2


def test_score_intervals_resample_papers_not_items() -> None:
    # Two papers: one perfect, one wholly missed. Resampling papers gives resamples with only the
    # missed one (F1 0) and only the perfect one (F1 1): the interval spans nearly [0, 1].
    gold = [_gold(1, ["A", "B"]), _gold(2, ["C", "D"])]
    s = score(gold, [_pred(1, ["A", "B"])])
    d = s.to_dict()
    assert d["entities"]["lenient"]["f1"] == pytest.approx(2 / 3, abs=1e-4)
    assert d["entities"]["lenient"]["f1_ci"] == [0.0, 1.0]
    assert set(d["relations"]["core"]) >= {"f1", "f1_ci", "precision_ci", "recall_ci"}
    assert d["entities"]["by_type"]["Model"]["f1_ci"] == [0.0, 1.0]
    high = d["calibration"][-1]
    assert high["bin"] == ">=0.8" and high["n"] == 1 and high["precision_ci"] == [1.0, 1.0]


def test_cli_several_gold_files(tmp_path) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text(json.dumps(_gold(1, ["ZetaNet"])) + "\n")
    b.write_text(json.dumps(_gold(2, ["ZetaNet", "OmegaNet"])) + "\n")
    preds = tmp_path / "p.jsonl"
    preds.write_text("".join(json.dumps(_pred(i, ["ZetaNet"])) + "\n" for i in (1, 2)))
    runner = CliRunner()
    res = runner.invoke(app, ["eval", str(a), str(b), "--predictions", str(preds), "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert [x["gold"] for x in d] == [str(a), str(b)]
    assert [x["entities"]["lenient"]["f1"] for x in d] == [1.0, pytest.approx(2 / 3, abs=1e-4)]
    # One file: one object, the keys the before-stop hook reads.
    res = runner.invoke(app, ["eval", str(a), "--predictions", str(preds), "--json"])
    one = json.loads(res.output)
    assert {one["entities"]["lenient"]["f1"], one["entities"]["strict"]["f1"]} == {1.0}
    assert one["relations"]["all"]["f1_ci"] == [1.0, 1.0] and "f1" in one["relations"]["core"]
    res = runner.invoke(app, ["eval", str(a), str(b), "--predictions", str(preds), "--errors"])
    assert res.exit_code == 0, res.output
    assert "OmegaNet [Model]" in res.output  # b's false negative, listed under b
    assert res.output.count("95% bootstrap CI") == 2
    res = runner.invoke(app, ["eval", str(a), str(tmp_path / "missing.jsonl"), "-p", str(preds)])
    assert isinstance(res.exception, InputError) and "missing.jsonl" in str(res.exception)
    assert "95% bootstrap CI" not in res.output  # every path is read before anything is scored


def test_progress_bar_changes_nothing_but_stderr(capsys) -> None:
    from kg.cli.eval import predict_rows

    rows = [_gold(1, ["ZetaNet"]) | {"abstract": "We propose ZetaNet. ZetaNet outperforms BERT on GLUE."}]
    assert predict_rows(rows, progress=True) == predict_rows(rows)
    assert capsys.readouterr().out == ""  # the bar never writes to stdout (JSON stays parseable)
