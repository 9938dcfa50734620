"""Linked per-paper extractions -> one Graph: merge entities by id, keep every assertion, derive paper links.

Examples
--------
>>> from kg.types import Paper, PaperEntity, PaperRelation, Extraction, Mention
>>> p1 = Paper(id="p1", title="LoRA", abstract="We propose LoRA.")
>>> mention = Mention("title", 0, 4, "LoRA", EntityType.METHOD)
>>> lora = PaperEntity("LoRA", EntityType.METHOD, ("LoRA",), (mention,), id="lora")
>>> e1 = Extraction(p1, (lora,), (PaperRelation(PAPER, RelationType.PROPOSES, "LoRA", "We propose LoRA.", 0.9,
...                                              head_id="p1", tail_id="lora"),))
>>> p2 = Paper(id="p2", title="DoRA", abstract="DoRA outperforms LoRA.")
>>> dora = PaperEntity("DoRA", EntityType.METHOD, ("DoRA",), (), id="dora")
>>> e2 = Extraction(p2, (dora, lora), (PaperRelation("DoRA", RelationType.IMPROVES_ON, "LoRA",
...                                    "DoRA outperforms LoRA.", 0.9, head_id="dora", tail_id="lora"),))
>>> g = build_graph([e1, e2])
>>> [(link.source, link.type.value, link.target) for link in g.paper_links]
[('p2', 'improves-on', 'p1')]
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kg.types import (
    PAPER,
    Entity,
    EntityType,
    Extraction,
    Graph,
    Paper,
    PaperLink,
    Relation,
    RelationType,
    Result,
    Sighting,
)

__all__ = ["build_graph", "DERIVED_PAPER_RELATIONS", "MAX_PROPOSERS"]

#: Entity relations that, aimed at what another paper proposes, link the two papers.
DERIVED_PAPER_RELATIONS = (RelationType.BUILDS_ON, RelationType.IMPROVES_ON)

def _merge_type(votes: Counter[EntityType]) -> EntityType:
    # Named data that any paper evaluates on is a benchmark everywhere (GUIDELINES.md: "when the
    # same named data is both trained on and evaluated on, choose Benchmark").
    if EntityType.BENCHMARK in votes and EntityType.DATASET in votes:
        votes = Counter(votes)
        votes[EntityType.BENCHMARK] += votes.pop(EntityType.DATASET)
    # Most votes wins; ties go to the type seen first (Counter keeps insertion order).
    best = max(votes.values())
    return next(t for t, n in votes.items() if n == best)


def _merge_name(names: Counter[str]) -> str:
    # The most frequent canonical name; ties to the longer, more specific one (GUIDELINES.md).
    return max(names.items(), key=lambda kv: (kv[1], len(kv[0]), kv[0]))[0]


#: An entity "proposed" by more papers than this derives no paper links: which paper it came from
#: is ambiguous, and linking every paper that improves on it to every proposer grows
#: quadratically (docs/scale.md). Every proposes relation itself is kept.
MAX_PROPOSERS = 5


@dataclass(frozen=True, slots=True)
class _PaperPart:
    """What one paper contributes to the graph, without its mentions' offsets and texts."""

    paper: Paper
    entities: tuple[tuple[str, EntityType, str, tuple[str, ...], int], ...]  # id, type, name, aliases, mentions
    relations: tuple[Relation, ...]
    results: tuple[Result, ...] = ()


def _results(ex: Extraction, entity_ids: set[str]) -> tuple[Result, ...]:
    pid = ex.paper.id
    out = []
    for n, r in enumerate(ex.results):
        if r.subject != PAPER and not r.subject_id:
            raise ValueError(f"result {r.value!r} of {pid!r} is not linked")

        def known(eid: str) -> str | None:
            # A name the paper's entities no longer carry is left out rather than dangling.
            return eid if eid in entity_ids else None

        subject = pid if r.subject == PAPER else (known(r.subject_id) or pid)
        out.append(
            Result(
                id=f"{pid}#result-{n}", paper_id=pid, subject=subject, metric=known(r.metric_id),
                benchmark=known(r.benchmark_id), baseline=known(r.compared_to_id), value=r.value,
                value_num=r.value_num, unit=r.unit, kind=r.kind, evidence=r.evidence,
                confidence=r.confidence, value_low=r.value_low, value_high=r.value_high,
            )
        )
    return tuple(out)


_BENCHMARK_TYPES = frozenset({EntityType.BENCHMARK.value, EntityType.DATASET.value})


def _fit_types(r: Result, merged_type: Mapping[str, str]) -> Result:
    metric = r.metric if r.metric is None or merged_type[r.metric] == EntityType.METRIC.value else None
    benchmark = r.benchmark if r.benchmark is None or merged_type[r.benchmark] in _BENCHMARK_TYPES else None
    if (metric, benchmark) == (r.metric, r.benchmark):
        return r
    return dataclasses.replace(r, metric=metric, benchmark=benchmark)


