"""Linking a whole build in batches: :class:`StreamLinker` and the linked stream of a cache's run.

Examples
--------
>>> from kg.link import Linker
>>> from kg.types import EntityType
>>> name = "Procedural Token Mixer"
>>> long = PaperEntity(name, EntityType.METHOD, (name, "ProcTM"), ())
>>> short = PaperEntity("ProcTM", EntityType.METHOD, ("ProcTM",), ())
>>> exs = [Extraction(Paper("p1", "t", "a"), (long,), ()),
...        Extraction(Paper("p2", "t", "a"), (short,), ())]
>>> linker = StreamLinker(Linker(), exs)
>>> [ex.entities[0].id for ex in linker.link(exs[1:])]
['procedural-token-mixer']
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import IO, Any

from kg.cache import ExtractionCache
from kg.types import Extraction, Paper, PaperEntity
from kg.write.jsonl import extraction_to_dict

__all__ = ["StreamLinker", "linked_run"]


class StreamLinker:
    """:class:`kg.link.Linker` over a stream, in batches, with the result of linking everything at once.

    The Linker gives a one-word name the id of the one long form any paper of the build defines
    for it, so it needs every such definition. Pass 1 keeps the distinct multi-word entities with a
    one-word alias (names and aliases only); every batch is then linked behind an "anchor"
    extraction holding them, so each batch sees the build's definitions.
    """

    def __init__(self, linker: Any, pass1: Iterable[Extraction]) -> None:
        self.linker = linker
        defs: dict[tuple[str, tuple[str, ...]], PaperEntity] = {}
        for ex in pass1:
            for ent in ex.entities:
                # A superset of what the Linker's rule 2 reads; it applies its own test.
                if " " in ent.name and any(" " not in a for a in ent.aliases):
                    key = (ent.name, ent.aliases)
                    if key not in defs:
                        defs[key] = PaperEntity(ent.name, ent.type, ent.aliases, ())
        self.definitions = len(defs)
        self._anchor = Extraction(Paper("\x00anchor", "", ""), tuple(defs.values()), ())

    def link(self, batch: Sequence[Extraction]) -> list[Extraction]:
        if not batch:
            return []
        linked: list[Extraction] = self.linker.link([self._anchor, *batch])
        return linked[1:]


def _chunks(items: Iterable[Extraction], n: int) -> Iterator[list[Extraction]]:
    it = iter(items)
    while chunk := list(islice(it, n)):
        yield chunk


def linked_run(cache: ExtractionCache, jsonl: IO[str] | None) -> Iterator[Extraction]:
    """The run's extractions, linked, in input order; each also written to ``jsonl``."""
    from kg.link import Linker

    linker = StreamLinker(Linker(), cache.run_extractions(names_only=True))
    # The anchor is re-linked with every batch: keep batches at least as large as it.
    size = max(2000, linker.definitions)
    for batch in _chunks(cache.run_extractions(), size):
        for ex in linker.link(batch):
            if jsonl is not None:
                jsonl.write(json.dumps(extraction_to_dict(ex), ensure_ascii=False) + "\n")
            yield ex
