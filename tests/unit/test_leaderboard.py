"""kg.leaderboard and `kg leaderboard`: ranking, alias matching, metrics, unknown names, formats."""

import csv
import io
import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.errors import InputError
from kg.leaderboard import benchmarks_with_results, find_benchmark, leaderboard, lower_is_better
from kg.types import Entity, EntityType, Graph, Paper, Result
from kg.write.graphjson import write_graph

sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures"))
import sparql_graph  # noqa: E402

runner = CliRunner()


def _fid_graph():
    papers = tuple(Paper(f"p{i}", f"Paper {i}", "...") for i in range(4))
    ents = (Entity("cifar-10", EntityType.BENCHMARK, "CIFAR-10", ("CIFAR-10", "CIFAR10")),
            Entity("fid", EntityType.METRIC, "FID"), Entity("is", EntityType.METRIC, "Inception Score"),
            Entity("a", EntityType.MODEL, "A"), Entity("b", EntityType.MODEL, "B"))
    def res(i, subject, metric, value, kind="score"):
        return Result(f"p{i}#result-0", f"p{i}", subject, metric, "cifar-10", None, str(value), value, None, kind,
                      "ev", 0.9)
    results = (res(0, "a", "fid", 3.1), res(1, "b", "fid", 2.2), res(2, "p2", "fid", 2.2), res(3, "a", "is", 9.5),
               res(3, "b", None, 1.5, "gain"))
    results = results[:4] + (Result("p3#result-1", "p3", "b", None, "cifar-10", "a", "1.5", 1.5, "points", "gain",
                                    "ev", 0.5),)
    return Graph(papers, ents, results=results)


def test_lower_is_better_metrics_rank_ascending_with_shared_ranks():
    g = _fid_graph()
    rows = leaderboard(g, "cifar-10")
    assert [(r.kind, r.metric, r.rank, r.subject, r.value) for r in rows] == [
        ("score", "FID", 1, "B", "2.2"),
        ("score", "FID", 1, "Paper 2", "2.2"),  # PAPER: the paper's title stands in
        ("score", "FID", 3, "A", "3.1"),
        ("score", "Inception Score", 1, "A", "9.5"),
        ("gain", None, 1, "B", "1.5"),
    ]
    assert rows[-1].baseline == "A"
    assert [r.subject for r in leaderboard(g, "cifar-10", metric="inception score")] == ["A"]
    assert lower_is_better("perplexity") and not lower_is_better("BLEU") and not lower_is_better(None)


def test_names_match_through_aliases_and_unknown_names_suggest_near_ones():
    g = _fid_graph()
    assert find_benchmark(g, "cifar10").id == "cifar-10"
    with pytest.raises(InputError, match=r"no benchmark named 'CIFAR-100' in the graph \(near: CIFAR-10\)"):
        find_benchmark(g, "CIFAR-100")
    with pytest.raises(InputError, match="has no results"):
        find_benchmark(Graph(), "MMLU")


def test_fixture_leaderboard_and_most_reported_benchmark():
    g = sparql_graph.fixture_graph()
    mmlu = find_benchmark(g, "mmlu")
    assert [(r.subject, r.value, r.kind) for r in leaderboard(g, mmlu.id)] == [
        ("Mistral 7B", "60.1", "score"), ("Llama 2", "54.8", "score"), ("Mistral 7B", "5.3", "gain")]
    assert [(e.name, n) for e, n in benchmarks_with_results(g)] == [("MMLU", 3), ("GSM8K", 1)]


@pytest.fixture
def build(tmp_path):
    write_graph(sparql_graph.fixture_graph(), tmp_path)
    return tmp_path


def test_cli_table_json_csv(build):
    res = runner.invoke(app, ["leaderboard", "MMLU", "--out", str(build)])
    assert res.exit_code == 0, res.output
    assert "MMLU: 3 results" in res.output and "60.1" in res.output and "Mistral" in res.output
    res = runner.invoke(app, ["leaderboard", "mmlu", "--out", str(build), "--metric", "accuracy", "--json"])
    d = json.loads(res.output)
    assert d["benchmark"] == "MMLU" and [r["value"] for r in d["rows"]] == ["60.1", "54.8", "5.3"]
    assert d["rows"][2]["baseline"] == "Llama 2" and d["rows"][0]["evidence"] == sparql_graph.MISTRAL_MMLU
    res = runner.invoke(app, ["leaderboard", "MMLU", "--out", str(build), "--csv"])
    rows = list(csv.DictReader(io.StringIO(res.output)))
    assert [r["subject"] for r in rows] == ["Mistral 7B", "Llama 2", "Mistral 7B"] and rows[0]["unit"] == "%"


def test_cli_errors_are_one_line_with_exit_2(build, tmp_path_factory):
    from kg.cli import main

    for args, message in [
        (["leaderboard", "MMLX", "--out", str(build)], "no benchmark named 'MMLX' in the graph (near: MMLU)"),
        (["leaderboard", "MMLU", "--out", str(build), "--metric", "BLEU"], "its metrics: accuracy"),
        (["leaderboard", "MMLU", "--out", str(tmp_path_factory.mktemp("empty"))], "graph.json is missing"),
        (["leaderboard", "MMLU", "--out", str(build), "--json", "--csv"], "choose one of --json and --csv"),
    ]:
        sys.argv = ["kg", *args]
        with pytest.raises(SystemExit) as exc:
            main()
        assert exc.value.code == 2, args
        res = runner.invoke(app, args)
        assert message in str(res.exception) or message in res.output, (args, res.output)
