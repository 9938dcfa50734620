"""Quality floor on hand-annotated abstracts that were never used to write the rules.

tests/fixtures/extract/heldout.jsonl: 5 bundled-corpus papers annotated by GUIDELINES.md before
looking at the extractor's output on them. A drop below these floors is a regression.
"""

from pathlib import Path

from kg.cli.eval import predict_rows
from kg.evaluate.gold import read_jsonl, score

HELDOUT = Path(__file__).resolve().parents[1] / "fixtures" / "extract" / "heldout.jsonl"


def test_heldout_quality_floor() -> None:
    gold = list(read_jsonl(HELDOUT))
    s = score(gold, predict_rows(gold))
    assert s.papers == 5
    assert s.entities_lenient.f1 >= 0.85, s.to_dict()["entities"]
    assert s.entities_strict.f1 >= 0.75, s.to_dict()["entities"]
    assert s.relations.f1 >= 0.5, s.to_dict()["relations"]["all"]
