"""scripts/train_ner.py helpers: SciER detokenization, gold docs, configs (no training here)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
import spacy

_PATH = Path(__file__).resolve().parents[2] / "scripts" / "train_ner.py"
_spec = importlib.util.spec_from_file_location("train_ner", _PATH)
assert _spec and _spec.loader
train_ner = importlib.util.module_from_spec(_spec)
sys.modules["train_ner"] = train_ner
_spec.loader.exec_module(train_ner)


def _ent(text: str, sub: str, typ: str) -> dict[str, object]:
    start = text.index(sub)
    return {"start": start, "end": start + len(sub), "type": typ, "text": sub}


def test_detokenize_moves_offsets() -> None:
    text = "We use YOLO - v2 ( Redmon et al. , 2 0 1 6 ) on MS COCO , reaching 4 2 . 2 % AP ."
    ents = [_ent(text, "YOLO - v2", "Method"), _ent(text, "MS COCO", "Dataset")]
    new, moved = train_ner.detokenize(text, ents)
    assert new == "We use YOLO-v2 (Redmon et al., 2016) on MS COCO, reaching 42.2% AP."
    assert [new[e["start"] : e["end"]] for e in moved] == ["YOLO-v2", "MS COCO"]
    assert [e["type"] for e in moved] == ["Method", "Dataset"]


def test_detokenize_leaves_free_hyphens_and_plain_text() -> None:
    assert train_ner.detokenize("a - , b", [])[0] == "a -, b"
    assert train_ner.detokenize("plain words only", [])[0] == "plain words only"


def test_records_to_docs_keeps_longest_of_overlaps_and_detokenizes() -> None:
    text = "CornerNet - Lite improves object detection ."
    rec = {
        "text": text,
        "entities": [
            _ent(text, "CornerNet - Lite", "Method"),
            _ent(text, "CornerNet", "Method"),
            _ent(text, "object detection", "Task"),
        ],
    }
    nlp = spacy.blank("en")
    docs, stats = train_ner.records_to_docs(nlp, [rec])
    assert [(e.text, e.label_) for e in docs[0].ents] == [
        ("CornerNet - Lite", "Method"),
        ("object detection", "Task"),
    ]
    assert stats == {"entities": 3, "kept": 2, "misaligned": 0, "overlap": 1, "detokenized": 0}
    docs, stats = train_ner.records_to_docs(nlp, [rec], detok_rate=1.0)
    assert docs[0].text == "CornerNet-Lite improves object detection."
    assert [e.text for e in docs[0].ents] == ["CornerNet-Lite", "object detection"]
    assert stats["detokenized"] == 1


@pytest.mark.parametrize("init", ["scratch", "sm-tok2vec", "sm-ner"])
def test_configs_parse(init: str) -> None:
    cfg = spacy.util.load_config_from_str(train_ner.build_config(init, seed=7), interpolate=False)
    assert cfg["system"]["seed"] == 7
    assert "ner" in cfg["components"]
    assert set(train_ner.LABELS) == {"Method", "Task", "Dataset"}


def test_unknown_init_is_rejected() -> None:
    with pytest.raises(ValueError, match="'bert'"):
        train_ner.build_config("bert")


def test_min_votes_must_fit_the_seeds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sent = tmp_path / "scier" / "sentences"
    sent.mkdir(parents=True)
    for split in ("train", "dev"):
        (sent / f"{split}.jsonl").write_text("", encoding="utf-8")
    with pytest.raises(SystemExit):
        train_ner.main(["--data", str(tmp_path), "--out", str(tmp_path / "m"), "--seeds", "0", "1", "--min-votes", "3"])
    assert "--min-votes 3" in capsys.readouterr().err
    assert not (tmp_path / "m").exists()
