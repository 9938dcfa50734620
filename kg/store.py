"""The embedded SPARQL store: ``DIR/store``, a persistent pyoxigraph (RocksDB) database.

kg.write.rdf writes graph.ttl; :class:`StoreWriter` loads it here; pyoxigraph answers the queries, because it
parses and joins one to two orders of magnitude faster. The default graph holds graph.ttl; the
ontology sits in the named graph :data:`ONTOLOGY_GRAPH` so ``rdfs:subClassOf`` questions work too.

Examples
--------
>>> import tempfile
>>> from kg.types import Graph, Paper
>>> from kg.write.rdf import RdfWriter
>>> with tempfile.TemporaryDirectory() as d:
...     _ = RdfWriter().write(Graph(papers=(Paper("arxiv:1", "Title", "Abstract"),)), Path(d))
...     store = open_store(Path(d))
...     [str(s["t"].value) for s in store.query("SELECT ?t { ?p <http://purl.org/dc/terms/title> ?t }")]
['Title']
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pyoxigraph as ox

import ontology
from kg.blocks import GRAPH_TTL, is_blocks_file, turtle_parts
from kg.errors import InputError, StoreError, WriterError
from kg.types import Graph

__all__ = [
    "STORE_DIR",
    "ONTOLOGY_GRAPH",
    "StoreWriter",
    "is_blocks_file",
    "load_store",
    "open_store",
    "store_path",
    "turtle_parts",
]

STORE_DIR = "store"
#: Named graph holding ontology/kg.ttl inside the store.
ONTOLOGY_GRAPH = "https://w3id.org/mlkg/ontology"


def store_path(out_dir: Path) -> Path:
    """Where the store of a build lives.

    Examples
    --------
    >>> store_path(Path("kg-out")).as_posix()
    'kg-out/store'
    """
    return Path(out_dir) / STORE_DIR


#: Bytes of Turtle per bulk load. pyoxigraph's bulk loader holds about 20 times its input in
#: memory (1.7 GB for graph.ttl of 100,000 papers in one call, ~150 MB in 5 MB parts).
PART_BYTES = 8_000_000


def _fill(store: ox.Store, ttl: Path) -> None:
    if is_blocks_file(ttl):
        for part in turtle_parts(ttl, PART_BYTES):
            store.bulk_load(part, ox.RdfFormat.TURTLE)
    else:  # another writer's Turtle: one bulk load, streamed from the file
        store.bulk_load(path=str(ttl), format=ox.RdfFormat.TURTLE)
    store.bulk_load(
        path=str(ontology.path("kg.ttl")), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(ONTOLOGY_GRAPH)
    )
    store.optimize()


def load_store(ttl: Path, out_dir: Path) -> Path:
    """(Re)build ``out_dir/store`` from ``ttl`` (plus the ontology) and return its path.

    The new store is built beside the old one and swapped in with renames, so a reader that has
    the old one open keeps a consistent view and a failed load leaves the old store in place.

    Raises
    ------
    WriterError
        The store cannot be written or ``ttl`` does not parse.
    """
    target = store_path(out_dir)
    tmp = target.with_name(f".{STORE_DIR}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        store = ox.Store(str(tmp))
        try:
            _fill(store, Path(ttl))
            store.flush()
        finally:
            del store  # closes RocksDB so others may open it
        old = target.with_name(f".{STORE_DIR}.{uuid.uuid4().hex[:8]}.old")
        if target.exists():
            os.replace(target, old)
        os.replace(tmp, target)
        shutil.rmtree(old, ignore_errors=True)
    except (OSError, SyntaxError, ValueError) as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise WriterError(f"cannot load {ttl} into the store {target}: {exc}") from exc
    return target


def open_store(out_dir: Path, writable: bool = False) -> ox.Store:
    """Open the store of the build in ``out_dir``; read-only unless ``writable``.

    A build that has graph.ttl but no store (e.g. copied without it) gets its store loaded first.

    Raises
    ------
    InputError
        ``out_dir`` holds neither a store nor a graph.ttl.
    StoreError
        The store exists but cannot be opened (e.g. another process writes it).
    """
    path = store_path(out_dir)
    if not path.is_dir():
        ttl = Path(out_dir) / GRAPH_TTL
        if not ttl.is_file():
            raise InputError(f"no SPARQL store in {out_dir}: run `kg build --out {out_dir}` first")
        load_store(ttl, Path(out_dir))
    try:
        return ox.Store(str(path)) if writable else ox.Store.read_only(str(path))
    except OSError as exc:
        raise StoreError(f"cannot open the store {path}: {exc}") from exc


class StoreWriter:
    """The build step after graph.ttl: (re)build ``out_dir/store`` from ``out_dir/graph.ttl``.

    Takes the Graph only to fit the graph-writer signature; it reads the file the RDF writer wrote.
    """

    def write(self, graph: Graph, out_dir: Path) -> list[Path]:
        return [load_store(Path(out_dir) / GRAPH_TTL, Path(out_dir))]
