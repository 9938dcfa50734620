"""Score extracted results against gold ``results`` (GUIDELINES.md "Results").

Three levels, each a set of tuples per paper: the full tuple (subject, benchmark, metric, value),
(benchmark, value) and the value alone. Predicted names are resolved to gold names the way
:mod:`kg.evaluate.gold` scores relations: through the one-to-one entity matching (any alias), and
failing that through any gold entity one of whose aliases the name is; ``PAPER`` and null stay as
they are. Values compare as numbers (a range by its two ends), so "85.30" matches "85.3".

Examples
--------
>>> gold = [{"id": "p", "entities": [{"name": "Massive Multitask Language Understanding", "type": "Benchmark",
...                                   "aliases": ["MMLU"]}, {"name": "ProcX", "type": "Model", "aliases": ["ProcX"]}],
...          "results": [{"subject": "ProcX", "metric": None, "benchmark": "Massive Multitask Language Understanding",
...                       "value": "85.3", "kind": "score"}]}]
>>> pred = [{"id": "p", "entities": [{"name": "MMLU", "type": "Dataset", "aliases": ["MMLU"]}],
...          "results": [{"subject": "PAPER", "metric": None, "benchmark": "MMLU", "value": "85.30"}]}]
>>> s = score_results(gold, pred)
>>> s.full.f1, s.benchmark_value.f1, s.value.f1
(0.0, 1.0, 1.0)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from kg.evaluate.bootstrap import prf_intervals
from kg.evaluate.gold import PRF, _match, _names, normalise
from kg.extract.numbers import parse_value
from kg.types import PAPER

__all__ = ["ResultScores", "score_results", "value_key"]

Tuple = tuple[Any, ...]


def value_key(value: object) -> tuple[float, ...] | None:
    """A value as a comparable number: (n,) or a range's (low, high); None if it has none.

    Examples
    --------
    >>> value_key("85.30") == value_key(85.3), value_key("2-3"), value_key("n/a")
    (True, (2.0, 3.0), None)
    """
    if isinstance(value, int | float):
        return (round(float(value), 6),)
    parsed = parse_value(str(value or ""))
    if parsed is None:
        return None
    num, low, high = parsed
    return (round(low, 6), round(high, 6)) if low is not None and high is not None else (round(num, 6),)


@dataclass
class ResultScores:
    """P/R/F1 at the three levels, per kind at the full level, and the errors for ``--errors``."""

    papers: int = 0
    full: PRF = field(default_factory=PRF)
    benchmark_value: PRF = field(default_factory=PRF)
    value: PRF = field(default_factory=PRF)
    #: (confidence, correct at the (benchmark, value) level) for every predicted result.
    confidences: list[tuple[float, bool]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    #: Per-paper (tp, fp, fn) of each level, for the bootstrap intervals.
    per_paper: dict[str, list[tuple[int, int, int]]] = field(
        default_factory=lambda: {"full": [], "benchmark_value": [], "value": []}
    )

    def to_dict(self) -> dict[str, Any]:
        """Each level's P/R/F1 with 95% paper-bootstrap intervals (as :mod:`kg.evaluate.bootstrap`)."""
        return {
            name: {**prf.to_dict(), **prf_intervals(self.per_paper[name])}
            for name, prf in (("full", self.full), ("benchmark_value", self.benchmark_value), ("value", self.value))
        }


def _resolver(gold: dict[str, Any], pred: dict[str, Any]) -> Any:
    ge, pe = gold.get("entities", []), pred.get("entities", [])
    to_gold: dict[str, str] = {}
    for i, j in _match(ge, pe, lambda a, b: True).items():
        for name in [pe[i]["name"], *pe[i].get("aliases", [])]:
            to_gold.setdefault(normalise(name), normalise(ge[j]["name"]))
    by_alias: dict[str, str] = {}
    for g in ge:
        for name in _names(g):
            by_alias.setdefault(name, normalise(g["name"]))

    def key(name: str | None) -> str | None:
        if name is None or name == PAPER:
            return name
        n = normalise(name)
        return to_gold.get(n) or by_alias.get(n) or "pred:" + n

    return key


def _gold_key(name: str | None) -> str | None:
    return name if name is None or name == PAPER else normalise(name)


def _levels(subject: Any, benchmark: Any, metric: Any, value: Any) -> tuple[Tuple, Tuple, Tuple]:
    return (subject, benchmark, metric, value), (benchmark, value), (value,)


def _score_paper(s: ResultScores, gold: dict[str, Any], pred: dict[str, Any]) -> None:
    key = _resolver(gold, pred)
    gold_sets: list[set[Tuple]] = [set(), set(), set()]
    for r in gold.get("results", []):
        v = value_key(r.get("value"))
        for level, t in zip(gold_sets, _levels(
            _gold_key(r.get("subject")), _gold_key(r.get("benchmark")), _gold_key(r.get("metric")), v
        ), strict=True):
            level.add(t)
    pred_sets: list[dict[Tuple, dict[str, Any]]] = [{}, {}, {}]
    for r in pred.get("results", []):
        v = value_key(r.get("value_num", r.get("value")) if r.get("value_low") is None else r.get("value"))
        for level, t in zip(pred_sets, _levels(
            key(r.get("subject")), key(r.get("benchmark")), key(r.get("metric")), v
        ), strict=True):
            level.setdefault(t, r)
    pid = gold.get("id", "")
    for prf, g, p, name in zip(
        (s.full, s.benchmark_value, s.value), gold_sets, pred_sets, ("full", "benchmark_value", "value"), strict=True
    ):
        counts = (len(g & p.keys()), len(p.keys() - g), len(g - p.keys()))
        prf.tp += counts[0]
        prf.fp += counts[1]
        prf.fn += counts[2]
        s.per_paper[name].append(counts)
        if name == "full":
            for t in p.keys() - g:
                s.errors.append({"paper": pid, "kind": "result FP", "item": _show(t)})
            for t in g - p.keys():
                s.errors.append({"paper": pid, "kind": "result FN", "item": _show(t)})
    for t, r in pred_sets[1].items():
        s.confidences.append((float(r.get("confidence", 1.0)), t in gold_sets[1]))


def _show(t: Tuple) -> str:
    subject, benchmark, metric, value = t
    v = "-".join(f"{x:g}" for x in value) if value else "?"
    return f"{subject} | {benchmark} | {metric} | {v}"


def score_results(gold: Iterable[dict[str, Any]], predictions: Iterable[dict[str, Any]]) -> ResultScores:
    """Score predicted results (rows shaped like extractions.jsonl) against gold rows.

    Rows pair by ``id``, else by normalised title (as :func:`kg.evaluate.gold.score` does); a gold
    paper without a prediction counts all its results as missed.
    """
    preds = list(predictions)
    by_id = {p.get("id"): p for p in preds}
    by_title = {normalise(p.get("title", "")): p for p in preds if p.get("title")}
    s = ResultScores()
    for g in gold:
        s.papers += 1
        pred = by_id.get(g.get("id")) or by_title.get(normalise(g.get("title", ""))) or {}
        _score_paper(s, g, pred)
    return s
