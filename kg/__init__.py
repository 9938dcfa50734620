"""kg: a knowledge graph of ML research built from paper titles and abstracts."""

from kg.types import (
    PAPER,
    Entity,
    EntityType,
    Extraction,
    Graph,
    Mention,
    Paper,
    PaperEntity,
    PaperLink,
    PaperRelation,
    Rejected,
    Relation,
    RelationType,
)

__version__ = "0.1.0"

__all__ = [
    "PAPER",
    "Entity",
    "EntityType",
    "Extraction",
    "Graph",
    "Mention",
    "Paper",
    "PaperEntity",
    "PaperLink",
    "PaperRelation",
    "Rejected",
    "Relation",
    "RelationType",
    "__version__",
]
