# ruff: noqa: E501  (tables, HTML/JS and fixture sentences read better unwrapped)
"""Latency of the SPARQL cookbook: pyoxigraph store, the `kg serve` endpoint, and rdflib, side by side.

Runs every docs/sparql.md recipe on (1) a build of the bundled corpus and (2) a generated graph of
about 1M triples in the same shape (papers, entities, relations with provenance nodes, mentions,
paper links; the cookbook's anchors LoRA, ELECTRA, MMLU, Fira, ... included so answers are not
empty). For each recipe it reports p50 / p95 on the embedded store (results fully iterated), over
HTTP through `kg serve` (JSON results), and the p50 of rdflib on the same data, as a ratio.
Goals (issue 5): p95 < 50 ms on the bundled graph, < 1 s at 1M triples.

    python bench/sparql_latency.py                       # builds the corpus into a temp dir
    python bench/sparql_latency.py --out kg-out          # reuse an existing build
    python bench/sparql_latency.py --triples 200000 --runs 10 --rdflib-runs 1
"""

from __future__ import annotations

import argparse
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import rdflib

import ontology
from kg.serve import ServeConfig, SparqlServer
from kg.serve.cookbook import RECIPES
from kg.store import ONTOLOGY_GRAPH, load_store
from kg.types import Entity, EntityType, Graph, Paper, PaperLink, Relation, RelationType
from kg.write.rdf import GRAPH_TTL, to_rdf

__all__ = ["synthetic_graph", "main"]

ANCHORS = [
    ("lora", EntityType.METHOD, "Low-Rank Adaptation", ("LoRA",)),
    ("electra", EntityType.MODEL, "ELECTRA", ()),
    ("bert", EntityType.MODEL, "BERT", ()),
    ("debertav3", EntityType.MODEL, "DeBERTaV3", ()),
    ("fira", EntityType.METHOD, "Fira", ()),
    ("galore", EntityType.METHOD, "GaLore", ()),
    ("svfit", EntityType.METHOD, "SVFit", ()),
    ("mmlu", EntityType.BENCHMARK, "MMLU", ()),
    ("glue", EntityType.BENCHMARK, "GLUE", ()),
    ("accuracy", EntityType.METRIC, "accuracy", ()),
]
ANCHOR_FACTS = [
    ("svfit", RelationType.IMPROVES_ON, "lora"),
    ("fira", RelationType.IMPROVES_ON, "lora"),
    ("fira", RelationType.IMPROVES_ON, "galore"),
    ("electra", RelationType.IMPROVES_ON, "bert"),
    ("debertav3", RelationType.BUILDS_ON, "electra"),
    ("debertav3", RelationType.EVALUATED_ON, "glue"),
    ("electra", RelationType.EVALUATED_ON, "glue"),
    ("electra", RelationType.EVALUATED_WITH, "accuracy"),
    ("fira", RelationType.EVALUATED_ON, "mmlu"),
    ("svfit", RelationType.EVALUATED_ON, "mmlu"),
    ("galore", RelationType.IMPROVES_ON, "lora"),
]
TRIPLES_PER_PAPER = 80  # measured on small samples of synthetic_graph, used to size it


