"""The learned tagger: offsets, decoding, and the shipped artefact loading offline."""

import json

import numpy as np
import pytest

from kg.extract.encoder import LABELS, MODEL_DIR, decode_bio, load_tagger, windows
from kg.extract.wordpiece import WordPiece, basic_tokens


@pytest.fixture(scope="module")
def wp() -> WordPiece:
    return WordPiece.from_file(MODEL_DIR / "vocab.txt")


@pytest.mark.parametrize(
    "text", ["Qwen2-VL-7B beats GPT-4o.", "Café-Net (ÉCOLE) über α-Net", "  spaced\tout\n\ntext  ", "x" * 120]
)
def test_pieces_index_the_original_text(wp: WordPiece, text: str) -> None:
    pieces = wp.encode(text)
    assert pieces
    words = {(s, e) for s, e in basic_tokens(text)}
    for p in pieces:
        assert 0 <= p.start < p.end <= len(text)
        assert text[p.start : p.end].strip() == text[p.start : p.end]
    # the pieces of each word cover exactly that word
    starts = {p.start for p in pieces if p.first}
    assert starts == {s for s, _ in words}


def test_windows_cover_every_piece_once(wp: WordPiece) -> None:
    abstract = " ".join(f"Sentence {i} names ResNet-{i} and reports accuracy." for i in range(40))
    wins = windows(wp, "A title", abstract, 64)
    assert len(wins) > 1 and all(len(w.ids) <= 64 for w in wins)
    got = [p.start for w in wins for p, f in zip(w.pieces, w.fields, strict=True) if f == "abstract" and p]
    assert got == [p.start for p in wp.encode(abstract)]
    assert sum(w.first for w in wins) == 1


def test_decode_never_starts_inside_a_word_or_with_i() -> None:
    rng = np.random.default_rng(0)
    from kg.extract.wordpiece import Piece

    pieces = [Piece(0, 2 * i, 2 * i + 1, 0, i % 3 != 1) for i in range(30)]
    for _ in range(20):
        probs = rng.dirichlet(np.ones(len(LABELS)), size=len(pieces))
        for s, e, t, score in decode_bio(probs, pieces):
            first = next(p for p in pieces if p.start == s)
            assert e > s and first.first and t in {lab[2:] for lab in LABELS[1:]} and 0 < score <= 1


def test_shipped_artefact_loads_offline_with_provenance() -> None:
    config = json.loads((MODEL_DIR / "config.json").read_text())
    prov = json.loads((MODEL_DIR / "provenance.json").read_text())
    assert config["labels"] == LABELS
    assert prov["base"]["sha256"] and "Apache-2.0" in prov["base"]["licence"]
    assert set(prov["train"]) and not any(f.endswith(("train-gold/dev.jsonl", "dev-ood.jsonl")) for f in prov["train"])
    assert sum(p.stat().st_size for p in MODEL_DIR.iterdir()) < 100 * 2**20
    tagger = load_tagger()
    text = "We propose FooNet, which outperforms ResNet-50 on ImageNet in top-1 accuracy."
    found = {(text[s:e], t) for f, s, e, t, _ in tagger.tag("FooNet: a small vision model", text)}
    assert {("ResNet-50", "Model"), ("ImageNet", "Benchmark")} <= found
