"""The Cypher that :class:`kg.write.neo4j.Neo4jWriter` sends, one function per statement.

Values always travel as parameters (``$rows``, ``$ids``, ``$part``); the only words spliced into the
text are labels, relationship types and property keys, and each of those is checked against the
ontology (:mod:`kg.vocab`) or this module's fixed schema names first, so no input text can reach it.

Graph model::

    (:Paper {id, title, abstract, date, url, arxiv_id, authors, categories, source})
    (:Entity:<Type>[:<Parent>] {id, name, type, aliases})     # Benchmark entities are also :Dataset
    (:Paper)-[:MENTIONS {count}]->(:Entity)
    (:Paper)-[:PROPOSES|<REL> {paper_id, evidence, confidence, extractor}]->(:Entity)   # head PAPER
    (:Entity)-[:<REL> {paper_id, evidence, confidence, extractor}]->(:Entity)            # one per paper
    (:Paper)-[:BUILDS_ON|IMPROVES_ON {via, evidence, confidence, derived: true}]->(:Paper)

Examples
--------
>>> print(merge_entities(EntityType.BENCHMARK))  # doctest: +NORMALIZE_WHITESPACE
UNWIND $rows AS row MERGE (n:Entity {id: row.id})
REMOVE n:Model:Method:Task:Metric SET n:Benchmark:Dataset, n += row.props
>>> relation_type(RelationType.IMPROVES_ON)
'IMPROVES_ON'
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

from kg.vocab import EntityType, RelationType

__all__ = [
    "PAPER",
    "ENTITY",
    "MENTIONS",
    "NodeKind",
    "Dialect",
    "DIALECTS",
    "APPENDABLE",
    "relation_type",
    "entity_labels",
    "constraints",
    "relationship_indexes",
    "falkordb_indexes",
    "list_indexes",
    "merge_papers",
    "merge_entities",
    "merge_mentions",
    "merge_relations",
    "merge_paper_links",
    "append_property",
    "delete_paper_outgoing",
    "delete_entity_relations",
    "delete_paper_incoming_links",
    "clear_graph",
    "count_nodes",
    "count_relationships",
]

#: Structural labels / relationship type of the graph model; everything else comes from kg.vocab.
PAPER = "Paper"
ENTITY = "Entity"
MENTIONS = "MENTIONS"

NodeKind = Literal["Paper", "Entity"]
Dialect = Literal["neo4j", "falkordb"]
DIALECTS: tuple[str, ...] = ("neo4j", "falkordb")

#: Properties that may be sent in pieces and concatenated server-side (FalkorDB's ~4 KB parameter cap).
APPENDABLE: dict[str, frozenset[str]] = {
    "paper": frozenset({"title", "abstract", "url", "source", "authors", "categories"}),
    "entity": frozenset({"name", "aliases"}),
    "relation": frozenset({"evidence"}),
    "paper_link": frozenset({"evidence"}),
}

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_LABELS = frozenset({PAPER, ENTITY} | {t.cypher for t in EntityType})
_REL_TYPES = frozenset({MENTIONS} | {t.cypher for t in RelationType})
#: Relations a derived Paper -> Paper edge can carry (kg.build derives only these two).
PAPER_LINK_TYPES = frozenset({RelationType.BUILDS_ON, RelationType.IMPROVES_ON})


def _label(name: str) -> str:
    # The guard that makes splicing safe: only whitelisted identifiers ever reach the query text.
    if name not in _LABELS:
        raise ValueError(f"label {name!r} is not in the ontology")
    return name


def _rel(name: str) -> str:
    if name not in _REL_TYPES:
        raise ValueError(f"relationship type {name!r} is not in the ontology")
    return name


def _key(kind: str, key: str) -> str:
    if key not in APPENDABLE.get(kind, ()) or not _IDENT.match(key):
        raise ValueError(f"property {key!r} of {kind!r} cannot be appended")
    return key


def relation_type(rel: RelationType) -> str:
    """The Cypher relationship type of an ontology relation.

    Examples
    --------
    >>> relation_type(RelationType.EVALUATED_WITH)
    'EVALUATED_WITH'
    """
    return _rel(RelationType(rel).cypher)


def entity_labels(type_: EntityType) -> tuple[str, ...]:
    """The type label of an entity followed by its ontology ancestors (Benchmark -> Dataset).

    Examples
    --------
    >>> entity_labels(EntityType.BENCHMARK)
    ('Benchmark', 'Dataset')
    >>> entity_labels(EntityType.MODEL)
    ('Model',)
    """
    out: list[str] = []
    t: EntityType | None = EntityType(type_)
    while t is not None:
        out.append(_label(t.cypher))
        t = t.parent
    return tuple(out)


def constraints() -> list[str]:
    """Neo4j 5 uniqueness constraints on ``Paper.id`` and ``Entity.id`` (they also back MERGE lookups).

    Examples
    --------
    >>> constraints()[0]
    'CREATE CONSTRAINT kg_paper_id IF NOT EXISTS FOR (n:Paper) REQUIRE n.id IS UNIQUE'
    """
    return [
        f"CREATE CONSTRAINT kg_{lbl.lower()}_id IF NOT EXISTS FOR (n:{_label(lbl)}) REQUIRE n.id IS UNIQUE"
        for lbl in (PAPER, ENTITY)
    ]


def relationship_indexes() -> list[str]:
    """Neo4j 5 range indexes on ``paper_id`` of every relation type, so replacing a paper's
    assertions finds them without scanning every relationship.

    Examples
    --------
    >>> relationship_indexes()[1]
    'CREATE INDEX kg_improves_on_paper_id IF NOT EXISTS FOR ()-[r:IMPROVES_ON]-() ON (r.paper_id)'
    """
    return [
        f"CREATE INDEX kg_{t.cypher.lower()}_paper_id IF NOT EXISTS FOR ()-[r:{relation_type(t)}]-() "
        "ON (r.paper_id)"
        for t in RelationType
    ]


def falkordb_indexes(existing: Iterable[tuple[str, str]] = ()) -> list[str]:
    """FalkorDB has no constraints and no ``IF NOT EXISTS``: plain indexes, only the missing ones.

    ``existing`` holds (label or relationship type, property) pairs from :func:`list_indexes`.

    Examples
    --------
    >>> falkordb_indexes([("Paper", "id")])[0]
    'CREATE INDEX FOR (n:Entity) ON (n.id)'
    >>> len(falkordb_indexes())
    10
    """
    have = set(existing)
    out = [
        f"CREATE INDEX FOR (n:{_label(lbl)}) ON (n.id)" for lbl in (PAPER, ENTITY) if (lbl, "id") not in have
    ]
    out += [
        f"CREATE INDEX FOR ()-[r:{relation_type(t)}]-() ON (r.paper_id)"
        for t in RelationType
        if (t.cypher, "paper_id") not in have
    ]
    return out


def list_indexes() -> str:
    """FalkorDB's index listing (label, properties).

    Examples
    --------
    >>> list_indexes()
    'CALL db.indexes() YIELD label, properties RETURN label, properties'
    """
    return "CALL db.indexes() YIELD label, properties RETURN label, properties"


def merge_papers() -> str:
    """Upsert papers: rows ``{id, props}``; null props remove stale values.

    Examples
    --------
    >>> merge_papers()
    'UNWIND $rows AS row MERGE (n:Paper {id: row.id}) SET n += row.props'
    """
    return f"UNWIND $rows AS row MERGE (n:{PAPER} {{id: row.id}}) SET n += row.props"


def merge_entities(type_: EntityType) -> str:
    """Upsert entities of one type: rows ``{id, props}``. Type labels of an earlier build are removed,
    so an entity re-typed by a new extractor carries only its current labels.

    Examples
    --------
    >>> merge_entities(EntityType.MODEL).split(" SET ")[1]
    'n:Model, n += row.props'
    """
    labels = entity_labels(type_)
    stale = [t.cypher for t in EntityType if t.cypher not in labels]
    return (
        f"UNWIND $rows AS row MERGE (n:{ENTITY} {{id: row.id}})\n"
        f"REMOVE n:{':'.join(stale)} SET n:{':'.join(labels)}, n += row.props"
    )


def merge_mentions() -> str:
    """``(:Paper)-[:MENTIONS {count}]->(:Entity)``: rows ``{paper, entity, count}``.

    Examples
    --------
    >>> "MERGE (p)-[m:MENTIONS]->(e)" in merge_mentions()
    True
    """
    return (
        f"UNWIND $rows AS row MATCH (p:{PAPER} {{id: row.paper}}) MATCH (e:{ENTITY} {{id: row.entity}})\n"
        f"MERGE (p)-[m:{MENTIONS}]->(e) SET m.count = row.count"
    )


def merge_relations(rel: RelationType, head: NodeKind) -> str:
    """One relationship per (head, type, tail, paper): rows ``{head, tail, paper_id, evidence,
    confidence, extractor}``. ``head`` is "Paper" for paper-level relations (head PAPER).

    Examples
    --------
    >>> print(merge_relations(RelationType.USES, "Entity"))  # doctest: +NORMALIZE_WHITESPACE
    UNWIND $rows AS row MATCH (h:Entity {id: row.head}) MATCH (t:Entity {id: row.tail})
    MERGE (h)-[r:USES {paper_id: row.paper_id}]->(t)
    SET r.evidence = row.evidence, r.confidence = row.confidence, r.extractor = row.extractor
    """
    return (
        f"UNWIND $rows AS row MATCH (h:{_label(head)} {{id: row.head}}) MATCH (t:{ENTITY} {{id: row.tail}})\n"
        f"MERGE (h)-[r:{relation_type(rel)} {{paper_id: row.paper_id}}]->(t)\n"
        "SET r.evidence = row.evidence, r.confidence = row.confidence, r.extractor = row.extractor"
    )


def merge_paper_links(rel: RelationType) -> str:
    """Derived ``(:Paper)-[:BUILDS_ON|IMPROVES_ON]->(:Paper)``: rows ``{source, target, via, evidence,
    confidence}``, one edge per (source, type, target, via entity).

    Examples
    --------
    >>> "MERGE (s)-[r:BUILDS_ON {via: row.via}]->(t)" in merge_paper_links(RelationType.BUILDS_ON)
    True
    """
    if RelationType(rel) not in PAPER_LINK_TYPES:
        raise ValueError(f"{rel!r} is not a derived paper link type")
    return (
        f"UNWIND $rows AS row MATCH (s:{PAPER} {{id: row.source}}) MATCH (t:{PAPER} {{id: row.target}})\n"
        f"MERGE (s)-[r:{relation_type(rel)} {{via: row.via}}]->(t)\n"
        "SET r.evidence = row.evidence, r.confidence = row.confidence, r.derived = true"
    )


def append_property(kind: str, key: str, rel: RelationType | None = None, head: NodeKind = "Entity") -> str:
    """Concatenate ``$part`` onto one property of one record (string or list): how a value larger
    than the server's parameter cap is sent losslessly, piece by piece.

    ``kind`` is "paper", "entity", "relation" or "paper_link"; the record is identified by the same
    parameters as its row (``$id``; ``$head, $tail, $paper_id``; ``$source, $target, $via``).

    Examples
    --------
    >>> append_property("paper", "abstract")
    'MATCH (n:Paper {id: $id}) SET n.abstract = n.abstract + $part'
    >>> append_property("paper", "id")
    Traceback (most recent call last):
    ...
    ValueError: property 'id' of 'paper' cannot be appended
    """
    k = _key(kind, key)
    if kind == "paper":
        return f"MATCH (n:{PAPER} {{id: $id}}) SET n.{k} = n.{k} + $part"
    if kind == "entity":
        return f"MATCH (n:{ENTITY} {{id: $id}}) SET n.{k} = n.{k} + $part"
    if rel is None:
        raise ValueError(f"{kind} needs a relation type")
    if kind == "relation":
        return (
            f"MATCH (h:{_label(head)} {{id: $head}})-[r:{relation_type(rel)} {{paper_id: $paper_id}}]->"
            f"(t:{ENTITY} {{id: $tail}}) SET r.{k} = r.{k} + $part"
        )
    return (
        f"MATCH (s:{PAPER} {{id: $source}})-[r:{relation_type(rel)} {{via: $via}}]->"
        f"(t:{PAPER} {{id: $target}}) "
        f"SET r.{k} = r.{k} + $part"
    )


def delete_paper_outgoing() -> str:
    """Every relationship that starts at one of the papers ``$ids``: MENTIONS, PROPOSES, paper-level
    relations and derived links. First step of replacing a re-extracted paper's assertions.

    Examples
    --------
    >>> delete_paper_outgoing()
    'UNWIND $ids AS pid MATCH (:Paper {id: pid})-[r]->() DELETE r'
    """
    return f"UNWIND $ids AS pid MATCH (:{PAPER} {{id: pid}})-[r]->() DELETE r"


def delete_entity_relations(rel: RelationType) -> str:
    """Relationships of one type asserted by the papers ``$ids`` (entity -> entity ones included,
    which do not touch the paper's node). The ``{paper_id: pid}`` lookup uses the relationship
    index on ``paper_id`` (measured on FalkorDB: 2 ms for 100 papers, against 220 ms for
    ``WHERE r.paper_id IN $ids``).

    Examples
    --------
    >>> delete_entity_relations(RelationType.TRAINED_ON)
    'UNWIND $ids AS pid MATCH ()-[r:TRAINED_ON {paper_id: pid}]->() DELETE r'
    """
    return f"UNWIND $ids AS pid MATCH ()-[r:{relation_type(rel)} {{paper_id: pid}}]->() DELETE r"


def delete_paper_incoming_links() -> str:
    """Derived links into the papers ``$ids`` (they depend on what those papers propose).

    Examples
    --------
    >>> delete_paper_incoming_links()
    'UNWIND $ids AS pid MATCH (:Paper)-[r]->(:Paper {id: pid}) DELETE r'
    """
    return f"UNWIND $ids AS pid MATCH (:{PAPER})-[r]->(:{PAPER} {{id: pid}}) DELETE r"


def _kg_node(var: str) -> str:
    """The test that node ``var`` is one of kg's (a Paper or an Entity): what clearing and counting
    touch, so that other data in the database stays out of both."""
    return f"{var}:{PAPER} OR {var}:{ENTITY}"


def clear_graph(dialect: Dialect = "neo4j", batch: int = 10_000) -> str:
    """Delete every kg node (Paper, Entity) and its relationships; other data in the database stays.

    Neo4j 5 deletes in batches with ``CALL {} IN TRANSACTIONS`` (needs an auto-commit transaction);
    FalkorDB rejects that form and gets the plain statement.

    Examples
    --------
    >>> clear_graph("falkordb")
    'MATCH (n) WHERE n:Paper OR n:Entity DETACH DELETE n'
    >>> clear_graph("neo4j", 500)
    'MATCH (n) WHERE n:Paper OR n:Entity CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF 500 ROWS'
    """
    match = f"MATCH (n) WHERE {_kg_node('n')}"
    if dialect == "falkordb":
        return f"{match} DETACH DELETE n"
    return f"{match} CALL {{ WITH n DETACH DELETE n }} IN TRANSACTIONS OF {int(batch)} ROWS"


def count_nodes() -> str:
    """Counts of kg nodes by kind, for stats and tests.

    Examples
    --------
    >>> count_nodes()
    'MATCH (n) WHERE n:Paper OR n:Entity RETURN n:Paper AS paper, count(n) AS n'
    """
    return f"MATCH (n) WHERE {_kg_node('n')} RETURN n:{PAPER} AS paper, count(n) AS n"


def count_relationships() -> str:
    """Counts of relationships by type between kg nodes.

    Examples
    --------
    >>> count_relationships().startswith("MATCH (a)-[r]->(b)")
    True
    """
    return (
        f"MATCH (a)-[r]->(b) WHERE ({_kg_node('a')}) AND ({_kg_node('b')}) "
        "RETURN type(r) AS type, count(r) AS n"
    )
