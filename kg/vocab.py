"""Entity and relation types. GENERATED from ontology/kg.ttl by `python -m kg.ontology`; do not edit."""

from __future__ import annotations

from enum import Enum

__all__ = ["ONTOLOGY_VERSION", "NAMESPACE", "PAPER_COLOUR", "RESULT_KINDS", "EntityType", "RelationType"]

ONTOLOGY_VERSION = "0.1.0"
NAMESPACE = "https://w3id.org/mlkg/ontology#"
PAPER_COLOUR = "#9e9e9e"
#: Result kinds (GUIDELINES.md "Results"), as JSON spells them.
RESULT_KINDS = ('score', 'gain', 'ratio')


class EntityType(str, Enum):
    """Entity classes of the ontology; the value is the JSON spelling."""

    MODEL = "Model"
    METHOD = "Method"
    DATASET = "Dataset"
    BENCHMARK = "Benchmark"
    TASK = "Task"
    METRIC = "Metric"

    @property
    def cypher(self) -> str:
        return _ENTITY_CYPHER[self.value]

    @property
    def rdf_name(self) -> str:
        return self.value

    @property
    def id_prefix(self) -> str:
        return _ENTITY_PREFIX[self.value]

    @property
    def colour(self) -> str:
        return _ENTITY_COLOUR[self.value]

    @property
    def parent(self) -> EntityType | None:
        parent = _ENTITY_PARENT[self.value]
        return EntityType(parent) if parent else None


class RelationType(str, Enum):
    """Relation properties of the ontology; the value is the JSON spelling."""

    PROPOSES = "proposes"
    IMPROVES_ON = "improves-on"
    EVALUATED_ON = "evaluated-on"
    BUILDS_ON = "builds-on"
    TRAINED_ON = "trained-on"
    USES = "uses"
    APPLIED_TO = "applied-to"
    EVALUATED_WITH = "evaluated-with"

    @property
    def cypher(self) -> str:
        return self.name

    @property
    def python_name(self) -> str:
        return self.name.lower()

    @property
    def rdf_name(self) -> str:
        return _RELATION_RDF[self.value]

    @property
    def head_types(self) -> frozenset[str]:
        """Allowed head classes (entity type values, and "Paper")."""
        return _RELATION_DOMAIN[self.value]

    @property
    def tail_types(self) -> frozenset[str]:
        """Allowed tail classes (entity type values; "Dataset" admits Benchmark, "Entity" admits all)."""
        return _RELATION_RANGE[self.value]

    def allows(self, head: str, tail: str) -> bool:
        """Whether a ``head`` class -> ``tail`` class assertion fits the domain and range.

        Classes are type values or "Paper"; a subclass fits where its parent does.

        >>> RelationType.EVALUATED_ON.allows("Model", "Benchmark")
        True
        >>> RelationType.APPLIED_TO.allows("Model", "Model")
        False
        """
        return _fits(head, self.head_types) and _fits(tail, self.tail_types)


def _fits(cls: str, allowed: frozenset[str]) -> bool:
    if cls in allowed or (cls != "Paper" and "Entity" in allowed):
        return True
    parent = _ENTITY_PARENT.get(cls)
    return parent is not None and _fits(parent, allowed)


_ENTITY_CYPHER = {"Model": "Model", "Method": "Method", "Dataset": "Dataset", "Benchmark": "Benchmark", "Task": "Task", "Metric": "Metric"}
_ENTITY_PREFIX = {"Model": "model", "Method": "method", "Dataset": "dataset", "Benchmark": "benchmark", "Task": "task", "Metric": "metric"}
_ENTITY_COLOUR = {"Model": "#1f77b4", "Method": "#ff7f0e", "Dataset": "#2ca02c", "Benchmark": "#d62728", "Task": "#9467bd", "Metric": "#8c564b"}
_ENTITY_PARENT: dict[str, str | None] = {"Model": None, "Method": None, "Dataset": None, "Benchmark": "Dataset", "Task": None, "Metric": None}
_RELATION_RDF = {"proposes": "proposes", "improves-on": "improvesOn", "evaluated-on": "evaluatedOn", "builds-on": "buildsOn", "trained-on": "trainedOn", "uses": "uses", "applied-to": "appliedTo", "evaluated-with": "evaluatedWith"}
_RELATION_DOMAIN = {
    "proposes": frozenset(['Paper']),
    "improves-on": frozenset(['Method', 'Model', 'Paper']),
    "evaluated-on": frozenset(['Method', 'Model', 'Paper']),
    "builds-on": frozenset(['Method', 'Model', 'Paper']),
    "trained-on": frozenset(['Method', 'Model', 'Paper']),
    "uses": frozenset(['Method', 'Model', 'Paper']),
    "applied-to": frozenset(['Method', 'Model', 'Paper']),
    "evaluated-with": frozenset(['Method', 'Model', 'Paper']),
}
_RELATION_RANGE = {
    "proposes": frozenset(['Entity']),
    "improves-on": frozenset(['Method', 'Model']),
    "evaluated-on": frozenset(['Dataset']),
    "builds-on": frozenset(['Method', 'Model']),
    "trained-on": frozenset(['Dataset']),
    "uses": frozenset(['Method', 'Model']),
    "applied-to": frozenset(['Task']),
    "evaluated-with": frozenset(['Metric']),
}
