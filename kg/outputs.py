"""Which graph outputs a build writes (``--skip``), and running them with their timings and notes.

Examples
--------
>>> [writer_name(w) for w in default_graph_writers(skip=["html"])]
['GraphJson', 'RdfWriter', 'StoreWriter']
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

from kg.errors import InputError
from kg.runstate import stage
from kg.types import Graph
from kg.write.graphjson import write_graph

__all__ = ["OPTIONAL_WRITERS", "GraphWriter", "default_graph_writers", "write_all", "writer_name"]

#: A graph writer: ``(graph, out_dir) -> paths written``.
GraphWriter = Callable[[Graph, Path], Sequence[Path]]

#: Graph writers ``kg build --skip`` can leave out (graph.json is always written: later commands read it).
OPTIONAL_WRITERS = ("rdf", "html")


def default_graph_writers(skip: Sequence[str] = ()) -> list[GraphWriter]:
    """graph.json, graph.ttl, the embedded store, graph.html, in that order, minus ``skip``.

    Raises
    ------
    InputError
        ``skip`` names something else than :data:`OPTIONAL_WRITERS`.

    Examples
    --------
    >>> len(default_graph_writers()), len(default_graph_writers(skip=["rdf"]))
    (4, 2)
    """
    unknown = sorted(set(skip) - set(OPTIONAL_WRITERS))
    if unknown:
        raise InputError(f"--skip {unknown[0]!r}: can skip only {', '.join(OPTIONAL_WRITERS)}")
    writers: list[GraphWriter] = [lambda g, d: [write_graph(g, d)]]
    if "rdf" not in skip:
        from kg.store import StoreWriter
        from kg.write.rdf import RdfWriter

        writers += [RdfWriter().write, StoreWriter().write]
    if "html" not in skip:
        from kg.write.html import HtmlWriter

        writers.append(HtmlWriter().write)
    return writers


def writer_name(write: GraphWriter) -> str:
    owner = getattr(write, "__self__", None)
    if owner is not None:
        return type(owner).__name__
    name = getattr(write, "__name__", "writer")
    return "GraphJson" if name == "<lambda>" else name


def write_all(
    graph: Graph, out_dir: Path, writers: Sequence[GraphWriter], quiet: bool, timings: dict[str, float]
) -> tuple[list[Path], list[str]]:
    outputs: list[Path] = []
    notes = []
    for write in writers:
        t = time.perf_counter()
        with stage(quiet, f"writing {writer_name(write)}"):
            written = write(graph, out_dir)
            outputs.extend(written)
        timings[writer_name(write)] = time.perf_counter() - t
        # A writer that leaves something out says so in a ``note`` attribute (HtmlWriter).
        note = getattr(getattr(write, "__self__", None), "note", "")
        if note and written:
            notes.append(f"{Path(written[0]).name}: {note}")
    return outputs, notes
