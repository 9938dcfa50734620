"""Quality floors: the default pipeline on train-gold's held-out splits, the rules on a small fixture.

The default pipeline (learned tagger + KB/abbreviation gap filling) is held to its measured numbers on
../shared/data/train-gold/dev.jsonl and dev-ood.jsonl (these tests need ../shared, as CI has it):
floors sit a few points under the measured F1 (docs/quality.md), so a drop below them is a regression.

tests/fixtures/extract/heldout.jsonl: 5 bundled-corpus papers annotated by GUIDELINES.md before
looking at the rule extractor's output on them; it keeps the rules-only sources honest.
"""

from pathlib import Path

import pytest

from kg.cli.eval import predict_rows
from kg.evaluate.gold import read_jsonl, score

HELDOUT = Path(__file__).resolve().parents[1] / "fixtures" / "extract" / "heldout.jsonl"
TRAIN_GOLD = Path(__file__).resolve().parents[3] / "shared" / "data" / "train-gold"

# (file, entity lenient F1, strict F1, relation F1) floors; kg-9 measured 0.716 0.687 0.432, 0.626 0.600 0.340
FLOORS = [("dev.jsonl", 0.69, 0.66, 0.40), ("dev-ood.jsonl", 0.60, 0.57, 0.30)]


@pytest.mark.parametrize(("name", "lenient", "strict", "relations"), FLOORS)
def test_default_pipeline_floor_on_train_gold(name: str, lenient: float, strict: float, relations: float) -> None:
    path = TRAIN_GOLD / name
    assert path.exists(), f"{path} is missing: these floors are measured on ../shared's train-gold"
    gold = list(read_jsonl(path))
    s = score(gold, predict_rows(gold))
    assert s.papers == 40
    assert s.entities_lenient.f1 >= lenient, s.to_dict()["entities"]
    assert s.entities_strict.f1 >= strict, s.to_dict()["entities"]
    assert s.relations.f1 >= relations, s.to_dict()["relations"]["all"]


def test_rules_floor_on_fixture(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KG_MENTION_SOURCES", "rules")
    monkeypatch.setenv("KG_RELATIONS", "rules")
    gold = list(read_jsonl(HELDOUT))
    s = score(gold, predict_rows(gold))
    assert s.papers == 5
    assert s.entities_lenient.f1 >= 0.85, s.to_dict()["entities"]
    assert s.entities_strict.f1 >= 0.75, s.to_dict()["entities"]
    assert s.relations.f1 >= 0.5, s.to_dict()["relations"]["all"]
