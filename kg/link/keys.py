"""Canonical, version-aware entity keys.

A key folds what does not change identity (case, spaces, hyphens, "pre-"/"pretraining" spellings,
a plural "s" on the last word) and keeps everything that does: every digit group, size suffix and
version letter. "LLaMA-2", "Llama 2" and "LLaMA2" share a key; "GPT-4"/"GPT-4o", "Qwen2-7B"/"Qwen2-72B"
and "VideoMAE"/"VideoMAE V2" do not. Unlike a fuzzy string matcher, two names either have the same
key or are different entities: near-misses are never merged.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["entity_key", "is_acronym"]

_DASHES = re.compile(r"[\u2010-\u2015\u2212\u2043_/]")
# "pre-training", "pre training" and "pretraining" are one spelling; same for these prefixes.
_PREFIX_JOIN = re.compile(
    r"\b(pre|post|fine|multi|non|co|re|semi|self|cross|inter|intra|sub|un)[-\s]+(?=[a-z])"
)
# "VideoMAEv2" / "MobileNetV2" keep the version letter apart, as "VideoMAE V2" writes it.
_VERSION_V = re.compile(r"(?<=[a-z]{2})v(?=\d)")
_TOKENS = re.compile(r"[^\W\d_]+|\d+(?:\.\d+)*")  # letter runs (any script) and digit groups
_SPELLING = {"modelling": "modeling", "optimisation": "optimization", "normalisation": "normalization"}


def entity_key(name: str) -> str:
    """Return the canonical key of an entity name.

    Parameters
    ----------
    name
        A surface form or canonical name.

    Returns
    -------
    str
        Lower-case tokens (letter runs and digit groups) joined by "-".

    Examples
    --------
    >>> entity_key("LLaMA-2") == entity_key("Llama 2") == entity_key("LLaMA2")
    True
    >>> entity_key("GPT-4") == entity_key("GPT-4o")
    False
    >>> entity_key("Qwen2.5-72B-Instruct")
    'qwen-2.5-72-b-instruct'
    >>> entity_key("pre-trained Transformers") == entity_key("pretrained transformer")
    True
    >>> entity_key("Título-Net"), entity_key("PixArt-α")
    ('título-net', 'pixart-α')
    """
    s = unicodedata.normalize("NFKC", name).casefold()
    s = _DASHES.sub("-", s)
    # "PointNet++", "HumanEval+", "RefCOCO+" are different from their bases.
    s = s.replace("++", " pp ").replace("+", " plus ")
    s = _PREFIX_JOIN.sub(r"\1", s)
    s = _VERSION_V.sub(" v", s)
    tokens = _TOKENS.findall(s)
    if not tokens:
        return ""
    tokens = [_SPELLING.get(t, t) for t in tokens]
    last = tokens[-1]
    # Fold one plural "s" ("transformers", "DiTs") but not "ss"/"us"/"is" endings or short words.
    if len(tokens[-1]) > 3 and last.endswith("s") and not last.endswith(("ss", "us", "is")):
        tokens[-1] = last[:-1]
    return "-".join(tokens)


def is_acronym(text: str) -> bool:
    """True for short forms such as "LoRA", "ViT", "MoE", "STR" (mostly capitals, no spaces).

    Examples
    --------
    >>> is_acronym("LoRA"), is_acronym("ViT"), is_acronym("Mamba"), is_acronym("low rank")
    (True, True, False, False)
    """
    if " " in text or not 2 <= len(text) <= 10:
        return False
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return False
    upper = sum(c.isupper() for c in letters)
    return upper >= 2 and upper * 2 >= len(letters)
