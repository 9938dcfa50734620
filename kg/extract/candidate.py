"""A mention candidate and the span operations every mention source shares: overlap resolution
and edge trimming.

:class:`Candidate` is what the sources of :mod:`kg.extract.mention_rules`, the learned tagger
(:mod:`kg.extract.encoder`) and their combination in :mod:`kg.extract.ner` exchange.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from kg.extract.lexicon import GENERIC_TERMS
from kg.link.keys import entity_key
from kg.vocab import EntityType

__all__ = ["Candidate", "GENERIC_KEYS", "resolve_overlaps", "trim_span"]

# Higher wins when two candidates overlap with the same length.
_PRIORITY = {
    "abbrev": 5,
    "kb": 4,
    "ortho": 3,
    "intro": 3,
    "caps": 2,
    "ner": 2,
    "enc": 4,
    "phrase": 1,
    "short": 5,
    "repeat": 3,
}
#: Keys of phrases too generic to be entities (:data:`kg.extract.lexicon.GENERIC_TERMS`).
GENERIC_KEYS = frozenset(entity_key(t) for t in GENERIC_TERMS)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A typed span of one field. ``type`` None means "decide from context"; ``concept`` is a KB id."""

    start: int
    end: int
    text: str
    type: EntityType | None
    origin: str
    concept: str | None = None
    strong: bool = False  # type stated by the text ("X, a pruning method") or the KB
    score: float = 1.0


def resolve_overlaps(cands: Iterable[Candidate]) -> list[Candidate]:
    """Keep the longest candidate where spans overlap (ties: the more reliable origin), in text order.

    Examples
    --------
    >>> a = Candidate(0, 5, "GPT-4", EntityType.MODEL, "kb")
    >>> b = Candidate(0, 10, "GPT-4o-min", None, "ortho")
    >>> [c.text for c in resolve_overlaps([a, b])]
    ['GPT-4o-min']
    """
    taken: list[Candidate] = []
    for c in sorted(cands, key=lambda c: (-(c.end - c.start), -_PRIORITY.get(c.origin, 0), c.start)):
        if all(c.end <= t.start or c.start >= t.end for t in taken):
            taken.append(c)
    return sorted(taken, key=lambda c: c.start)


_EDGE_WORDS = re.compile(
    r"^(?:(?:the|a|an|and|or|of|for|with|to|in|on|by|via|our|its|their|this|these)\s+)+|"
    r"(?:\s+(?:and|or|of|for|with|to|in|on|by|via|the|a|an))+$|^[\s,;:(\[-]+|[\s,;:)\].-]+$",
    re.I,
)


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop function words and punctuation (hyphens too) at a span's edges ("weight refactorization and").

    Examples
    --------
    >>> t = "we use weight refactorization and pruning"
    >>> s, e = trim_span(t, 7, 33)
    >>> t[s:e]
    'weight refactorization'
    >>> t = "joint video and language (VL) and text-to-image (t2i) generation"
    >>> [t[slice(*trim_span(t, a, b))] for a, b in [(0, 26), (53, 65)]]
    ['joint video and language', 'generation']
    >>> t = "A LoRA-Based Approach"  # a hyphen left by a cut compound is no part of the name
    >>> t[slice(*trim_span(t, 2, 7))]
    'LoRA'
    """
    while start < end:
        m = _EDGE_WORDS.search(text[start:end])
        if m is None or m.start() == m.end():
            break
        if m.start() == 0:
            start += m.end()
        else:
            end = start + m.start()
    # An unclosed bracket ends the name before it, a stray closing one starts it after ("(T2I) generation").
    span = text[start:end]
    for op, cl in ("()", "[]"):
        if span.count(op) != span.count(cl):
            if op in span and span.rfind(op) > span.rfind(cl):
                end = start + span.rfind(op)
            elif cl in span:
                start = start + span.rfind(cl) + 1
            return trim_span(text, start, end) if end > start else (start, start)
    return start, end
