"""Apache Jena (scripts/jena.sh: jena-arq, jena-shacl from Maven) as an independent peer of kg's
Python stack: every SPARQL cookbook query asked of a live `kg serve` over HTTP gives the answers of
`kg query` (on the fixture graph and on the bundled corpus build: every ORDER BY of the cookbook is
total, so ordered answers are compared as lists), and Jena SHACL gives pyshacl's verdict on graph.ttl
against ontology/shapes.ttl, for graphs that conform and graphs that must fail (the same offending
nodes reported)."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pyshacl
import pytest
import rdflib
from rdflib import RDF, XSD
from rdflib.namespace import SH, SKOS
from typer.testing import CliRunner

import ontology
from kg.cli import app
from kg.serve.cookbook import RECIPES
from kg.write.namespace import MLKG, entity_iri
from kg.write.rdf import GRAPH_TTL, validate

sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures"))
import served  # noqa: E402

pytestmark = [pytest.mark.jena, pytest.mark.sparql]

JENA_SH = Path(__file__).resolve().parents[2] / "scripts" / "jena.sh"
runner = CliRunner()


def jena(*args: str) -> dict:
    done = subprocess.run(["bash", str(JENA_SH), *args], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"scripts/jena.sh {args[0]} failed:\n{done.stderr}"
    return json.loads(done.stdout)


@pytest.fixture(scope="session")
def jena_built() -> None:
    done = subprocess.run(["bash", str(JENA_SH), "build"], capture_output=True, text=True, timeout=1200)
    if done.returncode != 0:
        pytest.fail(f"scripts/jena.sh build failed:\n{done.stderr}", pytrace=False)


def kg_query(out: Path, rq: Path) -> dict:
    """`kg query -f json` of a query file: its variables and rows of plain values."""
    done = runner.invoke(app, ["query", "--out", str(out), "-f", "json", f"@{rq}"])
    assert done.exit_code == 0, done.output
    doc = json.loads(done.stdout)
    names = doc["head"]["vars"]
    rows = [[b[v]["value"] if v in b else None for v in names] for b in doc["results"]["bindings"]]
    return {"vars": names, "rows": rows}


def compare_cookbook(out: Path, tmp: Path) -> dict[str, int]:
    files = []
    for r in RECIPES:
        files.append(tmp / f"{r.slug}.rq")
        files[-1].write_text(r.query, encoding="utf-8")
    server = served.LiveServer(out)
    try:
        answers = jena("query", f"{server.url}/sparql", *map(str, files))
    finally:
        server.stop()
    sizes = {}
    for r, rq in zip(RECIPES, files, strict=True):
        ours, theirs = kg_query(out, rq), answers[rq.name]
        assert theirs["vars"] == ours["vars"], r.slug
        if "ORDER BY" in r.query:  # ordered on every column shown: the same list
            assert theirs["rows"] == ours["rows"], r.slug
        else:
            assert sorted(theirs["rows"], key=repr) == sorted(ours["rows"], key=repr), r.slug
        sizes[r.slug] = len(ours["rows"])
    return sizes


def test_cookbook_over_http_equals_kg_query_on_the_fixture(jena_built, tmp_path):
    out = served.build_fixture(tmp_path / "out")
    sizes = compare_cookbook(out, tmp_path)
    assert all(sizes.values()), sizes  # every recipe answers something on the fixture graph


def test_cookbook_over_http_equals_kg_query_on_the_corpus(jena_built, corpus_build, tmp_path):
    sizes = compare_cookbook(corpus_build, tmp_path)
    # Most recipes answer something on the corpus (15 of 18 with the shipped extractor; the three
    # leaderboard recipes found no MMLU score, gain over Llama 2 or speed-up over FlashAttention).
    assert sum(1 for n in sizes.values() if n) >= 12, sizes


# ---------------------------------------------------------------- SHACL
def pyshacl_offenders(ttl: Path) -> tuple[bool, set[tuple[str, str | None]]]:
    """pyshacl on ``ttl`` as `kg validate` runs it: verdict and (focus node, value) of each result."""
    data = rdflib.Graph().parse(ttl, format="turtle").parse(ontology.path("kg.ttl"), format="turtle")
    shapes = rdflib.Graph().parse(ontology.path("shapes.ttl"), format="turtle")
    conforms, report, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none", advanced=True)
    found = set()
    for r in report.subjects(RDF.type, SH.ValidationResult):
        value = report.value(r, SH.value)
        found.add((str(report.value(r, SH.focusNode)), None if value is None else str(value)))
    return bool(conforms), found


def jena_offenders(ttl: Path) -> tuple[bool, set[tuple[str, str | None]]]:
    doc = jena("shacl", str(ontology.path("shapes.ttl")), str(ttl), str(ontology.path("kg.ttl")))
    return doc["conforms"], {(r["focus"], r["value"]) for r in doc["results"]}


def _drop_provenance(g: rdflib.Graph) -> None:
    for a in list(g.subjects(RDF.subject, entity_iri("dora"))):
        if g.value(a, RDF.predicate) == MLKG.improvesOn:
            g.remove((a, None, None))


def _range_and_confidence(g: rdflib.Graph) -> None:
    g.add((entity_iri("dora"), MLKG.evaluatedOn, entity_iri("lora")))  # a Method is no Dataset
    a = next(iter(g.subjects(RDF.type, MLKG.RelationAssertion)))
    g.set((a, MLKG.confidence, rdflib.Literal(Decimal("1.5"), datatype=XSD.decimal)))


def _no_label(g: rdflib.Graph) -> None:
    g.remove((entity_iri("bert"), SKOS.prefLabel, None))


@pytest.mark.parametrize(
    "spoil",
    [None, _drop_provenance, _range_and_confidence, _no_label],
    ids=["as-built", "no-provenance", "range-and-confidence", "no-label"],
)
def test_jena_shacl_gives_the_verdict_of_pyshacl(jena_built, tmp_path, spoil):
    out = served.build_fixture(tmp_path / "out")
    ttl = out / GRAPH_TTL
    if spoil is not None:
        g = rdflib.Graph().parse(ttl)
        spoil(g)
        g.serialize(ttl, format="turtle")
    conforms, offenders = jena_offenders(ttl)
    assert conforms == validate(ttl)[0] == (spoil is None)
    assert (conforms, offenders) == pyshacl_offenders(ttl)
    assert bool(offenders) == (spoil is not None)


def test_jena_shacl_on_the_corpus_build_conforms_as_with_pyshacl(jena_built, corpus_build):
    conforms, offenders = jena_offenders(corpus_build / GRAPH_TTL)
    assert (conforms, offenders) == (True, set())
    assert validate(corpus_build / GRAPH_TTL)[0] is True
