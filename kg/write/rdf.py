"""graph.ttl and the RDF exports (``kg export --format turtle|ntriples|jsonld``), and pyshacl validation.

Two ways to the same triples: :func:`to_rdf` (:mod:`kg.write.rdf_graph`) builds an in-memory rdflib
graph; :func:`write_rdf` (:mod:`kg.write.rdf_stream`) streams Turtle or N-Triples (graph.ttl, the
turtle and ntriples exports). Both are importable from here.
"""

from __future__ import annotations

import os
from pathlib import Path

import rdflib

from kg.blocks import GRAPH_TTL
from kg.errors import WriterError
from kg.registry import exporters
from kg.types import Graph
from kg.write.namespace import PREFIXES
from kg.write.rdf_graph import paper_link_property, relation_property, to_rdf
from kg.write.rdf_stream import write_rdf

__all__ = [
    "GRAPH_TTL",
    "RdfWriter",
    "to_rdf",
    "write_rdf",
    "relation_property",
    "paper_link_property",
    "export_turtle",
    "export_ntriples",
    "export_jsonld",
    "validate",
]


def _serialize(graph: Graph, dest: Path, fmt: str) -> Path:
    """Write ``graph`` to ``dest``: turtle and nt streamed by :func:`write_rdf`, other formats
    through rdflib. The file is written beside ``dest`` and renamed over it."""
    dest = Path(dest)
    tmp = dest.with_name(f".{dest.name}.tmp")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        if fmt in ("turtle", "nt"):
            with tmp.open("w", encoding="utf-8", newline="\n", buffering=1 << 20) as f:
                write_rdf(graph, f, fmt)
        else:
            to_rdf(graph).serialize(destination=tmp, format=fmt, encoding="utf-8", context=dict(PREFIXES))
        os.replace(tmp, dest)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise WriterError(f"cannot write {dest}: {exc.strerror or exc}") from exc
    except UnicodeEncodeError as exc:
        tmp.unlink(missing_ok=True)
        reason = f"the graph holds text that is not valid Unicode ({exc.reason})"
        raise WriterError(f"cannot write {dest}: {reason}") from exc
    return dest


class RdfWriter:
    """Write ``out_dir/graph.ttl`` (:func:`write_rdf`); ``kg.store.StoreWriter`` loads it into the store.

    Examples
    --------
    >>> import tempfile
    >>> from kg.types import Graph, Paper
    >>> with tempfile.TemporaryDirectory() as d:
    ...     [p.name for p in RdfWriter().write(Graph(papers=(Paper("arxiv:1", "T", "A"),)), Path(d))]
    ['graph.ttl']
    """

    def write(self, graph: Graph, out_dir: Path) -> list[Path]:
        return [_serialize(graph, Path(out_dir) / GRAPH_TTL, "turtle")]


def export_turtle(graph: Graph, dest: Path) -> None:
    """``kg export --format turtle DEST``: graph.ttl's content to ``dest``."""
    _serialize(graph, dest, "turtle")


def export_ntriples(graph: Graph, dest: Path) -> None:
    """``kg export --format ntriples DEST``: one triple per line, for bulk loaders."""
    _serialize(graph, dest, "nt")


def export_jsonld(graph: Graph, dest: Path) -> None:
    """``kg export --format jsonld DEST``: JSON-LD with the prefixes of graph.ttl as its context
    (through rdflib, which holds the whole graph: slow and large beyond ~10,000 papers)."""
    _serialize(graph, dest, "json-ld")


def validate(ttl: Path) -> tuple[bool, str]:
    """Check ``ttl`` against ontology/shapes.ttl with pyshacl; return (conforms, readable report).

    The ontology is merged into the data graph first: the shapes read each relation property's
    domain and range from it, and ``sh:class`` follows its ``rdfs:subClassOf``.

    Raises
    ------
    InputError
        ``ttl`` is missing or does not parse.

    Examples
    --------
    >>> import tempfile
    >>> from kg.types import Graph, Paper
    >>> with tempfile.TemporaryDirectory() as d:
    ...     ttl = _serialize(Graph(papers=(Paper("arxiv:1", "T", "A"),)), Path(d) / GRAPH_TTL, "turtle")
    ...     validate(ttl)[0]
    True
    """
    import pyshacl

    import ontology
    from kg.errors import InputError

    data = rdflib.Graph()
    try:
        data.parse(Path(ttl), format="turtle")
    except FileNotFoundError:
        raise InputError(f"no {ttl}: run `kg build` first") from None
    except Exception as exc:  # rdflib raises parser-specific types
        raise InputError(f"{ttl} does not parse as Turtle: {exc}") from exc
    data.parse(ontology.path("kg.ttl"), format="turtle")
    shapes = rdflib.Graph().parse(ontology.path("shapes.ttl"), format="turtle")
    conforms, _, text = pyshacl.validate(data, shacl_graph=shapes, inference="none", advanced=True)
    return bool(conforms), str(text)


# Registered by call, not as decorators: catalogue is untyped and would erase these signatures.
exporters.register("turtle", func=export_turtle)
exporters.register("ntriples", func=export_ntriples)
exporters.register("jsonld", func=export_jsonld)
