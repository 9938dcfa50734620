"""One node of a graph as a card: what ``kg show NAME`` prints and graph.html's side panel shows
(type, aliases, papers, relations grouped by type with evidence and confidence, a benchmark's
leaderboard: its ranked results, when the graph has results on it).

Examples
--------
>>> from kg.analysis.samples import example_graph
>>> c = entity_card(example_graph(), "lora")
>>> c.name, c.type, c.aliases, len(c.papers)
('LoRA', 'Method', ('low-rank adaptation',), 3)
>>> [(g.label, len(g.rows)) for g in c.groups][:3]
[('← proposes', 1), ('improves-on →', 1), ('← improves-on', 1)]
>>> c.groups[1].rows[0].other_name, c.groups[1].rows[0].confidence
('full fine-tuning', 0.9)
"""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from kg.leaderboard import leaderboard
from kg.types import Graph, Paper, RelationType, Result

__all__ = ["paper_url", "leaderboards", "CardPaper", "CardRow", "CardGroup", "Card", "entity_card", "paper_card"]


@dataclass(frozen=True, slots=True)
class CardPaper:
    """A paper as a card lists it."""

    id: str
    title: str
    date: str | None
    url: str | None


@dataclass(frozen=True, slots=True)
class CardRow:
    """One relation seen from the card's node: the other end, and the paper that says so."""

    head: str
    type: str
    tail: str
    other: str
    other_name: str
    paper: CardPaper
    evidence: str
    confidence: float


@dataclass(frozen=True, slots=True)
class CardGroup:
    """Relations of one type and direction: ``"improves-on →"`` (it improves on …) or ``"← improves-on"``."""

    label: str
    rows: tuple[CardRow, ...]


