"""Results from abstracts (GUIDELINES.md "Results"): which numbers are results, and about what.

Two steps, both pure functions that tests call directly:

1. :func:`classify_numbers`: every number of a sentence (:func:`kg.extract.numbers.find_numbers`)
   goes through a small softmax regression over its context words and shape (unit, decimals,
   magnitude), trained on the train gold by ``scripts/train_results.py`` and stored in
   ``kg/models/results.json``; it says none / score / gain / ratio, with a probability.
2. :func:`extract_results`: each kept number takes its metric, benchmark, subject and baseline
   from the paper's entities in the same sentence: the nearest Metric and Benchmark/Dataset
   mention, the entity named after "over / than / compared to / relative to / against" (gains and
   ratios only), and as subject the paper's named contribution (the entity it proposes; the one
   the sentence names first), else PAPER.

Examples
--------
>>> from kg.types import Mention, PaperEntity, PaperRelation
>>> from kg.vocab import EntityType, RelationType
>>> text = "ProcX achieves 85.3% accuracy on MMLU, 2.1 points over LoRA."
>>> def ent(name, typ):
...     i = text.index(name)
...     return PaperEntity(name, typ, (name,), (Mention("abstract", i, i + len(name), name, typ),))
>>> ents = [ent("ProcX", EntityType.MODEL), ent("accuracy", EntityType.METRIC),
...         ent("MMLU", EntityType.BENCHMARK), ent("LoRA", EntityType.METHOD)]
>>> rels = [PaperRelation("PAPER", RelationType.PROPOSES, "ProcX", text, 0.9)]
>>> for r in extract_results("ProcX", text, [(0, len(text))], ents, rels):
...     print(r.subject, r.kind, r.value, r.unit, r.metric, r.benchmark, r.compared_to)
ProcX score 85.3 % accuracy MMLU None
ProcX gain 2.1 points accuracy MMLU LoRA
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from kg.extract.numbers import Number, find_numbers
from kg.types import PAPER, PaperEntity, PaperRelation, PaperResult, ResultKind
from kg.vocab import EntityType, RelationType

__all__ = [
    "KINDS",
    "MODEL_PATH",
    "ResultModel",
    "number_features",
    "classify_numbers",
    "extract_results",
    "tokens",
]

#: Classes of the number classifier; index 0 is "not a result".
KINDS: tuple[str, ...] = ("none", "score", "gain", "ratio")
MODEL_PATH = Path(__file__).resolve().parent.parent / "models" / "results.json"
_WINDOW = 8
_TOKEN = re.compile(r"[A-Za-z]+|\d+(?:\.\d+)?|[^\sA-Za-z\d]")


def tokens(text: str) -> list[str]:
    """Lower-case words, digits folded to ``#``, punctuation kept.

    Examples
    --------
    >>> tokens("Top-1 of 85.3%")
    ['top', '-', '#', 'of', '#', '%']
    """
    return ["#" if t[0].isdigit() else t.casefold() for t in _TOKEN.findall(text)]


def number_features(sentence: str, n: Number) -> list[str]:
    """Features of one number in its sentence (offsets of ``n`` index ``sentence``).

    Examples
    --------
    >>> s = "It is 3x faster than FlashAttention."
    >>> f = number_features(s, find_numbers(s)[0])
    >>> "unit=x" in f, "r1=faster" in f, "l1=is" in f
    (True, True, True)
    """
    left = tokens(sentence[: n.start])[-_WINDOW:]
    right = tokens(sentence[n.unit_end :])[:_WINDOW]
    decimals = len(n.value.split(".", 1)[1]) if "." in n.value and n.low is None else 0
    f = [
        "bias",
        f"unit={n.unit}",
        f"dec={min(decimals, 3)}",
        f"mag={_magnitude(n.num)}",
        f"unit={n.unit}|mag={_magnitude(n.num)}",
    ]
    if n.signed:
        f.append("signed")
    if n.low is not None:
        f.append("range")
    if n.unit is None and n.low is None and float(n.num).is_integer() and 1900 <= n.num <= 2100:
        f.append("year")
    if sentence[: n.start].rstrip().endswith("("):
        f.append("in_parens")
    for i, t in enumerate(reversed(left[-3:]), 1):
        f.append(f"l{i}={t}")
    for i, t in enumerate(right[:3], 1):
        f.append(f"r{i}={t}")
    if right:
        f.append(f"unit={n.unit}|r1={right[0]}")
    f.extend(f"bl={t}" for t in set(left) if t.isalpha())
    f.extend(f"br={t}" for t in set(right) if t.isalpha())
    return f


def _magnitude(x: float) -> str:
    if x < 1:
        return "<1"
    return f"1e{min(int(math.log10(x)), 4)}"


@dataclass(frozen=True)
class ResultModel:
    """Softmax regression over :func:`number_features`: ``weights[feature][k]`` for class ``KINDS[k]``."""

    weights: dict[str, tuple[float, ...]]
    #: Below this probability of its best result class a number is not a result (chosen on dev).
    threshold: float = 0.5

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> ResultModel:
        d = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls({k: tuple(v) for k, v in d["weights"].items()}, float(d.get("threshold", 0.5)))

    def probabilities(self, features: Sequence[str]) -> list[float]:
        scores = [0.0] * len(KINDS)
        for name in features:
            w = self.weights.get(name)
            if w is not None:
                for k in range(len(KINDS)):
                    scores[k] += w[k]
        top = max(scores)
        exp = [math.exp(s - top) for s in scores]
        total = sum(exp)
        return [e / total for e in exp]


@cache
def _default_model() -> ResultModel:
    return ResultModel.load()


def classify_numbers(sentence: str, model: ResultModel | None = None) -> list[tuple[Number, ResultKind, float]]:
    """The numbers of ``sentence`` the model takes for results: (number, kind, probability).

    Examples
    --------
    >>> [(n.value, kind) for n, kind, _ in classify_numbers("Our model achieves 85.3% accuracy on MMLU.")]
    [('85.3', 'score')]
    >>> classify_numbers("We train a 7B model on 12 benchmarks.")
    []
    """
    model = model or _default_model()
    out = []
    for n in find_numbers(sentence):
        probs = model.probabilities(number_features(sentence, n))
        k = max(range(1, len(KINDS)), key=lambda i: probs[i])
        # The number is a result when "none" is unlikely, and it is of its likeliest kind.
        p_result = 1.0 - probs[0]
        if p_result >= model.threshold:
            out.append((n, KINDS[k], p_result))  # type: ignore[arg-type]
    return out


@dataclass(frozen=True, slots=True)
class _Span:
    start: int
    end: int
    name: str
    type: EntityType


_BENCH = {EntityType.BENCHMARK, EntityType.DATASET}
_SYSTEMS = {EntityType.MODEL, EntityType.METHOD}
_COMPARE = re.compile(
    r"\b(?:over|than|compared\s+(?:to|with)|relative\s+to|against|versus|vs\.?|outperform\w*|"
    r"surpass\w*|beat\w*|exceed\w*)\s+(?:the\s+|a\s+|an\s+|strong\s+|previous\s+|prior\s+)*",
    re.I,
)


def extract_results(
    title: str,
    abstract: str,
    sentences: Sequence[tuple[int, int]],
    entities: Sequence[PaperEntity],
    relations: Sequence[PaperRelation],
    model: ResultModel | None = None,
) -> tuple[PaperResult, ...]:
    """The results of one paper's abstract (``sentences`` are (start, end) offsets into it)."""
    del title  # results are read from the abstract; the title rarely states numbers
    spans = sorted(
        (
            _Span(m.start, m.end, e.name, e.type)
            for e in entities
            for m in e.mentions
            if m.field == "abstract"
        ),
        key=lambda s: s.start,
    )
    proposed = [r.tail for r in relations if r.type is RelationType.PROPOSES and r.head == PAPER]
    out: list[PaperResult] = []
    for s_start, s_end in sentences:
        sentence = abstract[s_start:s_end]
        local = [
            _Span(sp.start - s_start, sp.end - s_start, sp.name, sp.type)
            for sp in spans
            if s_start <= sp.start and sp.end <= s_end
        ]
        numbers = classify_numbers(sentence, model)
        for n, kind, p in numbers:
            if any(sp.start <= n.start < sp.end for sp in local):
                continue  # part of a name ("ImageNet 64x64", "CIFAR-10")
            baselines = _baselines(sentence, n, local) if kind != "score" else []
            base = dict(
                subject=_subject(sentence, local, proposed, n),
                metric=_nearest(sentence, local, n, {EntityType.METRIC}, before=40, after=40),
                # Speed-ups and savings are rarely tied to one benchmark unless it is named close by.
                benchmark=_nearest(sentence, local, n, _BENCH, *((40, 40) if kind == "ratio" else (120, 120))),
                value=n.value,
                value_num=n.num,
                unit=n.unit,
                kind=kind,
                evidence=sentence.strip(),
                confidence=round(p, 4),
                value_low=n.low,
                value_high=n.high,
                field="abstract",
                start=s_start + n.start,
                end=s_start + n.end,
            )
            for baseline in baselines or [None]:
                if baseline is not None and baseline == base["subject"]:
                    continue
                out.append(PaperResult(compared_to=baseline, **base))  # type: ignore[arg-type]
    return tuple(out)


