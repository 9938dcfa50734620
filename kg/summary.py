"""What a run reports: :class:`BuildSummary` (summary.json) and, for ``kg add``, :class:`WhatsNew`.

Examples
--------
>>> from kg.types import Entity, EntityType, Paper
>>> from kg.write.graphjson import GraphKeys
>>> before = GraphKeys(frozenset({"p1"}), {"bert": "Model"}, frozenset())
>>> g = Graph(papers=(Paper("p1", "T", "A"), Paper("p2", "U", "B")),
...           entities=(Entity("bert", EntityType.MODEL, "BERT"), Entity("glue", EntityType.BENCHMARK, "GLUE")))
>>> new = whats_new(before, g)
>>> new.papers, new.entities
(('p2',), {'Benchmark': ('GLUE',)})
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.runstate import Counts
from kg.types import Extraction, Graph, Result
from kg.vocab import RelationType
from kg.write.graphjson import GraphKeys

__all__ = ["CORE_RELATIONS", "BuildSummary", "NewRelation", "WhatsNew", "extract_counts", "summarise", "whats_new"]

#: The relations the "what's new" summary lists one by one, with their evidence.
CORE_RELATIONS = (RelationType.IMPROVES_ON, RelationType.EVALUATED_ON, RelationType.BUILDS_ON)


@dataclass(frozen=True)
class BuildSummary:
    """What a build read, kept, rejected and produced.

    ``extracted`` / ``cached`` say how many papers this run extracted or took from the cache;
    they and ``seconds`` are the only fields that differ between two runs on the same input.
    """

    records: int
    papers: int
    duplicates: int
    rejected: int
    entities: dict[str, int]
    relations: dict[str, int]
    paper_links: int
    seconds: float
    relations_dropped: int = 0
    outputs: tuple[str, ...] = ()
    versions: dict[str, str] = field(default_factory=dict)
    extracted: int = 0
    cached: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    ambiguous_proposals: int = 0
    notes: tuple[str, ...] = ()
    added: dict[str, Any] = field(default_factory=dict)
    results: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        run: dict[str, Any] = {
            "extracted": self.extracted,
            "cached": self.cached,
            "seconds": round(self.seconds, 2),
            "timings": {k: round(v, 2) for k, v in self.timings.items()},
        }
        if self.added:
            run["added"] = self.added  # per run: a build of everything at once has no "added"
        return {
            "records": self.records,
            "papers": self.papers,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "entities": self.entities,
            "relations": self.relations,
            "relations_dropped": self.relations_dropped,
            "paper_links": self.paper_links,
            "results": self.results,
            "ambiguous_proposals": self.ambiguous_proposals,
            "notes": list(self.notes),
            "outputs": list(self.outputs),
            "versions": self.versions,
            "run": run,
        }


def _by_count(counter: Counter[str]) -> dict[str, int]:
    return dict(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


def summarise(
    graph: Graph,
    counts: Counts,
    started: float,
    outputs: list[Path],
    timings: dict[str, float],
    notes: Sequence[str] = (),
) -> BuildSummary:
    return BuildSummary(
        records=counts.records,
        papers=len(graph.papers),
        duplicates=counts.duplicates,
        rejected=counts.rejected,
        entities=_by_count(Counter(e.type.value for e in graph.entities)),
        relations=_by_count(Counter(r.type.value for r in graph.relations)),
        paper_links=len(graph.paper_links),
        results=_by_count(Counter(r.kind for r in graph.results)),
        seconds=time.perf_counter() - started,
        relations_dropped=graph.relations_dropped,
        outputs=tuple(str(p) for p in outputs),
        versions=dict(graph.meta),
        extracted=counts.extracted,
        cached=counts.cached,
        timings=timings,
        ambiguous_proposals=graph.ambiguous_proposals,
        notes=tuple(_rekeyed_note(counts.rekeyed)) + tuple(notes),
    )


def _rekeyed_note(rekeyed: int) -> list[str]:
    if not rekeyed:
        return []
    return [
        f"{rekeyed:,} records carried an id another paper (other title and abstract) already had: "
        "they got title-hash ids instead of being merged"
    ]


def extract_counts(linked: Iterable[Extraction]) -> tuple[int, dict[str, int], dict[str, int]]:
    """(papers, entities by merged type, relations by type) without holding the papers."""
    types: dict[str, Counter[str]] = defaultdict(Counter)
    relations: Counter[str] = Counter()
    papers = 0
    for ex in linked:
        papers += 1
        for e in ex.entities:
            types[e.id][e.type.value] += 1
        relations.update(r.type.value for r in {(r.head_id, r.type, r.tail_id): r for r in ex.relations}.values())
    entities = Counter(c.most_common(1)[0][0] for c in types.values())
    return papers, dict(entities.most_common()), dict(relations.most_common())


@dataclass(frozen=True, slots=True)
class NewRelation:
    """A core relation no paper of the build asserted before, as one paper words it."""

    head: str
    type: str
    tail: str
    paper_id: str
    evidence: str


@dataclass(frozen=True)
class WhatsNew:
    """What ``kg add`` added to a build: new paper ids, new entity names by type, new core relations
    (head and tail by name), papers whose text changed (extracted again), and new results (one line
    each: subject, metric, value, benchmark, baseline, paper)."""

    papers: tuple[str, ...]
    entities: dict[str, tuple[str, ...]]
    relations: tuple[NewRelation, ...]
    changed: int = 0
    results: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "papers": len(self.papers),
            "changed": self.changed,
            "entities": {k: len(v) for k, v in self.entities.items()},
            "relations_count": len(self.relations),
            "relations": [  # the first 1,000: a daily feed adds far fewer
                {"head": r.head, "type": r.type, "tail": r.tail, "paper": r.paper_id, "evidence": r.evidence}
                for r in self.relations[:1000]
            ],
            "results_count": len(self.results),
            "results": list(self.results[:1000]),
        }


def whats_new(before: GraphKeys | None, graph: Graph, changed: int = 0) -> WhatsNew:
    """Compare ``graph`` with the keys of the build it grew from (None: everything is new)."""
    old = before or GraphKeys(frozenset(), {}, frozenset())
    papers = tuple(p.id for p in graph.papers if p.id not in old.papers)
    entities: dict[str, list[str]] = defaultdict(list)
    names = {}
    for e in graph.entities:
        names[e.id] = e.name
        if e.id not in old.entities:
            entities[e.type.value].append(e.name)
    titles = {p.id: p.title for p in graph.papers}
    seen: set[tuple[str, str, str]] = set()
    relations = []
    for r in graph.relations:
        key = (r.head, r.type.value, r.tail)
        if r.type in CORE_RELATIONS and key not in old.relations and key not in seen:
            seen.add(key)
            head = titles[r.head] if r.head_is_paper else names.get(r.head, r.head)
            relations.append(NewRelation(head, r.type.value, names.get(r.tail, r.tail), r.paper_id, r.evidence))
    ordered = {k: tuple(sorted(v)) for k, v in sorted(entities.items(), key=lambda kv: (-len(kv[1]), kv[0]))}
    results = tuple(_result_text(r, names, titles) for r in graph.results if r.id not in old.results)
    return WhatsNew(papers, ordered, tuple(relations), changed, results)


def _result_text(r: Result, names: dict[str, str], titles: dict[str, str]) -> str:
    """``subject: metric value unit on benchmark (vs baseline) [paper]``, the parts it has."""
    subject = titles.get(r.subject) or names.get(r.subject, r.subject)
    parts = [f"{subject}:"]
    if r.metric:
        parts.append(names.get(r.metric, r.metric))
    parts.append(f"{r.value}{r.unit or ''}")
    if r.benchmark:
        parts.append(f"on {names.get(r.benchmark, r.benchmark)}")
    if r.baseline:
        parts.append(f"(vs {names.get(r.baseline, r.baseline)})")
    return " ".join(parts) + f" [{r.paper_id}]"