def synthetic_graph(n_papers: int, seed: int = 0) -> Graph:
    """A graph shaped like a real build: ~2 entities and ~6 relations per paper, popularity skewed."""
    rng = random.Random(seed)
    types = list(EntityType)
    entities = [Entity(eid, et, name, aliases) for eid, et, name, aliases in ANCHORS]
    for i in range(2 * n_papers):
        et = types[i % len(types)]
        entities.append(
            Entity(f"{et.id_prefix}:e{i}", et, f"{et.value} {i}", (f"{et.value[:2].upper()}{i}",))
        )
    by_type: dict[str, list[Entity]] = {t.value: [e for e in entities if e.type is t] for t in types}
    by_type["Dataset"] = by_type["Dataset"] + by_type["Benchmark"]
    by_type["Entity"] = entities
    anchors = {e.id: e for e in entities[: len(ANCHORS)]}

    pools: dict[frozenset[str], list[Entity]] = {}

    def pick(kinds: frozenset[str]) -> Entity:
        if kinds not in pools:
            pools[kinds] = [e for k in sorted(kinds) for e in by_type.get(k, ())] or entities
        pool = pools[kinds]
        # A few entities (the anchors first) are named by many papers, most by one or two, as in
        # the corpus; a harsher skew made hubs with ~1M two-step improves-on chains.
        return pool[int(len(pool) * rng.random() ** 2)] if rng.random() < 0.3 else rng.choice(pool)

    papers, relations, mentions, links = [], [], [], []
    for p in range(n_papers):
        pid = f"arxiv:{2000 + p // 100000}.{p % 100000:05d}"
        papers.append(
            Paper(pid, f"Synthetic paper {p}", f"Abstract of synthetic paper {p}.", date="2024-01-01")
        )
        proposed = entities[len(ANCHORS) + 2 * p]
        named = {proposed.id}
        relations.append(
            Relation(pid, RelationType.PROPOSES, proposed.id, pid, f"We propose {proposed.name}.", 0.9)
        )
        for _ in range(5):
            rel = rng.choice(list(RelationType)[1:])
            head = proposed if proposed.type.value in rel.head_types else pick(rel.head_types - {"Paper"})
            tail = pick(rel.tail_types)
            named |= {head.id, tail.id}
            relations.append(
                Relation(
                    head.id,
                    rel,
                    tail.id,
                    pid,
                    f"{head.name} {rel.value} {tail.name}.",
                    round(rng.uniform(0.3, 1.0), 2),
                )
            )
        for eid in named:
            mentions.append((pid, eid, 1))
        if p < len(ANCHOR_FACTS):
            h, rel, t = ANCHOR_FACTS[p]
            relations.append(
                Relation(h, rel, t, pid, f"{anchors[h].name} {rel.value} {anchors[t].name}.", 0.8)
            )
            mentions += [(pid, h, 1), (pid, t, 1)]
        if p and rng.random() < 0.05:
            target = papers[rng.randrange(p)].id
            links.append(PaperLink(pid, RelationType.BUILDS_ON, target, proposed.id, "derived", 0.7))
    return Graph(
        tuple(papers),
        tuple(entities),
        tuple(relations),
        tuple(mentions),
        tuple(links),
        meta={"extractor": "synthetic"},
    )


def _percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q * (len(values) - 1))))]


def _time(fn: Callable[[], object], runs: int, warmup: int = 1) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


class _Timeout(Exception):
    pass


def _rdflib_time(ds: rdflib.Dataset, query: str, runs: int, limit_s: int) -> list[float] | None:
    def alarm(signum: int, frame: object) -> None:
        raise _Timeout

    old = signal.signal(signal.SIGALRM, alarm)
    try:
        signal.alarm(limit_s)
        return _time(lambda: list(ds.query(query)), runs, warmup=0)
    except _Timeout:
        return None
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _bench(
    label: str, out_dir: Path, runs: int, rdflib_runs: int, rdflib_limit: int
) -> list[dict[str, object]]:
    print(f"\n== {label}", flush=True)
    store = ox.Store.read_only(str(out_dir / "store"))
    n = len(store)
    print(f"   {n:,} quads in the store (graph + ontology)", flush=True)
    rows: list[dict[str, object]] = []
    ds = None
    if rdflib_runs:
        t = time.perf_counter()
        ds = rdflib.Dataset()
        ds.default_graph.parse(out_dir / GRAPH_TTL, format="turtle")
        ds.graph(rdflib.URIRef(ONTOLOGY_GRAPH)).parse(ontology.path("kg.ttl"), format="turtle")
        print(f"   rdflib parse: {time.perf_counter() - t:.1f} s", flush=True)
    server = SparqlServer(ServeConfig(out_dir=out_dir, port=0, workers=1, timeout=120, max_rows=1_000_000))
    server.start()
    try:
        for r in RECIPES:
            results = list(store.query(r.query))
            ox_ms = _time(lambda r=r: list(store.query(r.query)), runs)
            url = f"{server.url}/sparql?" + urllib.parse.urlencode({"query": r.query})
            http_ms = _time(lambda url=url: urllib.request.urlopen(url, timeout=120).read(), runs)
            rd: list[float] | str | None = None
            if ds is not None:
                rd = _rdflib_time(ds, r.query, rdflib_runs, rdflib_limit) or "timeout"
            rows.append({"recipe": r.slug, "rows": len(results), "ox": ox_ms, "http": http_ms, "rdflib": rd})
            rd_text = f"{statistics.median(rd):9.1f}" if isinstance(rd, list) else f"{rd or '-':>9}"
            print(
                f"   {r.slug:40} {len(results):6} rows  store p50 {statistics.median(ox_ms):7.2f} ms  "
                f"http p50 {statistics.median(http_ms):7.2f} ms  rdflib p50 {rd_text} ms",
                flush=True,
            )
    finally:
        server.close()
    return rows


