"""Schwartz–Hearst abbreviation detection: "long form (SHORT)" and "long form, or SHORT for short".

Plain functions on strings with character offsets, so they are tested without spaCy.
Reference: A. Schwartz and M. Hearst, "A simple algorithm for identifying abbreviation
definitions in biomedical text", PSB 2003.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Abbreviation", "find_abbreviations", "best_long_form", "is_short_form"]

_PAREN = re.compile(r"\(([^()]{1,20})\)")
_FOR_SHORT = re.compile(r",?\s+or\s+([A-Za-z][\w-]{1,9})\s+for\s+short\b")
_WORD = re.compile(r"[^\s]+")
# A long form stops at these: they introduce the definition rather than belong to it.
_BOUNDARY_WORDS = {
    "a",
    "an",
    "the",
    "we",
    "our",
    "called",
    "named",
    "dubbed",
    "namely",
    "termed",
    "propose",
    "proposes",
    "introduce",
    "introduces",
    "present",
    "presents",
    "is",
    "are",
    "of",
    "and",
    "or",
    "on",
    "in",
    "with",
    "for",
    "to",
    "by",
    "as",
    "via",
    "using",
    "this",
    "that",
    "these",
}


@dataclass(frozen=True, slots=True)
class Abbreviation:
    """A definition: ``text[long_start:long_end]`` is abbreviated ``text[short_start:short_end]``."""

    long: str
    long_start: int
    long_end: int
    short: str
    short_start: int
    short_end: int


def is_short_form(text: str) -> bool:
    """Schwartz–Hearst short-form test: 2-10 chars, at most two words, a letter, starts alphanumeric.

    Examples
    --------
    >>> is_short_form("ViT"), is_short_form("e.g."), is_short_form("see Table 2 for details")
    (True, False, False)
    """
    if not 2 <= len(text) <= 10 or len(text.split()) > 2:
        return False
    # ML short forms carry a capital ("LoRA", "s-MLLM"); this also rejects "i.e." and "etc".
    return text[0].isalnum() and any(c.isupper() for c in text)


def best_long_form(short: str, candidate: str) -> int | None:
    """Index in ``candidate`` where the long form of ``short`` starts, or None.

    Every character of the short form must appear in order, scanning both from the end, and its
    first character must start a word of the long form (Schwartz–Hearst's ``findBestLongForm``).

    Examples
    --------
    >>> c = "we adapt models with Low-Rank Adaptation"
    >>> c[best_long_form("LoRA", c):]
    'Low-Rank Adaptation'
    >>> best_long_form("XYZ", "a plain sentence") is None
    True
    """
    s_index = len(short) - 1
    l_index = len(candidate) - 1
    while s_index >= 0:
        ch = short[s_index].lower()
        if not ch.isalnum():
            s_index -= 1
            continue
        while l_index >= 0 and (
            candidate[l_index].lower() != ch
            or (s_index == 0 and l_index > 0 and candidate[l_index - 1].isalnum())
        ):
            l_index -= 1
        if l_index < 0:
            return None
        l_index -= 1
        s_index -= 1
    return candidate.rfind(" ", 0, l_index + 1) + 1


def _definition(text: str, short: str, short_start: int, end: int) -> Abbreviation | None:
    """Match ``short`` against the words right before ``end`` (exclusive)."""
    words = list(_WORD.finditer(text, max(0, end - 200), end))
    limit = min(len(short) + 5, len(short) * 2)
    words = words[-limit:]
    # Cut at a definition boundary ("we propose X (Y)": the long form is after "propose").
    start_idx = 0
    for i in range(len(words) - 1, -1, -1):
        w = words[i].group().strip(",;:.").lower()
        if w in _BOUNDARY_WORDS and i < len(words) - 1:
            # "of" and "and" may sit inside a long form ("Mixture of Experts"): keep going if so.
            if w in {"of", "and", "for", "on", "in", "with", "to", "or", "by", "as"}:
                continue
            start_idx = i + 1
            break
        if words[i].group().endswith((",", ";", ":", ".")) and i < len(words) - 1:
            start_idx = i + 1
            break
    found = _match(text, short, short_start, end, words[start_idx:])
    if found is None and start_idx:
        # "continual learning on a pre-trained model (CLPM)": the cut was inside the long form,
        # but a long form never spans a clause boundary.
        punct = [i for i, w in enumerate(words[:-1]) if w.group().endswith((",", ";", ":", "."))]
        found = _match(text, short, short_start, end, words[punct[-1] + 1 if punct else 0 :])
    return found


def _match(
    text: str, short: str, short_start: int, end: int, words: list[re.Match[str]]
) -> Abbreviation | None:
    if not words:
        return None
    cand_start = words[0].start()
    candidate = text[cand_start:end].rstrip()
    idx = best_long_form(short, candidate)
    if idx is None:
        return None
    long = candidate[idx:].strip(" ,;:")
    long_start = cand_start + idx
    if len(long) <= len(short) or short.lower() in long.lower().split():
        return None
    # The long form must not start inside a word that was cut, nor with a function word.
    first = long.split()[0].lower()
    if first in _BOUNDARY_WORDS:
        return None
    return Abbreviation(
        long, long_start, long_start + len(long), short, short_start, short_start + len(short)
    )


def find_abbreviations(text: str) -> list[Abbreviation]:
    """All abbreviation definitions in ``text``, in order.

    Parameters
    ----------
    text
        One field (title or abstract); offsets in the result index it.

    Returns
    -------
    list[Abbreviation]

    Examples
    --------
    >>> t = "We adapt it with Low-Rank Adaptation (LoRA) and a Vision Transformer (ViT)."
    >>> [(a.long, a.short) for a in find_abbreviations(t)]
    [('Low-Rank Adaptation', 'LoRA'), ('Vision Transformer', 'ViT')]
    >>> a = find_abbreviations("based on Leave-One-Out K-Nearest-Neighbor, or LOOK for short.")[0]
    >>> (a.long, a.short)
    ('Leave-One-Out K-Nearest-Neighbor', 'LOOK')
    """
    out: list[Abbreviation] = []
    for m in _PAREN.finditer(text):
        inner = m.group(1).strip()
        # "(SHORT; ...)" / "(SHORT, ...)": the short form is the first part.
        inner = re.split(r"[;,]\s", inner)[0].strip()
        if not is_short_form(inner):
            continue
        start = m.start(1) + m.group(1).find(inner)
        found = _definition(text, inner, start, m.start())
        if found is not None:
            out.append(found)
    for m in _FOR_SHORT.finditer(text):
        found = _definition(text, m.group(1), m.start(1), m.start())
        if found is not None:
            out.append(found)
    out.sort(key=lambda a: a.long_start)
    return out