def _subject(sentence: str, local: Sequence[_Span], proposed: Sequence[str], n: Number) -> str:
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
        if sp.type in _SYSTEMS and _HEAD_OF_CLAUSE.match(sentence[sp.end : n.start]) and not _COMPARE_BEFORE.search(
            sentence[: sp.start]
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
_COMPARE_BEFORE = re.compile(r"\b(?:than|over|against|versus|vs\.?|compared\s+(?:to|with))\s+(?:the\s+)?\S*$", re.I)


_LINK_BEFORE = re.compile(
    r"\s*(?:of|=|:|is|was|at|reaches|reached|to)?\s*(?:about|around|only|up to|over|nearly)?\s*\(?"
)
_LINK_AFTER = re.compile(r"\s*(?:\$|\))?\s*(?:on|in|for|of|across|with)?\s*(?:the\s+)?")


def _nearest(
    sentence: str, local: Sequence[_Span], n: Number, types: set[EntityType], before: int, after: int
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


def _baselines(sentence: str, n: Number, local: Sequence[_Span]) -> list[str]:
    """Systems named right after a comparison cue in the sentence ("over GaLore and Fira")."""
    names: list[str] = []
    for cue in _COMPARE.finditer(sentence):
        after = [sp for sp in local if sp.start >= cue.end() and sp.type in _SYSTEMS | _BENCH]
        if not after or after[0].start - cue.end() > 25 or after[0].type in _BENCH:
            continue
        group = [after[0]]
        for sp in after[1:]:
            between = sentence[group[-1].end : sp.start]
            if sp.type in _SYSTEMS and re.fullmatch(r"\s*(?:,|and|or|, and)\s*", between):
                group.append(sp)
            else:
                break
        for sp in group:
            if sp.name not in names:
                names.append(sp.name)
        if names:
            break
    return names
