"""Leaderboards from a built graph: every result reported on a benchmark, ranked.

Pure functions over :class:`kg.types.Graph` for ``kg leaderboard`` and graph.html's panel.
Scores come first, grouped by metric (the most reported metric first) and ranked best first:
descending, or ascending for a lower-is-better metric (FID, WER, perplexity, error, latency, ...).
Gains and ratios follow, largest first (a range by its upper end), since they are measured
against different baselines and do not rank against scores.

Examples
--------
>>> from kg.types import Entity, EntityType, Graph, Paper, Result
>>> g = Graph(papers=(Paper("p1", "ProcX", "..."), Paper("p2", "Other", "...")),
...           entities=(Entity("mmlu", EntityType.BENCHMARK, "MMLU", ("MMLU", "Massive MTL")),
...                     Entity("procx", EntityType.MODEL, "ProcX")),
...           results=(Result("p1#result-0", "p1", "procx", None, "mmlu", None, "85.3", 85.3, "%", "score", "e", 0.9),
...                    Result("p2#result-0", "p2", "p2", None, "mmlu", None, "88.1", 88.1, "%", "score", "e", 0.8)))
>>> [(r.rank, r.subject, r.value) for r in leaderboard(g, find_benchmark(g, "massive mtl").id)]
[(1, 'Other', '88.1'), (2, 'ProcX', '85.3')]
"""

from __future__ import annotations

import difflib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from kg.errors import InputError
from kg.types import Entity, EntityType, Graph, Result

__all__ = [
    "LOWER_IS_BETTER",
    "LeaderboardRow",
    "benchmarks_with_results",
    "find_benchmark",
    "leaderboard",
    "lower_is_better",
    "rows_as_dicts",
]

#: Metric names (folded, any word) for which a smaller score is better.
LOWER_IS_BETTER = frozenset(
    {"fid", "kid", "wer", "cer", "ter", "perplexity", "ppl", "error", "loss", "latency", "mae", "mse",
     "rmse", "eer", "bpd", "nll", "time", "memory", "cost", "flops", "gflops"}
)
_KIND_ORDER = {"score": 0, "gain": 1, "ratio": 2}


