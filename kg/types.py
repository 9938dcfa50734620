"""The values passed between stages: load -> extract -> link -> build -> write.

Every value is a frozen dataclass; a stage returns new values and never changes what it got.
Entity and relation types come from the ontology via :mod:`kg.vocab`.

Examples
--------
>>> p = Paper(id="arxiv:1810.04805", title="BERT", abstract="We introduce BERT.")
>>> p.field("title")
'BERT'
>>> Mention("abstract", 13, 17, "BERT", EntityType.MODEL).label.value
'Model'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from kg.vocab import EntityType, RelationType

__all__ = [
    "PAPER",
    "Field",
    "EntityType",
    "RelationType",
    "Sighting",
    "Paper",
    "Rejected",
    "Mention",
    "PaperEntity",
    "PaperRelation",
    "ResultKind",
    "PaperResult",
    "Extraction",
    "Entity",
    "Relation",
    "PaperLink",
    "Result",
    "Graph",
]

#: Head of a paper-level relation ("we propose X", "our method outperforms LoRA").
PAPER = "PAPER"

Field = Literal["title", "abstract"]


@dataclass(frozen=True, slots=True)
class Sighting:
    """Where a loader saw a paper: file, 1-based line (or record number) and page date if any."""

    source: str
    line: int
    date: str | None = None


@dataclass(frozen=True, slots=True)
class Paper:
    """One paper: title and abstract plus whatever metadata the source had."""

    id: str
    title: str
    abstract: str
    date: str | None = None
    url: str | None = None
    arxiv_id: str | None = None
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    source: str = ""
    seen: tuple[Sighting, ...] = ()

    def field(self, name: Field) -> str:
        return self.title if name == "title" else self.abstract


@dataclass(frozen=True, slots=True)
class Rejected:
    """A record a loader could not use, with enough to find and fix it."""

    source: str
    line: int
    reason: str
    record: str = ""


@dataclass(frozen=True, slots=True)
class Mention:
    """A span of the title or abstract naming an entity; offsets index that field."""

    field: Field
    start: int
    end: int
    text: str
    label: EntityType
    origin: str = "rule"  # which component found it: kb, rule, abbrev, ner, ...
    score: float = 1.0


@dataclass(frozen=True, slots=True)
class PaperEntity:
    """An entity as one paper names it. ``id`` is empty until the linker sets it."""

    name: str
    type: EntityType
    aliases: tuple[str, ...]
    mentions: tuple[Mention, ...]
    id: str = ""


@dataclass(frozen=True, slots=True)
class PaperRelation:
    """A relation stated by one paper between two of its entities (by name) or PAPER."""

    head: str
    type: RelationType
    tail: str
    evidence: str
    confidence: float
    extractor: str = "rules"
    head_id: str = ""
    tail_id: str = ""


#: score: an absolute value; gain: a difference over a baseline; ratio: a factor (GUIDELINES.md "Results").
ResultKind = Literal["score", "gain", "ratio"]


@dataclass(frozen=True, slots=True)
class PaperResult:
    """A number one paper reports (GUIDELINES.md "Results"): who scored what, on what, against whom.

    ``subject``, ``metric``, ``benchmark`` and ``compared_to`` are entity names of the same
    extraction (``subject`` may be PAPER); the ``*_id`` fields are empty until the linker sets them.
    ``value`` is the number as written ("85.3", "2-3"); ``value_num`` its parsed value (the middle
    of a range), ``value_low`` / ``value_high`` the ends of a range (else both ``value_num``).
    ``unit`` is "%", "points", "x" or None. ``start`` / ``end`` index the value in ``field``.
    """

    subject: str
    metric: str | None
    benchmark: str | None
    value: str
    value_num: float
    unit: str | None
    kind: ResultKind
    compared_to: str | None
    evidence: str
    confidence: float
    value_low: float | None = None
    value_high: float | None = None
    field: Field = "abstract"
    start: int = 0
    end: int = 0
    subject_id: str = ""
    metric_id: str = ""
    benchmark_id: str = ""
    compared_to_id: str = ""


@dataclass(frozen=True, slots=True)
class Extraction:
    """What the extractor found in one paper (linked once every id is set)."""

    paper: Paper
    entities: tuple[PaperEntity, ...]
    relations: tuple[PaperRelation, ...]
    extractor: str = ""
    results: tuple[PaperResult, ...] = ()


@dataclass(frozen=True, slots=True)
class Entity:
    """A canonical entity of the graph, merged over every paper that names it."""

    id: str
    type: EntityType
    name: str
    aliases: tuple[str, ...] = ()
    papers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Relation:
    """One (head, type, tail) asserted by one paper, with its provenance.

    ``head`` is an entity id, or the paper's own id when the head was PAPER.
    """

    head: str
    type: RelationType
    tail: str
    paper_id: str
    evidence: str
    confidence: float
    extractor: str = "rules"

    @property
    def head_is_paper(self) -> bool:
        return self.head == self.paper_id


@dataclass(frozen=True, slots=True)
class PaperLink:
    """Derived edge: ``source`` paper builds-on / improves-on what ``target`` paper proposes."""

    source: str
    type: RelationType
    target: str
    via: str  # entity id proposed by target
    evidence: str
    confidence: float


@dataclass(frozen=True, slots=True)
class Result:
    """One reported number in the graph: entity ids (or None) for what it is about, and its paper.

    ``subject`` is an entity id, or the paper's own id when the paper's unnamed contribution scored
    it (PAPER). ``id`` is ``<paper id>#result-<n>``, stable while the paper's extraction is.
    """

    id: str
    paper_id: str
    subject: str
    metric: str | None
    benchmark: str | None
    baseline: str | None
    value: str
    value_num: float
    unit: str | None
    kind: ResultKind
    evidence: str
    confidence: float
    value_low: float | None = None
    value_high: float | None = None

    @property
    def subject_is_paper(self) -> bool:
        return self.subject == self.paper_id


@dataclass(frozen=True, slots=True)
class Graph:
    """The built graph: papers, canonical entities, per-paper relations and derived paper links.

    ``mentions`` maps (paper id, entity id) to how many times the paper names the entity.
    ``relations_dropped`` counts assertions left out because the entity types merged across papers no
    longer fit the relation's domain and range. ``ambiguous_proposals`` counts entities proposed by
    too many papers to derive paper links through them (``kg.build.MAX_PROPOSERS``).
    """

    papers: tuple[Paper, ...] = ()
    entities: tuple[Entity, ...] = ()
    relations: tuple[Relation, ...] = ()
    mentions: tuple[tuple[str, str, int], ...] = ()
    paper_links: tuple[PaperLink, ...] = ()
    meta: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    relations_dropped: int = field(default=0, compare=False)
    ambiguous_proposals: int = field(default=0, compare=False)
    results: tuple[Result, ...] = ()

    def entity(self, entity_id: str) -> Entity:
        for e in self.entities:
            if e.id == entity_id:
                return e
        raise KeyError(entity_id)
