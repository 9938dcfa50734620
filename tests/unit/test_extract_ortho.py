"""Orthographic name rules (kg.extract.ortho), tested as plain functions."""

import pytest

from kg.extract.ortho import is_name_like, iter_names


@pytest.mark.parametrize(
    "word",
    ["TinyFusion", "GPT-4o", "T5", "Qwen2.5-72B-Instruct", "DiT-XL", "FR-Net", "Union14M", "How2Sign",
     "ALBEF", "DeBERTaV3", "wav2vec", "Sentinel-1", "ImageNet-R", "mPLUG-Owl", "SwinV2-MoE"],
)
def test_names(word: str) -> None:
    assert is_name_like(word)


@pytest.mark.parametrize(
    "word",
    ["Vision-Language", "Leave-One-Out", "7B", "1.5x", "2times", "A100", "8xA100-40G", "GPUs", "LLMs",
     "However", "V2", "3D", "SOTA", "e.g", "Set-level"],
)
def test_not_names(word: str) -> None:
    assert not is_name_like(word)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("UL2 20B outperforms T0 and NTU 60.", ["UL2 20B", "T0", "NTU 60"]),
        ("LLaMA 2 70B and VideoMAE V2 win.", ["LLaMA 2 70B", "VideoMAE V2"]),
        ("a MoE-based model and GPT-like ones", ["MoE", "GPT"]),
        ("ERNIE-Tiny.In this paper", ["ERNIE-Tiny"]),
        ("speedup of 4.96x over 2,048 A100 GPUs with MFU 52.3%", ["MFU"]),
        ("Qwen2.5 scores 85.2% on MMLU.", ["Qwen2.5", "MMLU"]),
    ],
)
def test_iter_names_spans(text: str, names: list[str]) -> None:
    found = list(iter_names(text))
    assert [m.text for m in found] == names
    assert all(text[m.start : m.end] == m.text for m in found)
