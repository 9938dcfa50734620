"""neo4j-csv export: neo4j-admin header syntax, one row per record, values survive CSV quoting."""

import csv
from pathlib import Path

from kg.types import Entity, EntityType, Graph, Paper
from kg.write.neo4j_csv import ARRAY_DELIMITER, HEADERS, import_command, write_neo4j_csv


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_fixture_graph_exports_every_record(tmp_path, sparql_fixture_graph):
    g = sparql_fixture_graph
    write_neo4j_csv(g, tmp_path)
    for name, header in HEADERS.items():
        assert (tmp_path / name).read_text(encoding="utf-8").splitlines()[0] == ",".join(header)
    papers, entities = _read(tmp_path / "papers.csv"), _read(tmp_path / "entities.csv")
    assert len(papers) == len(g.papers) and len(entities) == len(g.entities)
    assert len(_read(tmp_path / "mentions.csv")) == len(g.mentions)
    rels = _read(tmp_path / "relations.csv") + _read(tmp_path / "paper_relations.csv")
    assert len(rels) == len(g.relations)
    assert {r[":TYPE"] for r in rels} == {r.type.cypher for r in g.relations}
    links = _read(tmp_path / "paper_links.csv")
    assert sorted((x[":START_ID(Paper)"], x[":TYPE"], x[":END_ID(Paper)"]) for x in links) == sorted(
        (k.source, k.type.cypher, k.target) for k in g.paper_links
    )
    glue = next(e for e in entities if e["id:ID(Entity)"] == "glue")
    assert glue[":LABEL"].split(ARRAY_DELIMITER) == ["Entity", "Benchmark", "Dataset"]
    lora = next(e for e in entities if e["id:ID(Entity)"] == "lora")
    assert lora["aliases:string[]"].split(ARRAY_DELIMITER) == ["LoRA", "Low-Rank Adaptation"]
    adapt = next(p for p in papers if p["id:ID(Paper)"] == "title:5c0ffee5c0ffee00")
    assert adapt["title"] == "A Study of Adapter Placement <script>alert(1)</script>"


def test_quotes_commas_and_newlines_round_trip(tmp_path):
    abstract = 'We propose "X", a model;\nit works, mostly.\r\nSecond line.'
    g = Graph(
        papers=(Paper("p1", 'A, "quoted" title', abstract, authors=("Doe, J.", "Roe; R.")),),
        entities=(Entity("x", EntityType.MODEL, "X", ("X", "x-1")),),
    )
    write_neo4j_csv(g, tmp_path)
    [row] = _read(tmp_path / "papers.csv")
    assert row["abstract"] == abstract and row["title"] == 'A, "quoted" title'
    assert row["authors:string[]"].split(ARRAY_DELIMITER) == ["Doe, J.", "Roe; R."]


def test_import_command_names_every_file_and_the_options_the_files_need(tmp_path):
    cmd = import_command(tmp_path, "kg")
    assert cmd[:4] == ["neo4j-admin", "database", "import", "full"] and cmd[-1] == "kg"
    assert f"--nodes={tmp_path / 'papers.csv'}" in cmd
    assert f"--relationships={tmp_path / 'paper_links.csv'}" in cmd
    assert "--array-delimiter=U+001F" in cmd and "--multiline-fields=true" in cmd
    write_neo4j_csv(Graph(), tmp_path)
    script = (tmp_path / "import.sh").read_text()
    assert "neo4j-admin database import full" in script and '--relationships="$DIR/mentions.csv"' in script


def test_registered_as_exporter():
    from kg import registry

    assert registry.get(registry.exporters, "neo4j-csv") is write_neo4j_csv


def test_results_export_as_nodes_with_their_links(tmp_path, sparql_fixture_graph):
    g = sparql_fixture_graph
    write_neo4j_csv(g, tmp_path)
    results = _read(tmp_path / "results.csv")
    assert len(results) == len(g.results) == 6
    ranged = next(r for r in results if r["value_text"] == "1.5-2.5")
    assert (ranged["kind"], ranged["value:float"], ranged["value_low:float"], ranged["value_high:float"]) == (
        "ratio", "2.0", "1.5", "2.5")
    assert {r[":LABEL"] for r in results} == {"Result"}
    reports = _read(tmp_path / "reports.csv")
    assert sorted(r[":END_ID(Result)"] for r in reports) == sorted(r.id for r in g.results)
    rows = _read(tmp_path / "result_entities.csv")
    links = {(x[":START_ID(Result)"], x[":TYPE"], x[":END_ID(Entity)"]) for x in rows}
    gain = next(r for r in g.results if r.value == "5.3")
    assert {(gain.id, t, e) for t, e in [("RESULT_OF", "mistral-7b"), ("MEASURED_IN", "accuracy"),
                                         ("ON_BENCHMARK", "mmlu"), ("AGAINST", "llama-2")]} <= links
    to_paper = _read(tmp_path / "result_papers.csv")
    assert [(x[":TYPE"], x[":END_ID(Paper)"]) for x in to_paper] == [("RESULT_OF", ranged["paper_id"])]
    assert "--nodes=" in (tmp_path / "import.sh").read_text() and "results.csv" in (tmp_path / "import.sh").read_text()