@dataclass(frozen=True, slots=True)
class LeaderboardRow:
    """One ranked result. ``subject`` is the entity's name or, for PAPER, the paper's title."""

    rank: int
    subject: str
    value: str
    value_num: float
    unit: str | None
    kind: str
    metric: str | None
    baseline: str | None
    paper: str
    paper_id: str
    evidence: str
    confidence: float
    subject_id: str
    result_id: str
    value_high: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _fold(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


def lower_is_better(metric: str | None) -> bool:
    """Whether a smaller value of this metric is better.

    Examples
    --------
    >>> lower_is_better("FID"), lower_is_better("word error rate"), lower_is_better("top-1 accuracy")
    (True, True, False)
    """
    if not metric:
        return False
    words = set(re.findall(r"[a-z0-9]+", metric.casefold()))
    return bool(words & LOWER_IS_BETTER)


def benchmarks_with_results(graph: Graph) -> list[tuple[Entity, int]]:
    """Entities that results are reported on, with how many, most reported first.

    Examples
    --------
    >>> benchmarks_with_results(Graph())
    []
    """
    counts = Counter(r.benchmark for r in graph.results if r.benchmark is not None)
    by_id = {e.id: e for e in graph.entities}
    return sorted(
        ((by_id[b], n) for b, n in counts.items() if b in by_id), key=lambda en: (-en[1], en[0].name.casefold())
    )


def find_benchmark(graph: Graph, name: str) -> Entity:
    """The benchmark (or dataset) called ``name``: its id, name or any alias, case, spaces and
    punctuation folded; the one with most results when several match.

    Raises
    ------
    InputError
        Nothing matches; the message names the closest benchmarks that have results.
    """
    key = _fold(name)
    counts = Counter(r.benchmark for r in graph.results if r.benchmark is not None)
    data = [e for e in graph.entities if e.type in {EntityType.BENCHMARK, EntityType.DATASET} or e.id in counts]
    found = [e for e in data if key and key in {_fold(e.id), _fold(e.name), *(_fold(a) for a in e.aliases)}]
    if found:
        return max(found, key=lambda e: (counts[e.id], e.type is EntityType.BENCHMARK))
    names = {e.name: counts[e.id] for e in data if counts[e.id]} or {e.name: 0 for e in data}
    folded = {n.casefold(): n for n in names}
    close = [folded[c] for c in difflib.get_close_matches(name.casefold(), list(folded), n=5, cutoff=0.5)]
    if not close:  # a substring ("ImageNet" for "ImageNet-1k") is a near name too
        close = sorted((n for n in names if name.casefold() in n.casefold()), key=lambda n: -names[n])[:5]
    if not graph.results:
        hint = " (this build has no results)"
    elif close:
        hint = f" (near: {', '.join(close)})"
    else:
        top = [e.name for e, _ in benchmarks_with_results(graph)[:5]]
        hint = f" (most reported: {', '.join(top)})" if top else ""
    raise InputError(f"no benchmark named {name!r} in the graph{hint}")


def _metric_matches(entity: Entity | None, metric: str) -> bool:
    if entity is None:
        return False
    key = _fold(metric)
    return key in {_fold(entity.id), _fold(entity.name), *(_fold(a) for a in entity.aliases)}


def leaderboard(graph: Graph, benchmark_id: str, metric: str | None = None) -> list[LeaderboardRow]:
    """Every result reported on ``benchmark_id`` (optionally only in ``metric``: name, alias or id), ranked.

    ``rank`` counts within each (kind, metric) group; equal values share a rank.
    """
    by_id = {e.id: e for e in graph.entities}
    titles = {p.id: p.title for p in graph.papers}
    chosen = [r for r in graph.results if r.benchmark == benchmark_id]
    if metric is not None:
        chosen = [r for r in chosen if _metric_matches(by_id.get(r.metric or ""), metric)]
    groups: dict[tuple[str, str | None], list[Result]] = defaultdict(list)
    for r in chosen:
        groups[(r.kind, r.metric)].append(r)
    per_metric = Counter(r.metric for r in chosen if r.kind == "score")
    order = sorted(
        groups, key=lambda g: (_KIND_ORDER.get(g[0], 3), -per_metric[g[1]] if g[0] == "score" else 0,
                               _name(by_id, g[1]) or "~")
    )
    rows: list[LeaderboardRow] = []
    for kind, metric_id in order:
        metric_name = _name(by_id, metric_id)
        ascending = kind == "score" and lower_is_better(metric_name)

        def best(r: Result) -> float:
            # A gain or ratio range ("2-3x") ranks by its upper end; a score by its value.
            return r.value_high if r.value_high is not None and r.kind != "score" else r.value_num

        ranked = sorted(groups[(kind, metric_id)], key=lambda r: (best(r) if ascending else -best(r), r.id))
        rank, previous = 0, None
        for i, r in enumerate(ranked, 1):
            if best(r) != previous:
                rank, previous = i, best(r)
            rows.append(_row(r, rank, by_id, titles, metric_name))
    return rows


def _name(by_id: dict[str, Entity], eid: str | None) -> str | None:
    if eid is None:
        return None
    e = by_id.get(eid)
    return e.name if e is not None else eid


def _row(r: Result, rank: int, by_id: dict[str, Entity], titles: dict[str, str], metric: str | None) -> LeaderboardRow:
    subject = titles.get(r.subject, r.subject) if r.subject_is_paper else (_name(by_id, r.subject) or r.subject)
    return LeaderboardRow(
        rank=rank,
        subject=subject,
        value=r.value,
        value_num=r.value_num,
        unit=r.unit,
        kind=r.kind,
        metric=metric,
        baseline=_name(by_id, r.baseline),
        paper=titles.get(r.paper_id, r.paper_id),
        paper_id=r.paper_id,
        evidence=r.evidence,
        confidence=r.confidence,
        subject_id=r.subject,
        result_id=r.id,
        value_high=r.value_high,
    )


def rows_as_dicts(rows: Iterable[LeaderboardRow]) -> list[dict[str, Any]]:
    """JSON-ready rows (what ``kg leaderboard --json`` prints)."""
    return [r.to_dict() for r in rows]
