"""Cross-paper linking: give every PaperEntity a canonical id, stable across papers and builds.

Ids are keys (:func:`kg.link.keys.entity_key`), never similarity scores:
1. a KB concept any alias names (its id is the key of its preferred label): "ViT" -> vision-transformer;
2. else a one-word entity (acronym or short name) takes the id of the one long form the build defines for it
   ("LoRA" in paper 2 -> the "Low-Rank Adaptation (LoRA)" of paper 1), but only if unambiguous;
3. else the key of the canonical name.
"""

from __future__ import annotations

import dataclasses
import os
from collections import defaultdict
from collections.abc import Iterable

from kg.link.kb import Concept, KnowledgeBase, load_kb
from kg.link.keys import entity_key, is_acronym
from kg.types import PAPER, Extraction, PaperEntity, PaperResult

__all__ = ["Linker", "entity_id"]

#: Letters two spellings of one word share at the least ("adapt-ion", "adapt-ers", "adapt-ation").
_STEM = 5


def entity_id(entity: PaperEntity, kb: KnowledgeBase) -> str:
    """Id of one entity from its own names only (rules 1 and 3).

    Examples
    --------
    >>> from kg.vocab import EntityType
    >>> e = PaperEntity("Vision Transformer", EntityType.MODEL, ("Vision Transformer", "ViT"), ())
    >>> entity_id(e, load_kb())
    'vision-transformer'
    >>> entity_id(PaperEntity("ProcX", EntityType.MODEL, ("ProcX",), ()), load_kb())
    'procx'
    """
    own = entity_key(entity.name)
    # The canonical name decides first: an acronym alias may mean something else in the KB.
    concept = kb.lookup(entity.name)
    if concept is None and not any(entity_key(a) == own for a in entity.aliases if is_acronym(a)):
        for alias in entity.aliases:
            if not is_acronym(alias):
                concept = kb.lookup(alias)
                if concept is not None:
                    break
    if concept is None and is_acronym(entity.name):
        concept = kb.lookup(entity.name)
    if concept is None:
        concept = _spelled_like(entity, kb)
    return concept.id if concept is not None else own


def _spelled_like(entity: PaperEntity, kb: KnowledgeBase) -> Concept | None:
    """The KB concept of an acronym alias whose long form this entity's name spells nearly alike:
    "Low-Rank Adaption (LoRA)", "low-rank adapters (LoRA)" -> LoRA. Only then: an acronym alone may
    mean something else ("SAM" the optimizer and "SAM" Segment Anything)."""
    own = entity_key(entity.name)
    for alias in entity.aliases:
        concept = kb.lookup(alias) if is_acronym(alias) else None
        if concept is None or concept.type is not entity.type:
            continue
        if any(_same_words(own, entity_key(label)) for label in (concept.label, *concept.aliases)):
            return concept
    return None


def _same_words(a: str, b: str) -> bool:
    """Keys of several words, word by word equal or one word's variant ("adaption", "adapters" of
    "adaptation": a common stem of 5 letters or more); "low-resource-adaptation" is not "low-rank-adaptation"."""
    wa, wb = a.split("-"), b.split("-")
    if len(wa) != len(wb) or len(wa) < 2:
        return False
    return all(x == y or len(os.path.commonprefix([x, y])) >= _STEM for x, y in zip(wa, wb, strict=True))


def _is_short(alias: str, name: str) -> bool:
    """A one-word short form of a longer name ("ProcX" of "Procedure Transformer")."""
    return " " not in alias and len(alias) < len(name) and entity_key(alias) != entity_key(name)


def _link_result(r: PaperResult, ids: dict[str, str], paper_id: str) -> PaperResult:
    def one(name: str | None) -> str:
        return "" if name is None else ids.get(name, entity_key(name))

    subject_id = paper_id if r.subject == PAPER else one(r.subject)
    return dataclasses.replace(
        r, subject_id=subject_id, metric_id=one(r.metric), benchmark_id=one(r.benchmark),
        compared_to_id=one(r.compared_to),
    )


class Linker:
    """Set ``PaperEntity.id`` and ``PaperRelation.head_id`` / ``tail_id`` on extractions.

    Examples
    --------
    >>> from kg.types import Paper, Mention
    >>> from kg.vocab import EntityType, RelationType
    >>> from kg.types import PaperRelation
    >>> llama = PaperEntity("Llama 2", EntityType.MODEL, ("Llama 2",), ())
    >>> e1 = Extraction(Paper("p1", "t", "a"), (llama,), ())
    >>> e2 = Extraction(Paper("p2", "t", "a"), (PaperEntity("LLaMA-2", EntityType.MODEL, ("LLaMA-2",), ()),),
    ...                 (PaperRelation("PAPER", RelationType.PROPOSES, "LLaMA-2", "ev", 0.9),))
    >>> a, b = Linker().link([e1, e2])
    >>> a.entities[0].id == b.entities[0].id, b.relations[0].head_id, b.relations[0].tail_id
    (True, 'p2', 'llama-2')
    """

    def __init__(self, kb: KnowledgeBase | None = None) -> None:
        self.kb = kb or load_kb()

    def link(self, extractions: Iterable[Extraction]) -> list[Extraction]:
        """Link every extraction of a build (the whole build is needed for rule 2)."""
        items = list(extractions)
        # Rule 2: acronym -> long-form ids defined anywhere in this build.
        expansions: dict[str, set[str]] = defaultdict(set)
        for ex in items:
            for ent in ex.entities:
                if " " not in ent.name:
                    continue
                eid = entity_id(ent, self.kb)
                for alias in ent.aliases:
                    if _is_short(alias, ent.name):
                        expansions[entity_key(alias)].add(eid)
        out = []
        for ex in items:
            ids: dict[str, str] = {}
            ents = []
            for ent in ex.entities:
                eid = entity_id(ent, self.kb)
                if " " not in ent.name and self.kb.lookup(ent.name) is None:
                    longs = expansions.get(entity_key(ent.name), set())
                    if len(longs) == 1:
                        eid = next(iter(longs))
                ids[ent.name] = eid
                ents.append(dataclasses.replace(ent, id=eid))
            rels = []
            for rel in ex.relations:
                head_id = ex.paper.id if rel.head == PAPER else ids.get(rel.head, entity_key(rel.head))
                tail_id = ids.get(rel.tail, entity_key(rel.tail))
                rels.append(dataclasses.replace(rel, head_id=head_id, tail_id=tail_id))
            results = tuple(_link_result(r, ids, ex.paper.id) for r in ex.results)
            out.append(dataclasses.replace(ex, entities=tuple(ents), relations=tuple(rels), results=results))
        return out
