"""Batched Neo4jWriter vs one auto-commit statement per row, on the same graph, over Bolt.

    python bench/neo4j_write.py --synthetic 1000 --repeat 2  # a generated graph of 1000 papers
    python bench/neo4j_write.py --out kg-out                 # a build's graph.json, on Neo4j 5
    python bench/neo4j_write.py --synthetic 100000 --only batched   # the large push alone
    python bench/neo4j_write.py --out kg-out --server falkordb      # the same on FalkorDB
    python bench/neo4j_write.py --out kg-out --uri bolt://localhost:7687 --dialect neo4j

Without --uri it starts a server on a free port and stops it afterwards: Neo4j 5 Community
(scripts/neo4j.sh, authentication off) or, with --server falkordb, FalkorDB (scripts/falkordb.sh).
With --uri, NEO4J_USERNAME/NEO4J_PASSWORD give the credentials.

Both writers send the same Cypher and the same rows, each run into an emptied database:

- batched: the Neo4jWriter as ``kg push`` runs it (1000-row ``UNWIND`` statements, managed
  transactions, one session for the whole write);
- naive: the same writer with ``batch_size=1`` whose statements each run on their own in an
  auto-commit transaction (``session.run``): what code that sends one ``MERGE`` per row does. The
  schema (constraints, indexes) is created first in both, so no ``MERGE`` scans.

Before timing, the batched writer writes a ``--warmup``-paper graph (default 1000) and the naive one
100 papers, untimed, so that neither pays the JVM's JIT and Neo4j's query planning in its timed runs
(a cold first 1000-paper batched write took 3-4 times as long as the next). Besides wall time it
prints the CPU seconds each writer's best run used, in this process and in the server (its pid from
the server it started, or --server-pid): on a machine shared with other work the wall time of the
CPU-bound batched writer grows with the load, the CPU it needs does not. Prints the best of
``--repeat`` runs of each, rows/s and the ratio.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import neo4j

from kg.types import Entity, EntityType, Graph, Paper, PaperLink, Relation, RelationType
from kg.write.neo4j import Neo4jSettings, Neo4jWriter
from kg.write.neo4j_batches import Batcher

__all__ = ["synthetic_graph", "NaiveWriter", "bench", "main"]

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration"))
from conftest import falkordb_server, neo4j_server  # noqa: E402 - the test servers, started the tests' way


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


class _AutoCommitBatcher(Batcher):
    """Runs every queued statement on its own, in an auto-commit transaction (``session.run``)."""

    def flush(self) -> None:
        t = self.tally
        statements, t.pending, t.steps = t.pending, [], []
        for query, params in statements:
            counters = self.session.run(query, params).consume().counters
            t.statements += 1
            for name in ("nodes_created", "relationships_created", "relationships_deleted", "properties_set"):
                t.counters[name] += int(getattr(counters, name, 0) or 0)


class NaiveWriter(Neo4jWriter):
    """The writer's statements one row each (``batch_size=1``), each its own auto-commit transaction."""

    def _write(self, session, tally, rows):  # type: ignore[no-untyped-def]
        self._schema(session, tally)
        batcher = _AutoCommitBatcher(session, self.settings, tally)
        self._write_rows(batcher, rows)
        batcher.flush()


def _writer(name: str, uri: str, dialect: str, auth: tuple[str, str] | None, driver: neo4j.Driver) -> Neo4jWriter:
    if name == "batched":
        return Neo4jWriter(Neo4jSettings(uri, dialect=dialect, **_creds(auth)), driver=driver)
    settings = Neo4jSettings(uri, dialect=dialect, batch_size=1, tx_statements=1, **_creds(auth))
    return NaiveWriter(settings, driver=driver)


