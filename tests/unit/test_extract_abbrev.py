"""Schwartz–Hearst abbreviation detection (kg.extract.abbrev)."""

import pytest

from kg.extract.abbrev import best_long_form, find_abbreviations, is_short_form


@pytest.mark.parametrize(
    ("text", "long", "short"),
    [
        ("we adapt it with Low-Rank Adaptation (LoRA) cheaply", "Low-Rank Adaptation", "LoRA"),
        ("a Vision Transformer (ViT) backbone", "Vision Transformer", "ViT"),
        (
            "we propose Slow Learner with Classifier Alignment (SLCA), which",
            "Slow Learner with Classifier Alignment",
            "SLCA",
        ),
        (
            "an analysis for continual learning on a pre-trained model (CLPM), and",
            "continual learning on a pre-trained model",
            "CLPM",
        ),
        ("Sparsely-gated mixture-of-experts (MoE) has been", "mixture-of-experts", "MoE"),
        ("based on a novel TOKen-Interpolation strategy (TOKI) for", "TOKen-Interpolation strategy", "TOKI"),
        (
            "based on Leave-One-Out K-Nearest-Neighbor, or LOOK for short.",
            "Leave-One-Out K-Nearest-Neighbor",
            "LOOK",
        ),
        ("resulting in low Model FLOPS Utilization (MFU).", "Model FLOPS Utilization", "MFU"),
    ],
)
def test_definitions_found_with_exact_offsets(text: str, long: str, short: str) -> None:
    found = find_abbreviations(text)
    assert [(a.long, a.short) for a in found] == [(long, short)]
    a = found[0]
    assert text[a.long_start : a.long_end] == long
    assert text[a.short_start : a.short_end] == short


@pytest.mark.parametrize(
    "text",
    [
        "accuracy improves (see Table 2) on all sets",
        "we report results (2.3%) on ImageNet",
        "the model (which is large) works",
        "trained on web data (XQ) only",  # no word starts with X
    ],
)
def test_no_false_definitions(text: str) -> None:
    assert [(a.long, a.short) for a in find_abbreviations(text)] == []


def test_short_form_rules() -> None:
    assert is_short_form("ViT") and is_short_form("GPT-4")
    assert not is_short_form("x") and not is_short_form("12") and not is_short_form("a very long aside")


def test_first_letter_must_start_a_word() -> None:
    # "R" of "RTD" may not come from the middle of "Transformer".
    assert best_long_form("RTD", "replaced token detection") == 0
    assert best_long_form("ZQ", "quiz") is None
