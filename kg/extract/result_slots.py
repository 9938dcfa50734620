"""Slot filling of results: which of a sentence's entity mentions is a number's subject, metric,
benchmark and baseline (:func:`kg.extract.results.extract_results` calls these per number).

Offsets of :class:`Span` and :class:`~kg.extract.numbers.Number` index one sentence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from kg.extract.numbers import Number
from kg.types import PAPER
from kg.vocab import EntityType

__all__ = ["BENCH", "SYSTEMS", "Span", "baseline_score", "baselines", "distributed", "nearest", "subject_of"]


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    name: str
    type: EntityType


BENCH = {EntityType.BENCHMARK, EntityType.DATASET}
SYSTEMS = {EntityType.MODEL, EntityType.METHOD}
# The words that name what a score is compared with; each cue below adds its own verbs to them.
# (The alternatives never start alike, so their order does not change what a pattern matches.)
_COMPARED_WITH = r"than|over|against|versus|vs\.?|compared\s+(?:to|with)"
_COMPARE = re.compile(
    rf"\b(?:{_COMPARED_WITH}|relative\s+to|outperform\w*|"
    r"surpass\w*|beat\w*|exceed\w*)\s+(?:the\s+|a\s+|an\s+|strong\s+|previous\s+|prior\s+)*",
    re.I,
)


def subject_of(sentence: str, local: Sequence[Span], proposed: Sequence[str], n: Number) -> str:
    """Who reached the number: the paper's own contribution the sentence names before it, else a
    system that is the sentence's subject ("Llama 2 scores 54.8%"), else the contribution, else PAPER."""
    before = [sp for sp in local if sp.end <= n.start]
    own = [sp.name for sp in before if sp.name in proposed]
    if own:
        return own[-1]
    named = [sp.name for sp in local if sp.name in proposed]
    if named:
        return named[0]
    for sp in before:
        if (
            sp.type in SYSTEMS
            and _HEAD_OF_CLAUSE.match(sentence[sp.end : n.start])
            and not _COMPARE_BEFORE.search(sentence[: sp.start])
        ):
            return sp.name
    return proposed[0] if proposed else PAPER


# "X achieves 85.3%", "X (ours) reaches", "X model obtains an accuracy of": X is the clause's subject.
_HEAD_OF_CLAUSE = re.compile(
    r"(?:\s+(?:model|method|framework|approach|variant|\([^)]{0,30}\)))*,?\s+(?:also\s+|further\s+|only\s+)?"
    r"(?:achiev|reach|obtain|attain|scor|get|gets|yield|deliver|outperform|surpass|improv|exceed|match|set|record|"
    r"is|are|was|were|runs?|speeds?|reduc|accelerat)",
    re.I,
)
_COMPARE_BEFORE = re.compile(rf"\b(?:{_COMPARED_WITH})\s+(?:the\s+)?\S*$", re.I)


_LINK_BEFORE = re.compile(
    r"\s*(?:of|=|:|is|was|at|reaches|reached|to)?\s*(?:about|around|only|up to|over|nearly)?\s*\(?"
)
_LINK_AFTER = re.compile(r"\s*(?:\$|\))?\s*(?:on|in|for|of|across|with)?\s*(?:the\s+)?")


def nearest(
    sentence: str, local: Sequence[Span], n: Number, types: set[EntityType], before: int, after: int
) -> str | None:
    best: tuple[int, str] | None = None
    for sp in local:
        if sp.type not in types:
            continue
        if sp.start >= n.unit_end:
            gap = sp.start - n.unit_end
            if gap > after:
                continue
            if _LINK_AFTER.fullmatch(sentence, n.unit_end, sp.start):
                gap = 0  # "85.3% accuracy", "2.1 points on MMLU"
        elif sp.end <= n.start:
            gap = n.start - sp.end
            if gap > before:
                continue
            # What follows the number ("85.3% accuracy on MMLU") is likelier its own than what
            # precedes it, unless they are joined ("an accuracy of 85.3%", "FID: 2.24").
            gap = 0 if _LINK_BEFORE.fullmatch(sentence, sp.end, n.start) else gap + 10
        else:
            continue
        if best is None or gap < best[0]:
            best = (gap, sp.name)
    return best[1] if best else None


def baselines(sentence: str, n: Number, local: Sequence[Span]) -> list[str]:
    """Systems named right after a comparison cue in the sentence ("over GaLore and Fira")."""
    names: list[str] = []
    for cue in _COMPARE.finditer(sentence):
        after = [sp for sp in local if sp.start >= cue.end() and sp.type in SYSTEMS | BENCH]
        if not after or after[0].start - cue.end() > 25 or after[0].type in BENCH:
            continue
        group = [after[0]]
        for sp in after[1:]:
            between = sentence[group[-1].end : sp.start]
            if sp.type in SYSTEMS and re.fullmatch(r"\s*(?:,|and|or|, and)\s*", between):
                group.append(sp)
            else:
                break
        for sp in group:
            if sp.name not in names:
                names.append(sp.name)
        if names:
            break
    return names


