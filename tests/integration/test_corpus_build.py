"""The README's main job: `kg build` of the bundled corpus, checked output by output."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import rdflib

from kg.types import EntityType, RelationType
from kg.write.rdf import validate

pytestmark = pytest.mark.slow


def test_counts_cover_every_type_and_no_record_is_lost(corpus_build: Path) -> None:
    summary = json.loads((corpus_build / "summary.json").read_text(encoding="utf-8"))
    assert (summary["records"], summary["papers"], summary["duplicates"], summary["rejected"]) == (391, 333, 58, 0)
    assert set(summary["entities"]) == {t.value for t in EntityType}
    assert set(summary["relations"]) == {r.value for r in RelationType}
    lines = (corpus_build / "extractions.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 333


def test_graph_ttl_conforms_to_the_shapes(corpus_build: Path) -> None:
    conforms, report = validate(corpus_build / "graph.ttl")
    assert conforms, report[:2000]
    kg = Path(sys.executable).with_name("kg")
    proc = subprocess.run([str(kg), "validate", "--out", str(corpus_build)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_relation_fits_the_domain_and_range_of_its_merged_types(corpus_build: Path) -> None:
    graph = json.loads((corpus_build / "graph.json").read_text(encoding="utf-8"))
    kinds = {n["id"]: n["type"] if n["kind"] == "Entity" else "Paper" for n in graph["nodes"]}
    edges = [e for e in graph["links"] if e["kind"] == "relation"]
    assert len(edges) > 1000
    for e in edges:
        assert RelationType(e["type"]).allows(kinds[e["source"]], kinds[e["target"]]), e


def test_rdf_holds_every_paper(corpus_build: Path) -> None:
    g = rdflib.Graph().parse(corpus_build / "graph.ttl")
    papers = {s for s in g.subjects(rdflib.RDF.type, None) if "/paper/" in str(s)}
    assert len(papers) == 333
