"""kg.evaluate.scier on tiny hand-made SciER files with hand-counted scores."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kg.errors import InputError
from kg.evaluate.scier import PRF, load_scier, score_scier, to_scier_label

S1 = "BERT is evaluated on GLUE for sentiment analysis ."
S2 = "ResNet outperforms VGG on ImageNet ."


def _sentence(sid: str, text: str, entities: list[tuple[str, str]], relations: list[tuple[int, int, str]]) -> dict:
    """A SciER record: entities as (substring, type), located in text; relations as (head, tail, type) indices."""
    ents = []
    for sub, typ in entities:
        start = text.index(sub)
        ents.append({"start": start, "end": start + len(sub), "type": typ, "text": sub})
    return {"id": sid, "text": text, "entities": ents,
            "relations": [{"head": h, "tail": t, "type": typ} for h, t, typ in relations]}


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    recs = [
        _sentence("d#s0", S1, [("BERT", "Method"), ("GLUE", "Dataset"), ("sentiment analysis", "Task")],
                  [(0, 1, "Evaluated-With"), (0, 2, "Used-For"),
                   (1, 2, "Used-For")]),  # Dataset->Task: no counterpart
        _sentence("d#s1", S2, [("ResNet", "Method"), ("VGG", "Method"), ("ImageNet", "Dataset")],
                  [(0, 1, "Compare-With"), (0, 2, "Evaluated-With")]),
    ]
    path = tmp_path / "tiny.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    return path


def _predict(text: str) -> list[tuple[int, int, str]]:
    if text == S1:
        return [(0, 4, "Model"), (21, 25, "Benchmark"), (30, 39, "Task"), (5, 7, "Metric")]
    return [(0, 6, "Method"), (19, 22, "Dataset")]


def _span(text: str, sub: str) -> tuple[int, int]:
    return text.index(sub), text.index(sub) + len(sub)


def _relate(text: str, ents):  # type: ignore[no-untyped-def]
    if text == S1:
        bert = _span(S1, "BERT")
        return [
            (bert, "evaluated-on", _span(S1, "GLUE")),
            (bert, "applied-to", _span(S1, "sentiment analysis")),
            (bert, "uses", _span(S1, "GLUE")),
        ]
    resnet = _span(S2, "ResNet")
    return [
        (_span(S2, "VGG"), "improves-on", resnet),  # reversed: still a Compare-With pair
        (resnet, "trained-on", _span(S2, "ImageNet")),
    ]


def test_entity_counts_per_type_and_micro(tiny: Path) -> None:
    s = score_scier(tiny, _predict)
    assert s.records == 2
    assert s.entities["Method"] == PRF(2, 0, 1)
    assert s.entities["Dataset"] == PRF(1, 1, 1)
    assert s.entities["Task"] == PRF(0, 1, 1)
    assert s.micro == PRF(3, 2, 3)
    assert (s.micro.precision, s.micro.recall, s.micro.f1) == (0.6, 0.5, 0.5455)
    assert s.relations is None
    kinds = sorted((e[4], e[5]) for e in s.errors)
    assert kinds == [
        ("ImageNet", "fn"),
        ("VGG", "fn"),
        ("VGG", "fp"),
        ("sentiment", "fp"),
        ("sentiment analysis", "fn"),
    ]


def test_relations_on_gold_entities(tiny: Path) -> None:
    s = score_scier(tiny, _predict, _relate, relations_on_gold=True)
    assert s.relations == {
        "applied-to": PRF(1, 0, 0),
        "evaluated-on": PRF(1, 0, 1),
        "trained-on": PRF(0, 1, 0),
    }
    assert s.relations_micro == PRF(2, 1, 1)
    assert s.compare_with == PRF(1, 0, 0)


def test_relater_gets_mapped_predictions_or_gold(tiny: Path) -> None:
    seen: list[list[tuple[int, int, str]]] = []

    def relate(text, ents):  # type: ignore[no-untyped-def]
        seen.append(list(ents))
        return []

    score_scier(tiny, _predict, relate)
    assert seen[0] == [(0, 4, "Method"), (21, 25, "Dataset"), (30, 39, "Task")]
    seen.clear()
    score_scier(tiny, _predict, relate, relations_on_gold=True)
    assert seen[1] == [(0, 6, "Method"), (19, 22, "Method"), (26, 34, "Dataset")]


def test_table_and_dict(tiny: Path) -> None:
    s = score_scier(tiny, _predict, _relate)
    table = s.table()
    assert "micro         0.6000  0.5000  0.5455      3      2      3" in table
    assert "evaluated-on" in table and "predicted entities" in table
    d = json.loads(json.dumps(s.to_dict()))
    assert d["micro"]["f1"] == 0.5455
    assert d["entities"]["Task"]["fp"] == 1
    assert len(d["errors"]) == 5


def test_perfect_prediction_scores_one(tiny: Path) -> None:
    gold = {r.text: list(r.entities) for r in load_scier(tiny)}
    s = score_scier(tiny, lambda t: gold[t])
    assert s.micro == PRF(6, 0, 0) and s.micro.f1 == 1.0


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [("Model", "Method"), ("Benchmark", "Dataset"), ("Task", "Task"), ("Metric", None), ("Foo", None)],
)
def test_type_mapping(ours: str, theirs: str | None) -> None:
    assert to_scier_label(ours) == theirs


def test_bad_input(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="missing.jsonl"):
        load_scier(tmp_path / "missing.jsonl")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x"}\n', encoding="utf-8")
    with pytest.raises(InputError, match="bad.jsonl:1"):
        load_scier(bad)


def test_cli_scores_the_pipelines_relations_on_its_own_spans(tmp_path: Path) -> None:
    rec = {"id": "d#s0", "text": "BERT is evaluated on GLUE .",
           "relations": [{"head": 0, "tail": 1, "type": "Evaluated-With"}],
           "entities": [{"start": 0, "end": 4, "type": "Method", "text": "BERT"},
                        {"start": 21, "end": 25, "type": "Dataset", "text": "GLUE"}]}  # fmt: skip
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(rec) + "\n", encoding="utf-8")
    kg = Path(sys.executable).with_name("kg")
    cmd = [str(kg), "eval", "--scier", str(path), "--json"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    scores = json.loads(proc.stdout)
    assert scores["micro"]["tp"] == 2
    assert scores["relations"]["evaluated-on"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0,
                                                   "tp": 1, "fp": 0, "fn": 0}  # fmt: skip
    assert scores["relations_on_gold"] is False
