"""graph.json: the Graph as networkx node-link JSON, and back.

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
from pathlib import Path
from typing import Any

import networkx as nx

from kg.errors import InputError, WriterError
from kg.types import Entity, EntityType, Graph, Paper, PaperLink, Relation, RelationType, Sighting

__all__ = ["GRAPH_JSON", "to_networkx", "to_node_link", "from_node_link", "write_graph", "read_graph"]

GRAPH_JSON = "graph.json"


def to_networkx(graph: Graph) -> nx.MultiDiGraph:
    """Papers and entities as nodes (``kind`` = "Paper" or "Entity"); relations, mentions and
    derived paper links as keyed edges (``kind`` = "relation", "mentions", "paper_link")."""
    g = nx.MultiDiGraph(**graph.meta)
    for p in graph.papers:
        g.add_node(
            p.id,
            kind="Paper",
            label=p.title,
            title=p.title,
            abstract=p.abstract,
            date=p.date,
            url=p.url,
            arxiv_id=p.arxiv_id,
            authors=list(p.authors),
            categories=list(p.categories),
            source=p.source,
            seen=[[s.source, s.line, s.date] for s in p.seen],
        )
    for e in graph.entities:
        g.add_node(
            e.id, kind="Entity", label=e.name, type=e.type.value, name=e.name,
            aliases=list(e.aliases), papers=list(e.papers),
        )
    for r in graph.relations:
        g.add_edge(
            r.head, r.tail, key=f"{r.type.value}|{r.paper_id}", kind="relation", type=r.type.value,
            paper_id=r.paper_id, evidence=r.evidence, confidence=r.confidence, extractor=r.extractor,
        )
    for pid, eid, count in graph.mentions:
        g.add_edge(pid, eid, key="mentions", kind="mentions", count=count)
    for link in graph.paper_links:
        g.add_edge(
            link.source, link.target, key=f"{link.type.value}|{link.via}", kind="paper_link",
            type=link.type.value, via=link.via, evidence=link.evidence, confidence=link.confidence,
        )
    return g


def to_node_link(graph: Graph) -> dict[str, Any]:
    """JSON-ready node-link data (networkx's format, ``edges="links"``)."""
    return nx.node_link_data(to_networkx(graph), edges="links")


def from_node_link(data: dict[str, Any]) -> Graph:
    """Inverse of :func:`to_node_link`."""
    papers, entities, relations, mentions, links = [], [], [], [], []
    for n in data["nodes"]:
        if n["kind"] == "Paper":
            papers.append(
                Paper(
                    id=n["id"], title=n["title"], abstract=n["abstract"], date=n["date"], url=n["url"],
                    arxiv_id=n["arxiv_id"], authors=tuple(n["authors"]), categories=tuple(n["categories"]),
                    source=n["source"], seen=tuple(Sighting(s, line, d) for s, line, d in n["seen"]),
                )
            )
        else:
            entities.append(
                Entity(
                    id=n["id"], type=EntityType(n["type"]), name=n["name"],
                    aliases=tuple(n["aliases"]), papers=tuple(n["papers"]),
                )
            )
    for e in data["links"]:
        if e["kind"] == "relation":
            relations.append(
                Relation(
                    head=e["source"], type=RelationType(e["type"]), tail=e["target"], paper_id=e["paper_id"],
                    evidence=e["evidence"], confidence=e["confidence"], extractor=e["extractor"],
                )
            )
        elif e["kind"] == "mentions":
            mentions.append((e["source"], e["target"], e["count"]))
        else:
            links.append(
                PaperLink(
                    source=e["source"], type=RelationType(e["type"]), target=e["target"], via=e["via"],
                    evidence=e["evidence"], confidence=e["confidence"],
                )
            )
    meta = {k: str(v) for k, v in data.get("graph", {}).items()}
    return Graph(tuple(papers), tuple(entities), tuple(relations), tuple(mentions), tuple(links), meta)


def write_graph(graph: Graph, out_dir: Path) -> Path:
    """Write ``out_dir/graph.json``."""
    path = Path(out_dir) / GRAPH_JSON
    try:
        with path.open("w", encoding="utf-8") as f:
            json.dump(to_node_link(graph), f, ensure_ascii=False)
    except OSError as exc:
        raise WriterError(f"cannot write {path}: {exc.strerror}") from exc
    return path


def read_graph(out_dir: Path) -> Graph:
    """Read the Graph of an existing build directory (its graph.json)."""
    path = Path(out_dir) / GRAPH_JSON
    if not path.is_file():
        raise InputError(f"no build in {out_dir}: {path} is missing (run `kg build --out {out_dir}` first)")
    try:
        with path.open(encoding="utf-8") as f:
            return from_node_link(json.load(f))
    except (json.JSONDecodeError, KeyError, ValueError, TypeError) as exc:
        raise InputError(f"{path} is not a kg graph.json ({exc})") from exc
