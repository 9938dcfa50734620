"""How the build's SQLite file stores papers and extractions: compact JSON rows, and back.

Examples
--------
>>> p = Paper("p", "T", "A")
>>> paper_from_row(paper_to_row(p)) == p
True
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

from kg.types import Extraction, Mention, Paper, PaperEntity, PaperRelation, PaperResult, Sighting
from kg.vocab import EntityType, RelationType

__all__ = [
    "content_hash",
    "extraction_to_row",
    "extraction_from_row",
    "names_from_row",
    "paper_to_row",
    "paper_from_row",
]


def content_hash(paper: Paper) -> str:
    """Hash of what the extractor reads (title and abstract); metadata changes do not re-extract.

    Examples
    --------
    >>> content_hash(Paper("a", "T", "A")) == content_hash(Paper("b", "T", "A", date="2024"))
    True
    >>> content_hash(Paper("a", "T", "A")) == content_hash(Paper("a", "T", "A."))
    False
    """
    h = hashlib.sha256()
    h.update(paper.title.encode("utf-8", "surrogatepass"))
    h.update(b"\x00")
    h.update(paper.abstract.encode("utf-8", "surrogatepass"))
    return h.hexdigest()[:32]


def paper_to_row(p: Paper) -> str:
    """A paper as compact JSON (every field, so a paper read back equals the one stored).

    Examples
    --------
    >>> p = Paper("p", "T", "A", authors=("X",), seen=(Sighting("f", 3, "2024-01-01"),))
    >>> paper_from_row(paper_to_row(p)) == p
    True
    """
    return json.dumps(
        [
            p.id,
            p.title,
            p.abstract,
            p.date,
            p.url,
            p.arxiv_id,
            list(p.authors),
            list(p.categories),
            p.source,
            [[s.source, s.line, s.date] for s in p.seen],
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )


def paper_from_row(data: str) -> Paper:
    """Inverse of :func:`paper_to_row`.

    Examples
    --------
    >>> paper_from_row(paper_to_row(Paper("p", "T", "A"))).title
    'T'
    """
    pid, title, abstract, date, url, arxiv_id, authors, categories, source, seen = json.loads(data)
    return Paper(
        pid,
        title,
        abstract,
        date,
        url,
        arxiv_id,
        tuple(authors),
        tuple(categories),
        source,
        tuple(Sighting(s, n, d) for s, n, d in seen),
    )


def extraction_to_row(ex: Extraction) -> str:
    """Entities and relations of an extraction as compact JSON (the paper is stored apart).

    Examples
    --------
    >>> from kg.types import PAPER
    >>> p = Paper("p", "X", "We propose X.")
    >>> m = Mention("title", 0, 1, "X", EntityType.MODEL, origin="caps", score=0.5)
    >>> ex = Extraction(p, (PaperEntity("X", EntityType.MODEL, ("X",), (m,)),),
    ...                 (PaperRelation(PAPER, RelationType.PROPOSES, "X", "We propose X.", 0.9),), "v1")
    >>> extraction_from_row(p, extraction_to_row(ex)) == ex
    True
    """
    return json.dumps(
        {
            "x": ex.extractor,
            "e": [
                [
                    e.name,
                    e.type.value,
                    list(e.aliases),
                    e.id,
                    [[m.field, m.start, m.end, m.text, m.label.value, m.origin, m.score] for m in e.mentions],
                ]
                for e in ex.entities
            ],
            "r": [
                [r.head, r.type.value, r.tail, r.evidence, r.confidence, r.extractor, r.head_id, r.tail_id]
                for r in ex.relations
            ],
            **({"res": [_result_row(r) for r in ex.results]} if ex.results else {}),
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def extraction_from_row(paper: Paper, data: str) -> Extraction:
    """Inverse of :func:`extraction_to_row` for ``paper``.

    Examples
    --------
    >>> p = Paper("p", "T", "A")
    >>> extraction_from_row(p, extraction_to_row(Extraction(p, (), (), "v"))).extractor
    'v'
    """
    d = json.loads(data)
    etypes, rtypes = _ENTITY_TYPES, _RELATION_TYPES  # dict lookups: 3x faster than EntityType(value)
    entities = tuple(
        PaperEntity(
            name,
            etypes[etype],
            tuple(aliases),
            tuple(Mention(f, s, e, t, etypes[label], origin, score) for f, s, e, t, label, origin, score in ms),
            eid,
        )
        for name, etype, aliases, eid, ms in d["e"]
    )
    relations = tuple(
        PaperRelation(head, rtypes[rtype], tail, evidence, conf, extractor, head_id, tail_id)
        for head, rtype, tail, evidence, conf, extractor, head_id, tail_id in d["r"]
    )
    results = tuple(PaperResult(*row) for row in d.get("res", ()))
    return Extraction(paper, entities, relations, d["x"], results)


def _result_row(r: PaperResult) -> list[Any]:
    # Positional, in field order: PaperResult(*row) reads it back.
    return [getattr(r, name) for name in _RESULT_FIELDS]


def names_from_row(paper_id: str, data: str) -> Extraction:
    # Only what the linker's first pass reads: entity names, types and aliases.
    etypes = _ENTITY_TYPES
    rows = json.loads(data)["e"]
    entities = tuple(PaperEntity(name, etypes[etype], tuple(aliases), (), eid) for name, etype, aliases, eid, _ in rows)
    return Extraction(Paper(paper_id, "", ""), entities, ())


_RESULT_FIELDS = tuple(f.name for f in dataclasses.fields(PaperResult))
_ENTITY_TYPES = {t.value: t for t in EntityType}
_RELATION_TYPES = {t.value: t for t in RelationType}
