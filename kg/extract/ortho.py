"""Orthographic rules for ML names: CamelCase, letters+digits, acronyms, sizes and versions.

Plain functions over strings (character offsets), tested without spaCy.

Examples
--------
>>> [m.group() for m in iter_names("Qwen2.5-72B-Instruct beats GPT-4o-mini and NTU 60 on 8 A100 GPUs.")]
['Qwen2.5-72B-Instruct', 'GPT-4o-mini', 'NTU 60']
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from kg.extract.lexicon import NOT_NAMES

__all__ = ["is_name_like", "iter_names", "NameMatch"]

# A word with inner hyphens / dots / '+' / '&' / '/', e.g. "Qwen2.5-72B-Instruct", "Sieve-&-Swap".
# A "." belongs to a name only between digits ("Qwen2.5", "v0.1"), never "ERNIE-Tiny.In".
_CH = r"(?:[\w+]|(?<=\d)\.(?=\d))"
# A name may open with a Greek letter or ℓ, as LaTeX math renders them ("α-Net", "β-VAE").
_GREEK = "\u0391-\u03a9\u03b1-\u03c9\u03d1\u03d5\u03f5\u2113"
_WORD = re.compile(rf"(?<![\w.+/-])[A-Za-z0-9{_GREEK}]{_CH}*(?:(?:[-/&]|-&-){_CH}+)*")
_GREEK_HEAD = re.compile(rf"[{_GREEK}][-/](?=[A-Z0-9])")
# A version or size that continues a name across a space: "Llama 2", "NTU 60", "UL2 20B", "VideoMAE V2".
_CONT = re.compile(
    r"[ \u00a0](?:[Vv]\d+(?:\.\d+)?|\d{1,3}(?:\.\d+)?[BMK]?|XXL|XL|Large|Base|Small|Tiny|Pro|Ultra|Mini|"
    r"Max|Plus|Turbo|Instruct|Chat|Flash|Lite|Nano|Coder|Math|Vision)(?![\w%\u00d7]|\.\d)"
)
_UNIT = re.compile(
    r"[\d.,]+(?:[kKMBTx\u00d7%]|[Dd]|st|nd|rd|th|bit|b|[KMGTP]i?B|[KMGT]Hz)?|sim\d\w*|approx\d\w*"
)
_HARDWARE = re.compile(r"(?:\d*x?[AHVPL]\d{2,4}(?:-\d+G)?|RTX\d*|GTX\d*|MI\d{3})")
_KEEP_LOWER_SUFFIX = frozenset(
    [
        "mini",
        "base",
        "large",
        "small",
        "tiny",
        "chat",
        "instruct",
        "turbo",
        "plus",
        "pro",
        "lite",
        "flash",
        "next",
        "nano",
        "xl",
        "xxl",
    ]
)
_NUM_WORD = re.compile(r"\d+[a-z]+")  # "2times", "3rd", "10x"
_TRIM_SUFFIX = re.compile(r"(?:-[a-z]{2,})+$")


class NameMatch:
    """A found name: ``text[start:end]``; mimics ``re.Match.group()`` for doctests."""

    __slots__ = ("start", "end", "text")

    def __init__(self, start: int, end: int, text: str) -> None:
        self.start, self.end, self.text = start, end, text

    def group(self) -> str:
        return self.text


def _strong_part(part: str) -> bool:
    letters = [c for c in part if c.isalpha()]
    if not letters:
        return False
    if _UNIT.fullmatch(part) or _HARDWARE.fullmatch(part) or _NUM_WORD.fullmatch(part):
        return False
    has_digit = any(c.isdigit() for c in part)
    upper = sum(c.isupper() for c in letters)
    camel = any(a.islower() and b.isupper() for a, b in zip(part, part[1:], strict=False))
    acronym = upper >= 2 and upper * 2 >= len(letters)
    return camel or acronym or (has_digit and len(letters) >= 2) or (has_digit and part[0].isupper())


def is_name_like(word: str) -> bool:
    """True when ``word`` is spelled like a model/dataset name rather than an English word.

    Examples
    --------
    >>> [is_name_like(w) for w in ["TinyFusion", "GPT-4o", "T5", "Vision-Language", "7B", "A100", "GPUs"]]
    [True, True, True, False, False, False, False]
    >>> [is_name_like(w) for w in ["α-Net", "β-VAE", "α-divergences", "α"]]
    [True, True, False, False]
    """
    if word in NOT_NAMES or len(word) < 2 or re.fullmatch(r"[Vv]\d+(?:\.\d+)*", word):
        return False
    if word[0].isupper() and re.search(r"[A-Za-z]{2}", word) and re.search(r"-\d", word):
        return True  # "Sentinel-1", "Llama-3"
    if _GREEK_HEAD.match(word):
        return True  # "α-Net", "β-VAE": a symbol joined to a capitalised part names a thing
    parts = re.split(r"[-/&]+", word)
    return any(_strong_part(p) for p in parts if p)


def _trim(text: str) -> str:
    """Drop a trailing lower-case qualifier ("MoE-based" -> "MoE") unless it belongs to the name."""
    text = text.rstrip(".")
    m = _TRIM_SUFFIX.search(text)
    if m:
        kept = []
        for part in m.group().split("-")[1:]:
            if part in _KEEP_LOWER_SUFFIX:
                kept.append(part)
            else:
                break
        cut = m.start() + sum(len(p) + 1 for p in kept)
        text = text[:cut]
    return text


def iter_names(text: str) -> Iterator[NameMatch]:
    """Yield name-like spans of ``text`` (with version/size continuations), left to right."""
    pos = 0
    for m in _WORD.finditer(text):
        if m.start() < pos:
            continue
        word = _trim(m.group())
        if not is_name_like(word):
            continue
        end = m.start() + len(word)
        while True:
            c = _CONT.match(text, end)
            if c is None:
                break
            end = c.end()
        pos = end
        yield NameMatch(m.start(), end, text[m.start() : end])
