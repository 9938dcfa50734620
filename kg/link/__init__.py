"""Cross-paper entity linking with canonical, version-aware keys and a curated SKOS knowledge base.

Examples
--------
>>> entity_key("LLaMA-2") == entity_key("Llama 2")
True
"""

from kg.link.kb import Concept, KnowledgeBase, load_kb
from kg.link.keys import entity_key, is_acronym
from kg.link.linker import Linker, entity_id

__all__ = ["Concept", "KnowledgeBase", "Linker", "entity_id", "entity_key", "is_acronym", "load_kb"]
