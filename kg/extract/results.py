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
from kg.extract.result_slots import (
    BENCH,
    Span,
    baseline_score,
    baselines,
    distributed,
    nearest,
    subject_of,
)
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
        (Span(m.start, m.end, e.name, e.type) for e in entities for m in e.mentions if m.field == "abstract"),
        key=lambda s: s.start,
    )
    proposed = [r.tail for r in relations if r.type is RelationType.PROPOSES and r.head == PAPER]
    out: list[PaperResult] = []
    for s_start, s_end in sentences:
        sentence = abstract[s_start:s_end]
        local = [
            Span(sp.start - s_start, sp.end - s_start, sp.name, sp.type)
            for sp in spans
            if s_start <= sp.start and sp.end <= s_end
        ]
        # Not part of a name ("ImageNet 64x64", "CIFAR-10").
        numbers = [x for x in classify_numbers(sentence, model) if not _in_name(x[0], local)]
        nums = [n for n, _, _ in numbers]
        listed_bench = distributed(sentence, local, nums, BENCH)
        listed_metric = distributed(sentence, local, nums, {EntityType.METRIC})
        for i, (n, kind, p) in enumerate(numbers):
            compared = baselines(sentence, n, local) if kind != "score" else []
            # Speed-ups and savings are rarely tied to one benchmark unless it is named close by.
            reach = (40, 40) if kind == "ratio" else (120, 120)
            base = dict(
                subject=(kind == "score" and baseline_score(sentence, local, n))
                or subject_of(sentence, local, proposed, n),
                metric=listed_metric.get(i) or nearest(sentence, local, n, {EntityType.METRIC}, before=40, after=40),
                benchmark=listed_bench.get(i) or nearest(sentence, local, n, BENCH, *reach),
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
            for baseline in compared or [None]:
                if baseline is not None and baseline == base["subject"]:
                    continue
                out.append(PaperResult(compared_to=baseline, **base))  # type: ignore[arg-type]
    return tuple(out)


def _in_name(n: Number, local: Sequence[Span]) -> bool:
    return any(sp.start <= n.start < sp.end for sp in local)
