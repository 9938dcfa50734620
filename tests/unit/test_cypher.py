"""kg.write.cypher: only ontology labels and relationship types reach the query text."""

import re

import pytest

from kg.vocab import EntityType, RelationType
from kg.write import cypher

ALLOWED = {t.cypher for t in EntityType} | {t.cypher for t in RelationType} | {"Paper", "Entity", "MENTIONS"}


def _names(query: str) -> set[str]:
    return {n for m in re.findall(r"[(\[]\w*:([A-Za-z_:]+)", query) for n in m.split(":") if n}


@pytest.mark.parametrize("type_", list(EntityType))
def test_merge_entities_labels_are_the_type_its_ancestors_and_no_other(type_):
    q = cypher.merge_entities(type_)
    assert _names(q) == {"Entity"}
    set_labels = re.search(r"SET n:([A-Za-z:]+),", q).group(1).split(":")
    removed = re.search(r"REMOVE n:([A-Za-z:]+) ", q).group(1).split(":")
    assert set_labels == list(cypher.entity_labels(type_)) and set_labels[0] == type_.cypher
    assert set(set_labels) | set(removed) == {t.cypher for t in EntityType}
    assert not set(set_labels) & set(removed)


@pytest.mark.parametrize("rel", list(RelationType))
@pytest.mark.parametrize("head", ["Paper", "Entity"])
def test_relation_statements_use_only_ontology_names(rel, head):
    for q in (
        cypher.merge_relations(rel, head),
        cypher.delete_entity_relations(rel),
        cypher.append_property("relation", "evidence", rel, head),
    ):
        assert _names(q) <= ALLOWED and rel.cypher in q


def test_unknown_names_are_refused():
    with pytest.raises(ValueError):
        RelationType("DROP DATABASE")
    with pytest.raises(ValueError, match="not in the ontology"):
        cypher.merge_relations(RelationType.USES, "Person")
    with pytest.raises(ValueError, match="cannot be appended"):
        cypher.append_property("entity", "name} DETACH DELETE n //")
    with pytest.raises(ValueError, match="not a derived paper link"):
        cypher.merge_paper_links(RelationType.USES)


def test_every_write_statement_takes_values_as_parameters():
    qs = [
        cypher.merge_papers(),
        cypher.merge_mentions(),
        cypher.merge_paper_links(RelationType.BUILDS_ON),
        cypher.delete_paper_outgoing(),
        cypher.delete_paper_incoming_links(),
    ]
    qs += [cypher.merge_entities(t) for t in EntityType] + [
        cypher.merge_relations(r, "Entity") for r in RelationType
    ]
    for q in qs:
        assert "$rows" in q or "$ids" in q
        assert "'" not in q and '"' not in q  # no literal values at all


def test_neo4j5_schema_statements():
    assert cypher.constraints() == [
        "CREATE CONSTRAINT kg_paper_id IF NOT EXISTS FOR (n:Paper) REQUIRE n.id IS UNIQUE",
        "CREATE CONSTRAINT kg_entity_id IF NOT EXISTS FOR (n:Entity) REQUIRE n.id IS UNIQUE",
    ]
    assert len(cypher.relationship_indexes()) == len(RelationType)
    assert all("IF NOT EXISTS" in q for q in cypher.relationship_indexes())
    assert not any("IF NOT EXISTS" in q for q in cypher.falkordb_indexes())