# Between the items of a list: "A, B and C", "A and B", "A / B", "A (or B)".
_LIST_GAP = re.compile(r"\s*(?:,|;|/|and|or|,\s*and|,\s*or|&)\s*(?:the\s+|on\s+|in\s+)?", re.I)


def _value_groups(sentence: str, numbers: Sequence[Number]) -> list[list[int]]:
    """Indices of ``numbers`` that form one coordinated list ("27.8 and 33.8", "3.2%, 1.1% and 0.5%")."""
    groups: list[list[int]] = []
    for i, n in enumerate(numbers):
        if groups and _LIST_GAP.fullmatch(sentence, numbers[groups[-1][-1]].unit_end, n.start):
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


def _span_lists(sentence: str, local: Sequence[Span], types: set[EntityType]) -> list[list[Span]]:
    """Maximal runs of mentions of ``types`` joined only by list punctuation ("CIFAR-10 and ImageNet")."""
    runs: list[list[Span]] = []
    for sp in local:
        if sp.type not in types:
            continue
        if runs and _LIST_GAP.fullmatch(sentence, runs[-1][-1].end, sp.start):
            runs[-1].append(sp)
        else:
            runs.append([sp])
    return runs


def distributed(
    sentence: str, local: Sequence[Span], numbers: Sequence[Number], types: set[EntityType], reach: int = 60
) -> dict[int, str]:
    """Number index -> name, where a list of k values meets a list of k names of ``types`` close by:
    "27.8 and 33.8 BLEU on WMT14 and WMT16", "on CIFAR-10 and ImageNet, respectively" (in order).

    Examples
    --------
    >>> from kg.extract.numbers import find_numbers
    >>> s = "FID of 2.51 and 3.25 on CIFAR-10 and ImageNet."
    >>> sp = [Span(s.index(n), s.index(n) + len(n), n, EntityType.DATASET) for n in ("CIFAR-10", "ImageNet")]
    >>> distributed(s, sp, find_numbers(s), {EntityType.DATASET})
    {0: 'CIFAR-10', 1: 'ImageNet'}
    """
    out: dict[int, str] = {}
    lists = [r for r in _span_lists(sentence, local, types) if len(r) >= 2]
    used: set[int] = set()  # one list of names serves one list of values
    for group in _value_groups(sentence, numbers):
        if len(group) < 2:
            continue
        first, last = numbers[group[0]], numbers[group[-1]]
        fits = [k for k, r in enumerate(lists) if len(r) == len(group) and k not in used]
        after = [k for k in fits if 0 <= lists[k][0].start - last.unit_end <= reach]
        before = [k for k in fits if 0 <= first.start - lists[k][-1].end <= reach]
        match = after[0] if after else (before[-1] if before else None)
        if match is not None:
            used.add(match)
            out.update({i: sp.name for i, sp in zip(group, lists[match], strict=True)})
    return out


_SCORE_AFTER_BASELINE = re.compile(
    r"[\s,]*(?:'s\s+)?(?:\w+\s+){0,2}?(?:at|with|of|reaching|achieving|scoring|\()\s*(?:an?\s+)?(?:\w+\s+){0,2}?$"
)
_SCORE_OF_BASELINE = re.compile(r"\s*(?:\w+\s+){0,2}?(?:for|from|of|by)\s+(?:the\s+|an?\s+)?")


def baseline_score(sentence: str, local: Sequence[Span], n: Number) -> str | None:
    """The compared system whose score this is, not the paper's: "outperforming CTC at 13.0 WER",
    "compared to 26.5 for an Adam-trained model", "surpassing the previous best of 72.19% from OpenCLIP".

    Examples
    --------
    >>> from kg.extract.numbers import find_numbers
    >>> s = "X achieves 11.1 WER, outperforming CTC at 13.0 WER."
    >>> sp = [Span(s.index(m), s.index(m) + len(m), m, EntityType.METHOD) for m in ("X", "CTC")]
    >>> [baseline_score(s, sp, n) for n in find_numbers(s)]
    [None, 'CTC']
    """
    for sp in reversed([sp for sp in local if sp.end <= n.start and sp.type in SYSTEMS]):
        if (
            n.start - sp.end <= 30
            and _SCORE_AFTER_BASELINE.match(sentence, sp.end, n.start)
            and _CUE_JUST_BEFORE.search(sentence[max(0, sp.start - 40) : sp.start])
        ):
            return sp.name
        break
    cue = _COMPARE_BEFORE_NUMBER.search(sentence[max(0, n.start - 40) : n.start])
    if cue:
        for sp in local:
            if sp.start >= n.unit_end and sp.type in SYSTEMS:
                if sp.start - n.unit_end <= 30 and _SCORE_OF_BASELINE.fullmatch(sentence, n.unit_end, sp.start):
                    return sp.name
                break
    return None


_CUE_JUST_BEFORE = re.compile(
    rf"\b(?:{_COMPARED_WITH}|surpass\w*|outperform\w*|beat\w*)\s+"
    r"(?:the\s+|an?\s+|previous\s+|prior\s+|strong\s+|published\s+)*$",
    re.I,
)
_COMPARE_BEFORE_NUMBER = re.compile(
    rf"\b(?:{_COMPARED_WITH}|surpassing|outperforming|beating)\b[^,;]*$",
    re.I,
)