@dataclass(frozen=True)
class Card:
    """Everything ``kg show`` prints for one node; ``to_dict()`` is its ``--json`` shape."""

    id: str
    kind: str  # "entity" or "paper"
    name: str
    type: str
    aliases: tuple[str, ...]
    papers: tuple[CardPaper, ...]
    groups: tuple[CardGroup, ...]
    names: tuple[tuple[str, str], ...] = ()  # a paper's entities: (id, name)
    leaderboard: tuple[dict[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


_ARXIV_ID = re.compile(r"^(?:\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?$")


def paper_url(p: Paper) -> str | None:
    """An http(s) link for a paper: its own URL, else its arXiv abstract page; never another scheme.

    Examples
    --------
    >>> paper_url(Paper("arxiv:2106.09685", "t", "a"))
    'https://arxiv.org/abs/2106.09685'
    >>> paper_url(Paper("x", "t", "a", url="javascript:alert(1)")) is None
    True
    """
    if p.url and re.match(r"^https?://", p.url, re.IGNORECASE):
        return p.url
    arxiv = p.arxiv_id or (p.id[len("arxiv:") :] if p.id.startswith("arxiv:") else None)
    if arxiv and _ARXIV_ID.match(arxiv):
        return f"https://arxiv.org/abs/{arxiv}"
    return None


def _paper(graph: Graph, pid: str) -> CardPaper:
    for p in graph.papers:
        if p.id == pid:
            return CardPaper(p.id, p.title, p.date, paper_url(p))
    return CardPaper(pid, pid, None, None)


def _order(label: str) -> tuple[int, int]:
    out = label.endswith("→")
    value = label.removesuffix(" →").removeprefix("← ")
    return [t.value for t in RelationType].index(value), 0 if out else 1


def entity_card(graph: Graph, entity_id: str) -> Card:
    """The card of entity ``entity_id``: its papers in graph order, its relations grouped by type and
    direction (types in ontology order, outgoing first; rows by confidence, highest first).

    Raises
    ------
    KeyError
        No entity has that id (look names up with :func:`kg.analysis.find_entities`).
    """
    e = graph.entity(entity_id)
    names = {x.id: x.name for x in graph.entities}
    titles = {p.id: p.title for p in graph.papers}
    groups: dict[str, list[CardRow]] = {}
    for r in graph.relations:
        if entity_id not in (r.head, r.tail):
            continue
        out = r.head == entity_id
        other = r.tail if out else r.head
        label = f"{r.type.value} →" if out else f"← {r.type.value}"
        row = CardRow(
            r.head,
            r.type.value,
            r.tail,
            other,
            names.get(other) or titles.get(other, other),
            _paper(graph, r.paper_id),
            r.evidence,
            r.confidence,
        )
        groups.setdefault(label, []).append(row)
    return Card(
        id=e.id,
        kind="entity",
        name=e.name,
        type=e.type.value,
        aliases=tuple(a for a in dict.fromkeys(e.aliases) if a != e.name),
        papers=tuple(_paper(graph, pid) for pid in e.papers),
        groups=tuple(
            CardGroup(k, tuple(sorted(v, key=lambda row: -row.confidence)))
            for k, v in sorted(groups.items(), key=lambda kv: _order(kv[0]))
        ),
        leaderboard=_leaderboard(graph, entity_id),
    )


def paper_card(graph: Graph, paper_id: str) -> Card:
    """The card of a paper: the entities it names and the relations it asserts, grouped by type.

    Examples
    --------
    >>> from kg.analysis.samples import example_graph
    >>> c = paper_card(example_graph(), "arxiv:2402.09353")
    >>> c.papers[0].url, [n for _, n in c.names][:2]
    ('https://arxiv.org/abs/2402.09353', ['LoRA', 'DoRA'])
    """
    p = _paper(graph, paper_id)
    if p.title == paper_id and paper_id not in {x.id for x in graph.papers}:
        raise KeyError(paper_id)
    names = {x.id: x.name for x in graph.entities}
    label = {**{x.id: x.title for x in graph.papers}, **names}
    groups: dict[str, list[CardRow]] = {}
    for r in graph.relations:
        if r.paper_id == paper_id:
            ends = f"{label.get(r.head, r.head)} → {label.get(r.tail, r.tail)}"
            row = CardRow(r.head, r.type.value, r.tail, r.tail, ends, p, r.evidence, r.confidence)
            groups.setdefault(f"{r.type.value} →", []).append(row)
    return Card(
        id=paper_id,
        kind="paper",
        name=p.title,
        type="Paper",
        aliases=(),
        papers=(p,),
        groups=tuple(CardGroup(k, tuple(v)) for k, v in sorted(groups.items(), key=lambda kv: _order(kv[0]))),
        names=tuple((eid, names.get(eid, eid)) for pid, eid, _ in graph.mentions if pid == paper_id),
    )


def _leaderboard(graph: Graph, entity_id: str) -> tuple[dict[str, Any], ...]:
    return tuple(leaderboards(graph, [entity_id]).get(entity_id, ()))


def leaderboards(graph: Graph, ids: Iterable[str], limit: int = 0) -> dict[str, list[dict[str, Any]]]:
    """The ranked results (:func:`kg.leaderboard.leaderboard`) of each of ``ids`` that results are
    reported on, as short rows: ``#``, ``subject``, ``value`` (with its unit), ``metric``, ``kind``,
    ``baseline``, ``paper`` (id). At most ``limit`` rows each (0: all). Ids without results are absent.

    Examples
    --------
    >>> from kg.analysis.samples import example_graph
    >>> leaderboards(example_graph(), ["glue"])
    {}
    """
    wanted = set(ids)
    groups: dict[str, list[Result]] = defaultdict(list)
    for r in graph.results:
        if r.benchmark is not None and r.benchmark in wanted:
            groups[r.benchmark].append(r)
    if not groups:
        return {}
    # Each benchmark ranked over only its own results and the nodes they name (a 100k build has many).
    by_id = {e.id: e for e in graph.entities}
    titles = {p.id: p for p in graph.papers}
    out: dict[str, list[dict[str, Any]]] = {}
    for bid, results in groups.items():
        named = {x for r in results for x in (r.subject, r.metric, r.baseline, r.benchmark) if x}
        sub = Graph(
            papers=tuple(titles[p] for p in {r.paper_id for r in results} | named if p in titles),
            entities=tuple(by_id[e] for e in named if e in by_id),
            results=tuple(results),
        )
        rows = leaderboard(sub, bid)
        out[bid] = [
            {
                "#": row.rank,
                "subject": row.subject,
                "value": _with_unit(row.value, row.unit),
                "metric": row.metric,
                "kind": row.kind,
                "baseline": row.baseline,
                "paper": row.paper_id,
            }
            for row in (rows[:limit] if limit else rows)
        ]
    return out


def _with_unit(value: str, unit: str | None) -> str:
    return value if unit is None else value + (unit if unit in ("%", "x") else f" {unit}")
