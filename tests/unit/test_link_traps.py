"""The linker's trap table: names that must merge and names that must never merge.

Add a row whenever a new trap shows up (issue 3). A fuzzy matcher at 0.8 similarity merges most
of the must-not-merge rows; keys plus the curated KB must not.
"""

import pytest

from kg.link import Linker, entity_key, load_kb
from kg.link.linker import entity_id
from kg.types import Extraction, Paper, PaperEntity
from kg.vocab import EntityType

MUST_MERGE = [
    ("LLaMA-2", "Llama 2"),
    ("LLaMA2", "Llama-2"),
    ("Qwen2.5", "Qwen 2.5"),
    ("ViT", "Vision Transformer"),
    ("LoRA", "Low-Rank Adaptation"),
    ("GPT-4", "GPT4"),
    ("VideoMAE V2", "VideoMAEv2"),
    ("ResNet-50", "ResNet50"),
    ("CIFAR-100", "CIFAR100"),
    ("pre-training", "pretraining"),
    ("Diffusion Transformers", "diffusion transformer"),
    ("MS COCO", "COCO"),
    ("CLIP", "Contrastive Language-Image Pre-training"),
    ("Mixture-of-Experts", "MoE"),
    ("RLHF", "reinforcement learning from human feedback"),
    ("Swin Transformer V2", "SwinV2"),
    ("DeBERTaV3", "DeBERTa-v3"),
    ("Kinetics-400", "Kinetics400"),
]

MUST_NOT_MERGE = [
    ("GPT-4", "GPT-4o"),
    ("GPT-4o", "GPT-4o-mini"),
    ("GPT-3", "GPT-3.5"),
    ("Llama 2", "Llama 3"),
    ("Llama 3", "Llama 3.1"),
    ("Qwen2-7B", "Qwen2-72B"),
    ("Qwen2", "Qwen2.5"),
    ("Qwen2-VL", "Qwen2.5-VL"),
    ("BERT", "RoBERTa"),
    ("BERT", "BERT-large"),
    ("GLUE", "SuperGLUE"),
    ("ResNet-50", "ResNet-101"),
    ("VideoMAE", "VideoMAE V2"),
    ("MMLU", "MMLU-Pro"),
    ("CIFAR-10", "CIFAR-100"),
    ("Kinetics-400", "Kinetics-600"),
    ("T5", "mT5"),
    ("DINO", "DINOv2"),
    ("LoRA", "QLoRA"),
    ("LoRA", "DoRA"),
    ("SAM", "SAM 2"),
    ("BLIP", "BLIP-2"),
    ("Stable Diffusion", "Stable Diffusion XL"),
    ("ImageNet", "ImageNet-R"),
    ("DALL-E 2", "DALL-E 3"),
    ("Phi-2", "Phi-3"),
    ("YOLOv5", "YOLOv8"),
    ("SQuAD", "SQuAD 2.0"),
    ("NTU 60", "NTU 120"),
    ("Swin Transformer", "Swin Transformer V2"),
    ("PointNet", "PointNet++"),
    ("HumanEval", "HumanEval+"),
    ("RefCOCO", "RefCOCO+"),
    ("Mamba", "Mamba-2"),
    ("ConvNeXt", "ConvNeXt V2"),
    ("Gemini 1.5 Pro", "Gemini 1.5 Flash"),
    ("ARC-Challenge", "ARC-Easy"),
    ("LAION-400M", "LAION-5B"),
]


def _id(name: str) -> str:
    return entity_id(PaperEntity(name, EntityType.MODEL, (name,), ()), load_kb())


@pytest.mark.parametrize(("a", "b"), MUST_MERGE)
def test_must_merge(a: str, b: str) -> None:
    assert _id(a) == _id(b)


@pytest.mark.parametrize(("a", "b"), MUST_NOT_MERGE)
def test_must_not_merge(a: str, b: str) -> None:
    assert entity_key(a) != entity_key(b)
    assert _id(a) != _id(b)


def test_acronym_links_to_the_long_form_defined_in_another_paper() -> None:
    p1 = Extraction(
        Paper("p1", "t", "a"),
        (PaperEntity("Procedure Transformer", EntityType.MODEL, ("Procedure Transformer", "ProcX"), ()),),
        (),
    )
    p2 = Extraction(Paper("p2", "t", "a"), (PaperEntity("ProcX", EntityType.MODEL, ("ProcX",), ()),), ())
    a, b = Linker().link([p1, p2])
    assert a.entities[0].id == b.entities[0].id == "procedure-transformer"


def test_ambiguous_acronym_is_not_linked() -> None:
    defs = [("Skeleton Sequence Learning", "SKL"), ("Sparse Kernel Learning", "SKL")]
    exs = [
        Extraction(Paper(f"p{i}", "t", "a"), (PaperEntity(lf, EntityType.METHOD, (lf, sf), ()),), ())
        for i, (lf, sf) in enumerate(defs)
    ]
    exs.append(Extraction(Paper("p9", "t", "a"), (PaperEntity("SKL", EntityType.METHOD, ("SKL",), ()),), ()))
    linked = Linker().link(exs)
    assert linked[2].entities[0].id == "skl"
    assert linked[0].entities[0].id != linked[1].entities[0].id


def test_paper_definition_beats_kb_for_acronyms() -> None:
    # In this paper "SSL" is Skeleton Sequence Learning, not the KB's self-supervised learning.
    e = PaperEntity(
        "Skeleton Sequence Learning", EntityType.METHOD, ("Skeleton Sequence Learning", "SSL"), ()
    )
    assert entity_id(e, load_kb()) == "skeleton-sequence-learning"


def test_ids_are_stable_across_builds() -> None:
    ex = Extraction(Paper("p1", "t", "a"), (PaperEntity("LLaMA-2", EntityType.MODEL, ("LLaMA-2",), ()),), ())
    assert Linker().link([ex])[0].entities[0].id == Linker().link([ex])[0].entities[0].id == "llama-2"