def _part(ex: Extraction) -> _PaperPart:
    pid = ex.paper.id
    entities = []
    for ent in ex.entities:
        if not ent.id:
            raise ValueError(f"entity {ent.name!r} of paper {pid!r} is not linked (no id)")
        entities.append((ent.id, ent.type, ent.name, ent.aliases, max(1, len(ent.mentions))))
    relations = []
    for rel in ex.relations:
        head = pid if rel.head == PAPER else rel.head_id
        if not head or not rel.tail_id:
            raise ValueError(f"relation {rel.head!r} {rel.type.value} {rel.tail!r} of {pid!r} is not linked")
        relations.append(
            Relation(
                head=head,
                type=rel.type,
                tail=rel.tail_id,
                paper_id=pid,
                evidence=rel.evidence,
                confidence=rel.confidence,
                extractor=rel.extractor,
            )
        )
    results = _results(ex, {e[0] for e in entities}) if ex.results else ()
    return _PaperPart(ex.paper, tuple(entities), tuple(relations), results)


def build_graph(
    extractions: Iterable[Extraction],
    sightings: Mapping[str, Iterable[Sighting]] | None = None,
    meta: Mapping[str, str] | None = None,
) -> Graph:
    """Merge linked extractions (every PaperEntity.id set) into a :class:`Graph`.

    Parameters
    ----------
    extractions
        One linked extraction per paper (duplicates by paper id: the last one wins). Consumed as a
        stream: only what each paper adds to the graph is kept, not its mentions' offsets.
    sightings
        Extra places a paper was seen (duplicates the pipeline dropped), appended to ``Paper.seen``.
    meta
        Build metadata (versions) stored on the graph.

    Returns
    -------
    Graph
        Entities merged by id; one relation per (head, type, tail, paper); mention counts; and
        derived paper links: paper P2 builds-on / improves-on paper P1 when P2 asserts that
        relation towards an entity P1 proposes (and at most :data:`MAX_PROPOSERS` papers propose it).
    """
    by_paper: dict[str, _PaperPart] = {}
    for ex in extractions:
        by_paper[ex.paper.id] = _part(ex)
    sightings = sightings or {}

    papers: list[Paper] = []
    types: dict[str, Counter[EntityType]] = defaultdict(Counter)
    names: dict[str, Counter[str]] = defaultdict(Counter)
    aliases: dict[str, set[str]] = defaultdict(set)
    entity_papers: dict[str, list[str]] = defaultdict(list)
    relations: dict[tuple[str, RelationType, str, str], Relation] = {}
    mentions: Counter[tuple[str, str]] = Counter()
    proposers: dict[str, list[str]] = defaultdict(list)
    results: list[Result] = []

    while by_paper:
        # Oldest first, and each part is dropped as soon as it is merged.
        pid = next(iter(by_paper))
        part = by_paper.pop(pid)
        extra = tuple(sightings.get(pid, ()))
        paper = dataclasses.replace(part.paper, seen=part.paper.seen + extra) if extra else part.paper
        papers.append(paper)
        for eid, etype, name, ent_aliases, n_mentions in part.entities:
            types[eid][etype] += 1
            names[eid][name] += 1
            aliases[eid].update(ent_aliases)
            if (pid, eid) not in mentions:
                entity_papers[eid].append(pid)
            # Two paper entities linked to one id add up their mentions.
            mentions[(pid, eid)] += n_mentions
        results.extend(part.results)
        for rel in part.relations:
            key = (rel.head, rel.type, rel.tail, pid)
            if key not in relations or relations[key].confidence < rel.confidence:
                relations[key] = rel
            if rel.type is RelationType.PROPOSES and pid not in proposers[rel.tail]:
                proposers[rel.tail].append(pid)

    entities = tuple(
        Entity(
            id=eid,
            type=_merge_type(types[eid]),
            name=_merge_name(names[eid]),
            aliases=tuple(sorted(aliases[eid])),
            papers=tuple(entity_papers[eid]),
        )
        for eid in types
    )
    # Merging can change an entity's type (a "Task" in one paper is a "Model" in most others): an
    # assertion made under the old type may no longer fit the ontology's domain and range. Drop it
    # rather than write a graph that fails SHACL; summary.json counts them.
    merged_type = {e.id: e.type.value for e in entities}
    kept = {
        key: rel
        for key, rel in relations.items()
        if rel.type.allows("Paper" if rel.head_is_paper else merged_type[rel.head], merged_type[rel.tail])
    }
    dropped = len(relations) - len(kept)
    relations = kept
    # The same for a result's slots: its metric must still be a Metric, its benchmark a Benchmark or
    # Dataset (the result itself, its value and evidence stay).
    results = [_fit_types(r, merged_type) for r in results]

    links: dict[tuple[str, RelationType, str, str], PaperLink] = {}
    for rel in relations.values():
        if rel.type not in DERIVED_PAPER_RELATIONS:
            continue
        targets = proposers.get(rel.tail, ())
        if len(targets) > MAX_PROPOSERS:
            continue
        for target in targets:
            if target == rel.paper_id:
                continue
            key = (rel.paper_id, rel.type, target, rel.tail)
            if key not in links or links[key].confidence < rel.confidence:
                links[key] = PaperLink(
                    source=rel.paper_id,
                    type=rel.type,
                    target=target,
                    via=rel.tail,
                    evidence=rel.evidence,
                    confidence=rel.confidence,
                )

    return Graph(
        papers=tuple(papers),
        entities=entities,
        relations=tuple(relations.values()),
        mentions=tuple((pid, eid, n) for (pid, eid), n in mentions.items()),
        paper_links=tuple(links.values()),
        meta=dict(meta or {}),
        relations_dropped=dropped,
        ambiguous_proposals=sum(1 for ps in proposers.values() if len(ps) > MAX_PROPOSERS),
        results=tuple(results),
    )
