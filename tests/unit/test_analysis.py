"""kg.analysis and the ``kg stats`` / ``kg html`` commands."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kg.analysis import (
    compute_stats,
    example_graph,
    find_entities,
    parse_entity_types,
    parse_relation_types,
    select,
)
from kg.errors import InputError
from kg.types import Entity, EntityType, Graph, Relation, RelationType
from kg.write.graphjson import write_graph


@pytest.fixture(scope="module")
def g() -> Graph:
    return example_graph()


def test_counts_by_type(g: Graph) -> None:
    s = compute_stats(g)
    assert s.entities_by_type == {
        "Model": 1,
        "Method": 4,
        "Dataset": 1,
        "Benchmark": 2,
        "Task": 1,
        "Metric": 1,
    }
    assert sum(s.relations_by_type.values()) == s.relations == 13
    assert (s.papers, s.paper_links) == (4, 2)


def test_rankings(g: Graph) -> None:
    s = compute_stats(g, top=3)
    assert len(s.pagerank) == 3
    assert all(r.type in ("Model", "Method") for r in s.pagerank)
    assert s.pagerank[0].name == "LoRA"  # improved on, built on, and proposed
    assert [(r.name, r.score, r.detail) for r in s.improved_on] == [
        ("full fine-tuning", 2, ("LoRA", "adapters")),
        ("LoRA", 1, ("DoRA",)),
    ]
    bench = {r.name: r for r in s.benchmarks}
    assert bench["GLUE"].detail == ("DoRA", "LoRA") and bench["GLUE"].score == 2
    # A paper-headed evaluation is named by its paper.
    assert bench["commonsense reasoning suite"].detail == ("paper: A benchmark of adapters",)
    assert s.linked_papers[0].name.startswith("paper: DoRA")
    assert s.linked_papers[0].detail == ("2 out", "0 in")


def test_chains_and_cycles() -> None:
    ents = tuple(Entity(x, EntityType.METHOD, x.upper()) for x in "abcd")
    rels = (
        Relation("a", RelationType.IMPROVES_ON, "b", "p", "", 1.0),
        Relation("b", RelationType.IMPROVES_ON, "a", "p", "", 1.0),  # a claimed cycle
        Relation("b", RelationType.IMPROVES_ON, "c", "p", "", 1.0),
        Relation("d", RelationType.IMPROVES_ON, "a", "p", "", 1.0),
    )
    s = compute_stats(Graph(entities=ents, relations=rels))
    assert s.chains["improves-on"] == ("D", "A / B", "C")
    assert s.chains["builds-on"] == ()


def test_components_and_communities(g: Graph) -> None:
    s = compute_stats(g)
    assert s.components["count"] == 1 and s.components["largest"] == 14
    assert s.components["isolated_entities"] == 0
    assert sum(c.score for c in s.communities) == 14
    lone = Graph(entities=(Entity("x", EntityType.TASK, "X"),))
    assert compute_stats(lone).components["isolated_entities"] == 1
    assert compute_stats(lone).communities == ()


def test_to_dict_is_json(g: Graph) -> None:
    d = json.loads(json.dumps(compute_stats(g).to_dict()))
    assert d["chains"]["improves-on"] == ["DoRA", "LoRA", "full fine-tuning"]
    assert d["pagerank"][0]["name"] == "LoRA"


def test_find_entities_by_alias_and_error(g: Graph) -> None:
    assert [e.id for e in find_entities(g, "nlu")] == ["nlu"]
    with pytest.raises(InputError, match="'Lora2'.*close: LoRA"):
        find_entities(g, "Lora2")


def test_select_focus_depth(g: Graph) -> None:
    only = select(g, focus="LoRA", depth=0)
    assert [e.id for e in only.entities] == ["lora"] and only.relations == ()
    one = select(g, focus="LoRA", depth=1)
    ids = {e.id for e in one.entities}
    assert ids == {"lora", "dora", "full-ft", "glue", "roberta"}
    assert all(r.head in ids | {p.id for p in one.papers} and r.tail in ids for r in one.relations)
    # every relation's paper stays, so tooltips can name it
    assert {r.paper_id for r in one.relations} <= {p.id for p in one.papers}
    two = select(g, focus="LoRA", depth=2)
    assert {"accuracy", "bookcorpus", "nlu", "adapters"} <= {e.id for e in two.entities}


def test_select_types_and_relations(g: Graph) -> None:
    sub = select(g, types=parse_entity_types("Method"), relations=parse_relation_types("improves-on"))
    assert {e.type for e in sub.entities} == {EntityType.METHOD}
    assert {r.type for r in sub.relations} == {RelationType.IMPROVES_ON}
    assert {lk.type for lk in sub.paper_links} == {RelationType.IMPROVES_ON}
    focused = select(g, focus="GLUE", depth=1, types=[EntityType.MODEL])
    assert {e.id for e in focused.entities} == {"glue"}  # the focus stays even when its type is filtered


def test_select_errors(g: Graph) -> None:
    with pytest.raises(InputError, match="-1"):
        select(g, focus="LoRA", depth=-1)
    with pytest.raises(InputError, match="'Modle'"):
        parse_entity_types("Modle")
    with pytest.raises(InputError, match="'improves'"):
        parse_relation_types("improves")


def _kg(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from kg.cli import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_stats_json_and_tables(tmp_path: Path, g: Graph) -> None:
    write_graph(g, tmp_path)
    r = _kg("stats", "--out", str(tmp_path), "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["entities_by_type"]["Method"] == 4 and d["improved_on"][0]["name"] == "full fine-tuning"
    r = _kg("stats", "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert "Most-evaluated benchmarks" in r.stdout and "GLUE" in r.stdout


def test_cli_html_focus(tmp_path: Path) -> None:
    write_graph(example_graph(hostile=True), tmp_path)
    r = _kg("html", "--out", str(tmp_path), "--focus", "DoRA", "--depth", "1", "--relations", "improves-on")
    assert r.returncode == 0, r.stderr
    page = (tmp_path / "graph-dora.html").read_text(encoding="utf-8")
    assert '"r|dora|improves-on|lora"' in page and '"r|lora|improves-on|full-ft"' not in page
    assert not (tmp_path / "graph.html").exists()  # a view never overwrites the full page


def test_cli_html_max_nodes_and_note(tmp_path: Path) -> None:
    from kg.analysis import synthetic_graph

    write_graph(synthetic_graph(120, 300, papers=40), tmp_path)
    r = _kg("html", "--out", str(tmp_path), "--max-nodes", "30")
    assert r.returncode == 0, r.stderr
    assert "wrote" in r.stdout and "Showing 30 of 160 nodes" in r.stdout
    assert "Showing 30 of 160 nodes" in (tmp_path / "graph.html").read_text(encoding="utf-8")
    r = _kg("html", "--out", str(tmp_path), "--focus", "e119", "--depth", "1", "--max-nodes", "5")
    assert r.returncode == 0, r.stderr
    assert '"id": "e119"' in (tmp_path / "graph-e119.html").read_text(encoding="utf-8")
    r = _kg("html", "--out", str(tmp_path), "--max-nodes", "0", "--output", str(tmp_path / "all.html"))
    assert r.returncode == 0 and "160 nodes" in r.stdout and "Showing" not in r.stdout


def test_cli_errors_are_one_line(tmp_path: Path) -> None:
    r = _kg("stats", "--out", str(tmp_path / "missing"))
    assert r.returncode == 2 and "Traceback" not in r.stderr and "graph.json" in r.stderr
    write_graph(example_graph(), tmp_path)
    r = _kg("html", "--out", str(tmp_path), "--focus", "LoRB")
    assert r.returncode == 2 and "LoRB" in r.stderr and "Traceback" not in r.stderr
    r = _kg("html", "--out", str(tmp_path), "--types", "Paper")
    assert r.returncode == 2 and "'Paper'" in r.stderr
