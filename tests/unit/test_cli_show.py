"""``kg show NAME``: one node as text (the graph.html panel), matched through aliases; misses suggest names."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kg.analysis import entity_card, example_graph
from kg.write.graphjson import write_graph


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("show")
    write_graph(example_graph(), d)
    return d


def _kg(*args: str, columns: int = 40) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": str(columns)}
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True, timeout=120, env=env)


def test_show_prints_the_panel_as_whole_lines(out: Path) -> None:
    r = _kg("show", "LoRA", "--out", str(out))
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    g = example_graph()
    assert lines[0] == "LoRA  (Method, lora)"
    assert lines[1] == "  also: low-rank adaptation"
    assert lines[2] == "papers (3)"
    assert lines[3] == "  LoRA: Low-Rank Adaptation of Large Language Models  https://arxiv.org/abs/2106.09685"
    assert "  A benchmark of adapters  title:0f3c" in lines
    mine = [rel for rel in g.relations if "lora" in (rel.head, rel.tail)]
    assert f"relations ({len(mine)})" in lines
    for label in ("  ← proposes (1)", "  improves-on → (1)", "  ← improves-on (1)", "  ← builds-on (1)"):
        assert label in lines
    for rel in mine:
        assert f"      “{rel.evidence}”" in lines
    i = lines.index("  improves-on → (1)")
    assert lines[i + 1 : i + 4] == [
        "    full fine-tuning  [confidence 0.90]",
        "      “LoRA performs on-par or better than fine-tuning.”",
        "      — LoRA: Low-Rank Adaptation of Large Language Models (arxiv:2106.09685)",
    ]
    assert not any(ln.startswith("leaderboard") for ln in lines)  # no results in the graph


def test_show_matches_aliases_and_ids_and_gives_json(out: Path) -> None:
    a = _kg("show", "low-rank ADAPTATION", "--out", str(out))
    b = _kg("show", "lora", "--out", str(out), columns=300)
    assert a.returncode == b.returncode == 0 and a.stdout == b.stdout
    j = _kg("show", "LoRA", "--out", str(out), "--json")
    assert json.loads(j.stdout) == [json.loads(json.dumps(entity_card(example_graph(), "lora").to_dict()))]


def test_show_a_paper(out: Path) -> None:
    r = _kg("show", "arxiv:2402.09353", "--out", str(out))
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "DoRA: Weight-Decomposed Low-Rank Adaptation  (Paper, arxiv:2402.09353)"
    assert "names (4): LoRA, DoRA, GLUE, accuracy" in lines
    assert "    DoRA → LoRA  [confidence 0.90]" in lines


def test_show_a_miss_suggests_close_names(out: Path) -> None:
    r = _kg("show", "LoRB", "--out", str(out))
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.strip() == "error: no entity named 'LoRB' in the graph (close: LoRA)"
    r = _kg("show", "LoRA", "--out", str(out / "missing"))
    assert r.returncode == 2 and "graph.json" in r.stderr and "Traceback" not in r.stderr


def test_limit_cuts_long_lists(tmp_path: Path) -> None:
    from kg.analysis import synthetic_graph

    write_graph(synthetic_graph(60, 400, papers=30), tmp_path)
    r = _kg("show", "e0", "--out", str(tmp_path), "--limit", "2")
    assert r.returncode == 0, r.stderr
    assert any(ln.startswith("  … and ") and ln.endswith(" more (--limit 0 shows all)") for ln in r.stdout.splitlines())
    full = _kg("show", "e0", "--out", str(tmp_path), "--limit", "0")
    assert "… and" not in full.stdout and len(full.stdout) > len(r.stdout)


def test_show_a_benchmark_prints_its_leaderboard(tmp_path: Path) -> None:
    sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures"))
    from sparql_graph import fixture_graph

    from kg.leaderboard import leaderboard

    g = fixture_graph()
    write_graph(g, tmp_path)
    r = _kg("show", "MMLU", "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    i = lines.index(f"leaderboard ({len(leaderboard(g, 'mmlu'))})")
    assert lines[i + 1 : i + 4] == [
        "    1. Mistral 7B  60.1%  (accuracy, score)  [arxiv:2310.06825]",
        "    2. Llama 2  54.8%  (accuracy, score)  [arxiv:2310.06825]",
        "    1. Mistral 7B  5.3 points  (accuracy, gain vs Llama 2)  [arxiv:2310.06825]",
    ]
    r = _kg("show", "Mistral 7B", "--out", str(tmp_path))
    assert r.returncode == 0 and "leaderboard" not in r.stdout  # results are listed on their benchmark
