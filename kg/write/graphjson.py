"""graph.json: the Graph as networkx node-link JSON, and back.

Papers, entities and results (``kind`` "Result": value, unit, kind as ``result_kind``, and the ids
of its paper, subject, metric, benchmark and baseline) are nodes; relations, mentions and paper
links are links.

Every later command (push, export, html, stats) reads a build through :func:`read_graph`, so this
file must hold the whole Graph losslessly; a unit test round-trips it.

Examples
--------
>>> g = Graph(papers=(Paper("p1", "T", "A"),), entities=(Entity("bert", EntityType.MODEL, "BERT", ("BERT",), ("p1",)),),
...           mentions=(("p1", "bert", 2),))
>>> from_node_link(to_node_link(g)) == g
True
>>> to_networkx(g).nodes["bert"]["type"]
'Model'
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import networkx as nx

from kg.errors import InputError, WriterError
from kg.types import Entity, EntityType, Graph, Paper, PaperLink, Relation, RelationType, Result, Sighting

__all__ = [
    "GRAPH_JSON",
    "GraphKeys",
    "to_networkx",
    "to_node_link",
    "from_node_link",
    "write_graph",
    "read_graph",
    "read_keys",
]

GRAPH_JSON = "graph.json"


def _node_rows(graph: Graph) -> Iterator[dict[str, Any]]:
    for p in graph.papers:
        yield {
            "kind": "Paper", "label": p.title, "title": p.title, "abstract": p.abstract, "date": p.date,
            "url": p.url, "arxiv_id": p.arxiv_id, "authors": list(p.authors), "categories": list(p.categories),
            "source": p.source, "seen": [[s.source, s.line, s.date] for s in p.seen], "id": p.id,
        }
    for e in graph.entities:
        yield {
            "kind": "Entity", "label": e.name, "type": e.type.value, "name": e.name,
            "aliases": list(e.aliases), "papers": list(e.papers), "id": e.id,
        }
    for r in graph.results:
        yield {
            "kind": "Result", "label": f"{r.value}{r.unit or ''}", "paper_id": r.paper_id, "subject": r.subject,
            "metric": r.metric, "benchmark": r.benchmark, "baseline": r.baseline, "value": r.value,
            "value_num": r.value_num, "value_low": r.value_low, "value_high": r.value_high, "unit": r.unit,
            "result_kind": r.kind, "evidence": r.evidence, "confidence": r.confidence, "id": r.id,
        }


def _link_rows(graph: Graph) -> Iterator[dict[str, Any]]:
    for r in graph.relations:
        yield {
            "kind": "relation", "type": r.type.value, "paper_id": r.paper_id, "evidence": r.evidence,
            "confidence": r.confidence, "extractor": r.extractor, "source": r.head, "target": r.tail,
            "key": f"{r.type.value}|{r.paper_id}",
        }
    for pid, eid, count in graph.mentions:
        yield {"kind": "mentions", "count": count, "source": pid, "target": eid, "key": "mentions"}
    for link in graph.paper_links:
        yield {
            "kind": "paper_link", "type": link.type.value, "via": link.via, "evidence": link.evidence,
            "confidence": link.confidence, "source": link.source, "target": link.target,
            "key": f"{link.type.value}|{link.via}",
        }


def to_networkx(graph: Graph) -> nx.MultiDiGraph:
    """Papers and entities as nodes (``kind`` = "Paper" or "Entity"); relations, mentions and
    derived paper links as keyed edges (``kind`` = "relation", "mentions", "paper_link")."""
    g = nx.MultiDiGraph(**graph.meta)
    for node in _node_rows(graph):
        g.add_node(node.pop("id"), **node)
    for r in graph.results:
        # A result node points at its paper and at every entity it names.
        for key, target in (("paper", r.paper_id), ("subject", r.subject), ("metric", r.metric),
                            ("benchmark", r.benchmark), ("baseline", r.baseline)):
            if target is not None:
                g.add_edge(r.id, target, key=key, kind="result_" + key)
    for edge in _link_rows(graph):
        g.add_edge(edge.pop("source"), edge.pop("target"), key=edge.pop("key"), **edge)
    return g


def to_node_link(graph: Graph) -> dict[str, Any]:
    """JSON-ready node-link data (networkx's format, ``edges="links"``), in the Graph's order:
    what graph.json holds. ``networkx.node_link_graph(data, edges="links")`` reads it."""
    return {
        "directed": True,
        "multigraph": True,
        "graph": dict(graph.meta),
        "nodes": list(_node_rows(graph)),
        "links": list(_link_rows(graph)),
    }


def from_node_link(data: dict[str, Any]) -> Graph:
    """Inverse of :func:`to_node_link`."""
    return _graph(data.get("graph", {}), data["nodes"], data["links"])


def _graph(
    meta: dict[str, Any], nodes: Iterable[dict[str, Any]], edges: Iterable[dict[str, Any]], text: bool = True
) -> Graph:
    papers, entities, relations, mentions, links, results = [], [], [], [], [], []
    # text=False: no abstracts, sightings or evidence sentences (what `kg stats` never reads).
    keep = (lambda s: s) if text else (lambda s: "")
    # One string object per id: ids recur in every mention, relation and entity's paper list.
    memo: dict[str, str] = {}
    one = memo.setdefault
    for n in nodes:
        if n["kind"] == "Paper":
            papers.append(
                Paper(
                    id=one(n["id"], n["id"]), title=n["title"], abstract=keep(n["abstract"]), date=n["date"],
                    url=n["url"], arxiv_id=n["arxiv_id"], authors=tuple(n["authors"]),
                    categories=tuple(n["categories"]), source=n["source"],
                    seen=tuple(Sighting(s, line, d) for s, line, d in n["seen"]) if text else (),
                )
            )
        elif n["kind"] == "Result":
            results.append(
                Result(
                    id=n["id"], paper_id=one(n["paper_id"], n["paper_id"]), subject=one(n["subject"], n["subject"]),
                    metric=n["metric"], benchmark=n["benchmark"], baseline=n["baseline"], value=n["value"],
                    value_num=n["value_num"], unit=n["unit"], kind=n["result_kind"], evidence=n["evidence"],
                    confidence=n["confidence"], value_low=n["value_low"], value_high=n["value_high"],
                )
            )
        else:
            entities.append(
                Entity(
                    id=one(n["id"], n["id"]), type=EntityType(n["type"]), name=n["name"],
                    aliases=tuple(n["aliases"]), papers=tuple(one(p, p) for p in n["papers"]),
                )
            )
    for e in edges:
        source, target = one(e["source"], e["source"]), one(e["target"], e["target"])
        if e["kind"] == "relation":
            relations.append(
                Relation(
                    head=source, type=RelationType(e["type"]), tail=target, paper_id=one(e["paper_id"], e["paper_id"]),
                    evidence=keep(e["evidence"]), confidence=e["confidence"], extractor=e["extractor"],
                )
            )
        elif e["kind"] == "mentions":
            mentions.append((source, target, e["count"]))
        else:
            links.append(
                PaperLink(
                    source=source, type=RelationType(e["type"]), target=target, via=one(e["via"], e["via"]),
                    evidence=keep(e["evidence"]), confidence=e["confidence"],
                )
            )
    return Graph(
        tuple(papers), tuple(entities), tuple(relations), tuple(mentions), tuple(links),
        {k: str(v) for k, v in meta.items()}, results=tuple(results),
    )


_HEAD = '{"directed": true, "multigraph": true, "graph": '
_NODES = ', "nodes": [\n'
_LINKS = '\n], "links": [\n'
_END = "\n]}"


def write_graph(graph: Graph, out_dir: Path) -> Path:
    """Write ``out_dir/graph.json``, one node or link at a time (no second copy of the graph).

    The file is :func:`to_node_link` as JSON with one node or link per line, so that
    :func:`read_graph` can read it line by line too; it is written beside its target and renamed
    over it, so an interrupted build leaves the old file or none.
    """
    path = Path(out_dir) / GRAPH_JSON
    tmp = path.with_name(f".{GRAPH_JSON}.tmp")
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("w", encoding="utf-8", newline="\n") as f:
            f.write(_HEAD + dumps(dict(graph.meta)) + _NODES)
            _write_rows(f, _node_rows(graph), dumps)
            f.write(_LINKS)
            _write_rows(f, _link_rows(graph), dumps)
            f.write(_END)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise WriterError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return path


def _write_rows(f: IO[str], rows: Iterable[dict[str, Any]], dumps: Callable[[Any], str]) -> None:
    # ensure_ascii=False keeps U+2028 and friends raw, but they are no line breaks for str.split("\n").
    sep = ""
    buf: list[str] = []
    for row in rows:
        buf.append(dumps(row))
        if len(buf) >= 1000:
            f.write(sep + ",\n".join(buf))
            sep, buf = ",\n", []
    if buf:
        f.write(sep + ",\n".join(buf))


def _rows(f: IO[str], last: str) -> Iterator[dict[str, Any]]:
    for line in f:
        if line == last:
            return
        if line == "\n":  # an empty list
            continue
        row = json.loads(line.removesuffix("\n").removesuffix(","))
        if not isinstance(row, dict):
            raise ValueError("a node or link is not an object")
        yield row
    raise ValueError("graph.json ends early")


def _read_lines(f: IO[str], text: bool = True) -> Graph | None:
    """The graph of a file :func:`write_graph` wrote, read a line at a time; None for another layout."""
    first = f.readline()
    if not (first.startswith(_HEAD) and first.endswith(_NODES)):
        return None
    meta = json.loads(first[len(_HEAD) : -len(_NODES)])
    # Nodes stream too: _graph reads them all before the links, which follow them in the file.
    return _graph(meta, _rows(f, "]" + _LINKS[2:]), _rows(f, "]}"), text)


def read_graph(out_dir: Path, text: bool = True) -> Graph:
    """Read the Graph of an existing build directory (its graph.json).

    A graph.json :func:`write_graph` wrote is read a line at a time (memory: the Graph only);
    any other node-link JSON whole. ``text=False`` leaves out abstracts, sightings and evidence
    sentences (for analyses that read only structure and names: less memory, less time).
    """
    path = Path(out_dir) / GRAPH_JSON
    if not path.is_file():
        raise InputError(f"no build in {out_dir}: {path} is missing (run `kg build --out {out_dir}` first)")
    try:
        with path.open(encoding="utf-8", newline="\n") as f:
            graph = _read_lines(f, text)
            if graph is None:
                f.seek(0)
                graph = from_node_link(json.load(f))
            return graph
    except (json.JSONDecodeError, KeyError, ValueError, TypeError) as exc:
        raise InputError(f"{path} is not a kg graph.json ({exc})") from exc


@dataclass(frozen=True, slots=True)
class GraphKeys:
    """The ids in a graph.json, for telling what a later build added: papers, entities (id ->
    type), relation and result keys."""

    papers: frozenset[str]
    entities: dict[str, str]
    relations: frozenset[tuple[str, str, str]]
    results: frozenset[str] = frozenset()


def read_keys(out_dir: Path) -> GraphKeys | None:
    """The :class:`GraphKeys` of the build in ``out_dir`` read a line at a time; None if it has none.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = write_graph(Graph(papers=(Paper("p1", "T", "A"),)), d)
    >>> sorted(read_keys(d).papers)
    ['p1']
    """
    path = Path(out_dir) / GRAPH_JSON
    if not path.is_file():
        return None
    papers: set[str] = set()
    entities: dict[str, str] = {}
    relations: set[tuple[str, str, str]] = set()
    results: set[str] = set()
    try:
        with path.open(encoding="utf-8", newline="\n") as f:
            first = f.readline()
            if not (first.startswith(_HEAD) and first.endswith(_NODES)):
                return None
            for n in _rows(f, "]" + _LINKS[2:]):
                if n["kind"] == "Paper":
                    papers.add(n["id"])
                elif n["kind"] == "Result":
                    results.add(n["id"])
                else:
                    entities[n["id"]] = n["type"]
            for e in _rows(f, "]}"):
                if e["kind"] == "relation":
                    relations.add((e["source"], e["type"], e["target"]))
    except (OSError, ValueError, KeyError):
        return None  # an unreadable old graph: everything counts as new
    return GraphKeys(frozenset(papers), entities, frozenset(relations), frozenset(results))
