"""The rows :class:`kg.write.neo4j.Neo4jWriter` sends, built from a :class:`kg.types.Graph` and
checked for dangling references first (a ``MATCH`` would silently drop them)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from kg.errors import WriterError
from kg.types import Entity, Graph, Paper, RelationType
from kg.write import cypher, neo4j_results

__all__ = ["entity_properties", "graph_rows", "paper_properties"]


def paper_properties(p: Paper) -> dict[str, Any]:
    """A Paper node's properties besides its id, in the column order of neo4j_csv's papers.csv:
    what `kg push` sends and what a neo4j-admin import loads are the same node."""
    return {
        "title": p.title,
        "abstract": p.abstract,
        "date": p.date,
        "url": p.url,
        "arxiv_id": p.arxiv_id,
        "authors": list(p.authors),
        "categories": list(p.categories),
        "source": p.source or None,
    }


def entity_properties(e: Entity) -> dict[str, Any]:
    """An Entity node's properties besides its id (and labels), as :func:`paper_properties`."""
    return {"name": e.name, "type": e.type.value, "aliases": list(e.aliases)}


def graph_rows(graph: Graph) -> dict[str, Any]:
    """The rows each statement sends, grouped: papers, entities by type, relations by (type, head
    kind), mentions, paper links by type. Raises WriterError for a dangling reference, since a MATCH
    would silently drop it.

    Examples
    --------
    >>> from kg.types import Entity, EntityType, Paper
    >>> g = Graph(papers=(Paper("p1", "T", "A"),), entities=(Entity("e1", EntityType.MODEL, "E"),),
    ...           mentions=(("p1", "e1", 2),))
    >>> graph_rows(g)["mentions"]
    [{'paper': 'p1', 'entity': 'e1', 'count': 2}]
    """
    paper_ids = {p.id for p in graph.papers}
    entity_ids = {e.id for e in graph.entities}
    papers = [{"id": p.id, "props": paper_properties(p)} for p in graph.papers]
    entities: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for e in graph.entities:
        entities[e.type].append({"id": e.id, "props": entity_properties(e)})
    relations: dict[tuple[RelationType, str], list[dict[str, Any]]] = defaultdict(list)
    for r in graph.relations:
        if r.paper_id not in paper_ids:
            raise WriterError(f"relation {r.head} {r.type.value} {r.tail} cites unknown paper {r.paper_id!r}")
        head_kind = cypher.PAPER if r.head_is_paper else cypher.ENTITY
        if head_kind == cypher.ENTITY and r.head not in entity_ids:
            raise WriterError(f"relation head {r.head!r} ({r.type.value}, paper {r.paper_id}) is no entity")
        if r.tail not in entity_ids:
            raise WriterError(f"relation tail {r.tail!r} ({r.type.value}, paper {r.paper_id}) is no entity")
        relations[(r.type, head_kind)].append(
            {
                "head": r.head,
                "tail": r.tail,
                "paper_id": r.paper_id,
                "evidence": r.evidence,
                "confidence": float(r.confidence),
                "extractor": r.extractor,
            }
        )
    mentions = []
    for paper, entity, count in graph.mentions:
        if paper not in paper_ids or entity not in entity_ids:
            raise WriterError(f"mention ({paper!r}, {entity!r}) references an unknown paper or entity")
        mentions.append({"paper": paper, "entity": entity, "count": int(count)})
    links: dict[RelationType, list[dict[str, Any]]] = defaultdict(list)
    for link in graph.paper_links:
        if link.source not in paper_ids or link.target not in paper_ids:
            raise WriterError(f"paper link {link.source!r} -> {link.target!r} references an unknown paper")
        if link.type not in cypher.PAPER_LINK_TYPES:
            raise WriterError(f"paper link type {link.type.value!r} is not builds-on or improves-on")
        links[link.type].append(
            {
                "source": link.source,
                "target": link.target,
                "via": link.via,
                "evidence": link.evidence,
                "confidence": float(link.confidence),
            }
        )
    return {
        "papers": papers,
        "entities": dict(entities),
        "relations": dict(relations),
        "mentions": mentions,
        "paper_links": dict(links),
        "results": neo4j_results.result_rows(graph.results, paper_ids, entity_ids),
    }