def _table(label: str, rows: list[dict[str, object]], goal_ms: float, rdflib_limit: int) -> None:
    print(f"\n### {label}\n")
    print(
        "| recipe | rows | store p50 ms | store p95 ms | endpoint p50 ms | endpoint p95 ms | rdflib p50 ms | rdflib / pyoxigraph |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    all_ox: list[float] = []
    all_http: list[float] = []
    ratios = []
    for row in rows:
        ox_ms, http_ms, rd = row["ox"], row["http"], row["rdflib"]
        all_ox += ox_ms  # type: ignore[arg-type]
        all_http += http_ms  # type: ignore[arg-type]
        if isinstance(rd, list):
            ratio = statistics.median(rd) / max(statistics.median(ox_ms), 1e-3)  # type: ignore[arg-type]
            ratios.append(ratio)
            rd_cell, ratio_cell = f"{statistics.median(rd):.1f}", f"{ratio:.0f}x"  # type: ignore[arg-type]
        else:
            rd_cell, ratio_cell = (f"> {rdflib_limit * 1000}", "-") if rd == "timeout" else ("-", "-")
        print(
            f"| {row['recipe']} | {row['rows']} | {statistics.median(ox_ms):.2f} | {_percentile(ox_ms, 0.95):.2f} | "  # type: ignore[arg-type]
            f"{statistics.median(http_ms):.2f} | {_percentile(http_ms, 0.95):.2f} | {rd_cell} | {ratio_cell} |"
        )  # type: ignore[arg-type]
    p95_ox, p95_http = _percentile(all_ox, 0.95), _percentile(all_http, 0.95)
    geo = statistics.geometric_mean(ratios) if ratios else float("nan")
    print(
        f"| **all recipes** | | {statistics.median(all_ox):.2f} | **{p95_ox:.2f}** | {statistics.median(all_http):.2f} | "
        f"**{p95_http:.2f}** | | geo-mean {geo:.0f}x |"
    )
    verdict = "meets" if p95_http < goal_ms else "MISSES"
    print(
        f"\np95 over every run of every recipe: store {p95_ox:.1f} ms, endpoint {p95_http:.1f} ms "
        f"({verdict} the {goal_ms:g} ms goal)"
    )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--out", type=Path, help="an existing `kg build` directory (default: build the bundled corpus)"
    )
    ap.add_argument("--triples", type=int, default=1_000_000, help="size of the generated graph (0: skip it)")
    ap.add_argument(
        "--runs", type=int, default=20, help="timed runs per recipe on the store and the endpoint"
    )
    ap.add_argument(
        "--rdflib-runs", type=int, default=3, help="timed rdflib runs per recipe (0: skip rdflib)"
    )
    ap.add_argument(
        "--rdflib-limit", type=int, default=120, help="seconds before an rdflib query is given up"
    )
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="kg-bench-") as tmp:
        out = args.out
        if out is None:
            out = Path(tmp) / "corpus"
            print("building the bundled corpus ...", flush=True)
            kg = Path(sys.executable).with_name("kg")
            subprocess.run([str(kg), "build", "--out", str(out), "--quiet"], check=True)
        bundled = _bench("bundled corpus", out, args.runs, args.rdflib_runs, args.rdflib_limit)
        big = None
        if args.triples:
            n_papers = max(10, args.triples // TRIPLES_PER_PAPER)
            big_dir = Path(tmp) / "synthetic"
            big_dir.mkdir()
            t = time.perf_counter()
            rdf = to_rdf(synthetic_graph(n_papers))
            n_triples = len(rdf)
            rdf.serialize(big_dir / GRAPH_TTL, format="nt", encoding="utf-8")  # N-Triples is valid Turtle
            del rdf
            print(
                f"\ngenerated {n_triples:,} triples ({n_papers:,} papers) in {time.perf_counter() - t:.0f} s",
                flush=True,
            )
            t = time.perf_counter()
            load_store(big_dir / GRAPH_TTL, big_dir)
            print(f"pyoxigraph bulk load: {time.perf_counter() - t:.1f} s", flush=True)
            big = (
                f"generated graph, {n_triples:,} triples",
                _bench(
                    f"generated, {n_triples:,} triples",
                    big_dir,
                    max(5, args.runs // 2),
                    min(args.rdflib_runs, 1),
                    args.rdflib_limit,
                ),
            )
        _table("bundled corpus", bundled, 50, args.rdflib_limit)
        if big:
            _table(big[0], big[1], 1000, args.rdflib_limit)


if __name__ == "__main__":
    main()
