"""Batched Neo4jWriter vs one statement (and one transaction) per row, on the same graph, over Bolt.

    python bench/neo4j_write.py --out kg-out                 # a build's graph.json, on Neo4j 5
    python bench/neo4j_write.py --synthetic 2000             # a generated graph of 2000 papers
    python bench/neo4j_write.py --synthetic 100000 --only batched   # the large push alone
    python bench/neo4j_write.py --out kg-out --server falkordb      # the same on FalkorDB
    python bench/neo4j_write.py --out kg-out --uri bolt://localhost:7687 --dialect neo4j

Without --uri it starts a server on a free port and stops it afterwards: Neo4j 5 Community
(scripts/neo4j.sh, authentication off) or, with --server falkordb, FalkorDB (scripts/falkordb.sh).
With --uri, NEO4J_USERNAME/NEO4J_PASSWORD give the credentials. Each run writes into an emptied
database (batched first, then naive); the naive writer is the same
Neo4jWriter with ``batch_size=1``, so both send the same Cypher and the same rows, and differ only
in rows per statement and statements per transaction. Prints rows/s of each and the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import neo4j

from kg.types import Entity, EntityType, Graph, Paper, PaperLink, Relation, RelationType
from kg.write.neo4j import Neo4jSettings, Neo4jWriter

__all__ = ["synthetic_graph", "bench", "main"]

REPO = Path(__file__).resolve().parents[1]


def synthetic_graph(papers: int, seed: int = 0) -> Graph:
    """A graph shaped like a kg build: ~4 entities, ~4 relations, ~6 mentions per paper.

    Examples
    --------
    >>> g = synthetic_graph(10)
    >>> (len(g.papers), len(g.relations) > 0, len(g.mentions) > 0)
    (10, True, True)
    """
    rnd = random.Random(seed)
    types = list(EntityType)
    n_ent = max(4, papers * 4)
    entities = [Entity(f"e{i}", types[i % len(types)], f"Entity {i}", (f"Entity {i}", f"E{i}")) for i in range(n_ent)]
    ps, rels, mentions, links = [], [], [], []
    proposed: dict[str, str] = {}
    for i in range(papers):
        pid = f"arxiv:{2000 + i}.{i:05d}"
        abstract = " ".join(f"Sentence {j} of paper {i} about models and benchmarks." for j in range(20))
        ps.append(Paper(pid, f"Paper {i}: a title", abstract, date="2024-01-01", source="synthetic"))
        named = rnd.sample(range(n_ent), 6)
        for e in named:
            mentions.append((pid, f"e{e}", rnd.randint(1, 4)))
        head = f"e{named[0]}"
        proposed[head] = pid
        rels.append(Relation(pid, RelationType.PROPOSES, head, pid, f"We propose Entity {named[0]}.", 0.9))
        for e in named[1:4]:
            rt = rnd.choice([RelationType.IMPROVES_ON, RelationType.USES, RelationType.BUILDS_ON])
            rels.append(Relation(head, rt, f"e{e}", pid, f"Entity {named[0]} relates to Entity {e}.", 0.7))
            if f"e{e}" in proposed and rt is not RelationType.USES:
                links.append(PaperLink(pid, rt, proposed[f"e{e}"], f"e{e}", "derived", 0.7))
    links = list({(k.source, k.type, k.target, k.via): k for k in links}.values())
    return Graph(tuple(ps), tuple(entities), tuple(rels), tuple(mentions), tuple(links))


def _free_port(low: int = 20000, high: int = 32767) -> int:
    for port in random.sample(range(low, high + 1), 200):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port")


def bench(
    graph: Graph,
    uri: str,
    dialect: str,
    repeat: int = 1,
    only: str | None = None,
    auth: tuple[str, str] | None = None,
) -> dict[str, float]:
    """Best-of-``repeat`` seconds and rows/s of the batched and the naive writer (or ``only`` one)."""
    driver = neo4j.GraphDatabase.driver(uri, auth=auth, connection_acquisition_timeout=3.0)
    runs = [(n, b) for n, b in (("batched", 1000), ("naive", 1)) if only in (None, n)]
    try:
        out: dict[str, float] = {}
        for name, batch_size in runs:
            best = float("inf")
            for _ in range(repeat):
                Neo4jWriter(Neo4jSettings(uri, dialect=dialect, **_creds(auth)), driver=driver).clear()
                settings = Neo4jSettings(
                    uri,
                    dialect=dialect,
                    batch_size=batch_size,
                    tx_statements=1 if batch_size == 1 else None,
                    **_creds(auth),
                )
                writer = Neo4jWriter(settings, driver=driver)
                stats = writer.write(graph)
                best = min(best, stats.seconds)
                out[f"{name}_statements"] = stats.statements
            out[f"{name}_seconds"] = best
            out[f"{name}_rows_per_s"] = stats.rows / best
        out["rows"] = stats.rows
        if only is None:
            out["ratio"] = out["batched_rows_per_s"] / out["naive_rows_per_s"]
        return out
    finally:
        driver.close()


def _creds(auth: tuple[str, str] | None) -> dict[str, str]:
    return {"user": auth[0], "password": auth[1]} if auth else {}


def _start(server: str) -> tuple[str, list[str], dict[str, str]]:
    """Start a throwaway server of kind ``server``: its URI, its script and the script's environment."""
    port = _free_port()
    if server == "neo4j":
        script = str(REPO / "scripts" / "neo4j.sh")
        env = {
            **os.environ,
            "KG_NEO4J_BOLT_PORT": str(port),
            "KG_NEO4J_DIR": tempfile.mkdtemp(prefix="kg-bench-neo4j-"),
            "KG_NEO4J_AUTH": "",
            "KG_PYTHON": sys.executable,
        }
    else:
        script = str(REPO / "scripts" / "falkordb.sh")
        env = {
            **os.environ,
            "KG_FALKORDB_BOLT_PORT": str(port),
            "KG_FALKORDB_PORT": str(_free_port()),
            "KG_FALKORDB_DIR": tempfile.mkdtemp(prefix="kg-bench-falkordb-"),
            "KG_PYTHON": sys.executable,
        }
    subprocess.run(["bash", script, "start"], env=env, check=True)
    return f"bolt://127.0.0.1:{port}", ["bash", script], env


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--out", type=Path, help="a kg build directory (graph.json)")
    src.add_argument("--synthetic", type=int, metavar="PAPERS", help="generate a graph of this many papers")
    ap.add_argument("--uri", help="Bolt URI of a running server (default: start one, see --server)")
    ap.add_argument("--server", default="neo4j", choices=["neo4j", "falkordb"], help="server to start")
    ap.add_argument("--dialect", choices=["neo4j", "falkordb"], help="default: that of --server")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--only", choices=["batched", "naive"], help="run one writer only")
    args = ap.parse_args(argv)

    if args.out:
        from kg.write.graphjson import read_graph

        graph = read_graph(args.out)
    else:
        graph = synthetic_graph(args.synthetic)
    dialect = args.dialect or ("neo4j" if args.uri else args.server)
    auth = None
    if args.uri and os.environ.get("NEO4J_PASSWORD"):
        auth = (os.environ.get("NEO4J_USERNAME", "neo4j"), os.environ["NEO4J_PASSWORD"])
    uri, script, env = (args.uri, [], {}) if args.uri else _start(args.server)
    try:
        r = bench(graph, uri, dialect, args.repeat, args.only, auth)
    finally:
        if script:
            subprocess.run([*script, "stop"], env=env, check=False, capture_output=True)
    print(
        f"graph: {len(graph.papers)} papers, {int(r['rows'])} rows "
        f"(papers+entities+relations+mentions+paper links); server {uri}, dialect {dialect}"
    )
    for name in [n for n in ("batched", "naive") if f"{n}_seconds" in r]:
        print(
            f"{name:8} {r[name + '_seconds']:8.2f} s  {r[name + '_rows_per_s']:9.0f} rows/s  "
            f"{int(r[name + '_statements'])} statements"
        )
    if "ratio" in r:
        print(f"ratio    {r['ratio']:.1f}x")
    print(json.dumps({k: round(v, 3) for k, v in r.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