def _cpu_seconds(pid: int | None) -> float:
    """CPU seconds (user + system) a process has used so far: this one when ``pid`` is None."""
    if pid is None:
        return time.process_time()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench(
    graph: Graph,
    uri: str,
    dialect: str,
    repeat: int = 1,
    only: str | None = None,
    auth: tuple[str, str] | None = None,
    warmup: int = 1000,
    server_pid: int | None = None,
) -> dict[str, float]:
    """Best-of-``repeat`` seconds and rows/s of the batched and the naive writer (or ``only`` one),
    after untimed writes of a ``warmup``-paper graph by the batched writer and of at most 100
    papers by the naive one; with the CPU seconds that run took in this process and, given
    ``server_pid``, in the server (on a shared machine wall time depends on the other load)."""
    driver = neo4j.GraphDatabase.driver(uri, auth=auth, connection_acquisition_timeout=3.0)
    names = [n for n in ("batched", "naive") if only in (None, n)]
    try:
        for name in names if warmup else []:  # the naive writer's warm-up is short: it is slow
            papers = warmup if name == "batched" else min(warmup, 100)
            _writer(name, uri, dialect, auth, driver).write(synthetic_graph(papers, seed=1))
        out: dict[str, float] = {}
        for name in names:
            runs = []
            for _ in range(repeat):
                writer = _writer(name, uri, dialect, auth, driver)
                writer.clear()
                cpu = (_cpu_seconds(None), _cpu_seconds(server_pid) if server_pid else 0.0)
                stats = writer.write(graph)
                client = _cpu_seconds(None) - cpu[0]
                server = _cpu_seconds(server_pid) - cpu[1] if server_pid else float("nan")
                runs.append((stats.seconds, client, server))
                out[f"{name}_statements"] = stats.statements
            best = min(runs)
            out[f"{name}_seconds"], out[f"{name}_client_cpu_s"], out[f"{name}_server_cpu_s"] = best
            print(f"{name}: {', '.join(f'{t:.2f}' for t, _, _ in runs)} s", file=sys.stderr)
            out[f"{name}_rows_per_s"] = stats.rows / best[0]
        out["rows"] = stats.rows
        if only is None:
            out["ratio"] = out["batched_rows_per_s"] / out["naive_rows_per_s"]
            if server_pid:
                out["cpu_ratio"] = sum(out[f"naive_{k}_cpu_s"] for k in ("client", "server")) / sum(
                    out[f"batched_{k}_cpu_s"] for k in ("client", "server")
                )
        return out
    finally:
        driver.close()


def _creds(auth: tuple[str, str] | None) -> dict[str, str]:
    return {"user": auth[0], "password": auth[1]} if auth else {}


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
    ap.add_argument("--server-pid", type=int, help="with --uri: the server's pid, to count its CPU seconds")
    ap.add_argument("--warmup", type=int, default=1000, metavar="PAPERS", help="untimed warm-up write (0: none)")
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
    with contextlib.ExitStack() as servers:
        uri, pid = args.uri, args.server_pid
        if not uri:  # a throwaway server on free ports, stopped on the way out
            home = Path(tempfile.mkdtemp(prefix=f"kg-bench-{args.server}-"))
            if args.server == "neo4j":
                uri = servers.enter_context(neo4j_server(home, auth=None))[0].uri
            else:
                uri = servers.enter_context(falkordb_server(home)).uri
            pid = int((home / ("neo4j.pid" if args.server == "neo4j" else "redis.pid")).read_text())
        r = bench(graph, uri, dialect, args.repeat, args.only, auth, args.warmup, pid)
    print(
        f"graph: {len(graph.papers)} papers, {int(r['rows'])} rows "
        f"(papers+entities+relations+mentions+paper links); server {uri}, dialect {dialect}"
    )
    for name in [n for n in ("batched", "naive") if f"{n}_seconds" in r]:
        print(
            f"{name:8} {r[name + '_seconds']:8.2f} s  {r[name + '_rows_per_s']:9.0f} rows/s  "
            f"{int(r[name + '_statements'])} statements  CPU s: client {r[name + '_client_cpu_s']:.1f}, "
            f"server {r[name + '_server_cpu_s']:.1f}"
        )
    if "ratio" in r:
        print(f"ratio    {r['ratio']:.1f}x (rows/s)" + (f", {r['cpu_ratio']:.1f}x (CPU s)" if "cpu_ratio" in r else ""))
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} after the run")
    print(json.dumps({k: round(v, 3) for k, v in r.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
