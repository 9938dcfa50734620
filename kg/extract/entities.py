"""From one paper's mention candidates to entities: which names are one entity, which spelling
names it, which type it has, and names spread to their other occurrences.

:class:`kg.extract.extractor.Extractor` calls these while it assembles a paper.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter

from spacy.tokens import Doc, Span

from kg.extract.candidate import Candidate
from kg.extract.normalize import Normalised
from kg.extract.ortho import is_name_like
from kg.extract.relations import SentMention
from kg.link.keys import entity_key, is_acronym
from kg.types import Mention, PaperEntity, PaperRelation
from kg.vocab import EntityType, RelationType

__all__ = [
    "CALLED",
    "RENAMED",
    "Group",
    "canonical_name",
    "field_mention",
    "is_weak",
    "needs_confirmation",
    "retype",
    "spread_names",
    "vote_type",
    "without_generic_head",
]

#: "We present Flex": the name the abstract gives what the title's lead name ("Tutel: ...") may rename.
RENAMED = re.compile(r"\b(?:[Ww]e|[Tt]his paper)\s+(?:propose|present|introduce)s?\s+([A-Z][\w-]+)\b")
#: What lies between a description and its name: "a ... network called FR-Net", "... (FR-Net".
CALLED = re.compile(r"\s*(?:[a-z]+\s*)?,?\s*(?:called|named|dubbed|termed|coined)\s+|\s*\(\s*")


class Group:
    """Union-find over mention keys of one paper."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, k: str) -> str:
        self.parent.setdefault(k, k)
        while self.parent[k] != k:
            self.parent[k] = self.parent[self.parent[k]]
            k = self.parent[k]
        return k

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


def field_mention(norm: Normalised, f: str, c: Candidate, typ: EntityType) -> Mention:
    """A mention at its offsets in the original field (the candidate's index the normalised text)."""
    start, end = norm.span(c.start, c.end)
    return Mention(f, start, end, norm.original[start:end], c.type or typ, origin=c.origin, score=c.score)  # type: ignore[arg-type]


_EVAL_WORDS = re.compile(r"\b(?:assess\w*|evaluat\w*|benchmark\w*|test(?:s|ed|ing)?)\b", re.I)


def retype(
    e: PaperEntity, relations: list[PaperRelation], sentences: list[tuple[Span, list[SentMention]]]
) -> PaperEntity:
    """Benchmark vs Dataset from use (GUIDELINES.md): named data the paper evaluates on is a
    Benchmark; data it only trains on is a Dataset."""
    if e.type not in {EntityType.DATASET, EntityType.BENCHMARK}:
        return e
    used = {r.type for r in relations if r.tail == e.name}
    if RelationType.EVALUATED_ON in used:
        return dataclasses.replace(e, type=EntityType.BENCHMARK)
    if RelationType.TRAINED_ON in used:
        return dataclasses.replace(e, type=EntityType.DATASET)
    if e.type is EntityType.DATASET:
        for sent, ms in sentences:
            if any(m.name == e.name for m in ms) and _EVAL_WORDS.search(sent.text):
                return dataclasses.replace(e, type=EntityType.BENCHMARK)
    return e


def spread_names(fields: tuple[tuple[str, Doc], ...]) -> None:
    """Names introduced once (the title's lead name, "we present Flex") are names everywhere.

    Plain words such as "Flex" or "Tutel" are not name-like by spelling, so their other
    occurrences would be missed; find them as whole words in both fields.
    """
    names = {
        c.text: c
        for _, d in fields
        for c in (d._.kg_mentions or [])
        if c.origin in {"intro", "abbrev"}
        and " " not in c.text
        and len(c.text) > 2
        and not (c.origin == "abbrev" and c.start > 0)
    }
    if not names:
        return
    for _, d in fields:
        have = list(d._.kg_mentions or [])
        added: list[Candidate] = []
        full = d.text
        for text, c in names.items():
            for m in re.finditer(rf"(?<![\w-]){re.escape(text)}(?![\w-])", full):
                if all(m.end() <= h.start or m.start() >= h.end for h in have + added):
                    added.append(dataclasses.replace(c, start=m.start(), end=m.end(), origin="repeat"))
        if added:
            d._.kg_mentions = sorted(have + added, key=lambda x: x.start)


_DATA_HEADS = frozenset(["dataset", "datasets", "benchmark", "benchmarks", "corpus", "suite", "model", "models"])
_METHOD_HEADS = frozenset(
    [
        "method",
        "approach",
        "framework",
        "strategy",
        "mechanism",
        "technique",
        "algorithm",
        "paradigm",
        "scheme",
        "module",
        "procedure",
        "objective",
        "operation",
        "pipeline",
    ]
)
_TASK_HEADS = frozenset(["task", "tasks", "problem"])


def without_generic_head(name: str) -> str | None:
    """The name without a generic head noun, when what remains still names something.

    Examples
    --------
    >>> [without_generic_head(n) for n in ["Waymo dataset", "token rolling operation", "diffusion model",
    ...                                    "retrieval task", "LoRA"]]
    ['Waymo', 'token rolling', None, 'retrieval', None]
    """
    words = name.split()
    if len(words) < 2:
        return None
    head, rest = words[-1].lower(), words[:-1]
    named = any(w[:1].isupper() or is_name_like(w) or any(c.isdigit() for c in w) for w in rest)
    if head in _DATA_HEADS and named:
        return " ".join(rest)
    if head in _METHOD_HEADS and (named or len(rest) >= 2):
        return " ".join(rest)
    if head in _TASK_HEADS and entity_key(" ".join(rest)):
        return " ".join(rest)
    return None


def is_weak(e: PaperEntity) -> bool:
    return all(m.origin in {"phrase", "caps", "ner"} for m in e.mentions)


def needs_confirmation(c: Candidate) -> bool:
    """Title Case phrases and single common words ("Precision") in a title."""
    if c.origin in {"phrase", "caps"}:
        return True
    return c.origin == "kb" and " " not in c.text and not is_name_like(c.text)


def canonical_name(ms: list[tuple[str, Candidate]], long_forms: set[str], lead: set[str]) -> str:
    """Most specific full name: a defined long form, else the title's name, else the most used."""
    texts = [c.text for _, c in ms]
    # The spelling of the definition itself ("Skeleton Sequence Learning (SSL)") beats other
    # spellings of the same key ("skeleton sequence learning framework").
    defined = [c.text for _, c in ms if c.origin == "abbrev" and entity_key(c.text) in long_forms]
    # The abstract's spelling of a long form, not the title's Title Case or plural variant.
    in_abstract = [c.text for f, c in ms if f == "abstract"] + [c.text for f, c in ms if f != "abstract"]
    longs = (
        defined
        or [t for t in in_abstract if entity_key(t) in long_forms]
        or [t for t in texts if entity_key(t) in lead]
    )
    if longs:
        return longs[0]
    full = [t for t in texts if not is_acronym(t)] or texts
    counts = Counter(full)
    return max(counts, key=lambda t: (counts[t], -texts.index(t)))


def vote_type(ms: list[tuple[str, Candidate]]) -> EntityType:
    strong = Counter(c.type for _, c in ms if c.strong and c.type is not None)
    votes = strong or Counter(c.type for _, c in ms if c.type is not None)
    if not votes:
        return EntityType.MODEL
    if EntityType.BENCHMARK in votes and EntityType.DATASET in votes:
        return EntityType.BENCHMARK
    return votes.most_common(1)[0][0]
