"""Results travel from extraction through the linker, the cache and the build into graph.json."""

import json

from kg.build import build_graph
from kg.cache import ExtractionCache, extraction_from_row, extraction_to_row
from kg.link import Linker
from kg.types import PAPER, Extraction, Mention, Paper, PaperEntity, PaperRelation, PaperResult
from kg.vocab import EntityType, RelationType
from kg.write.graphjson import read_graph, to_networkx, write_graph
from kg.write.jsonl import extraction_to_dict

TEXT = "We propose FastAttn. FastAttn is 3x faster than FlashAttention and reaches 85.3% accuracy on LRA."


def _ent(name, typ):
    i = TEXT.index(name)
    return PaperEntity(name, typ, (name,), (Mention("abstract", i, i + len(name), name, typ),))


def extraction(pid="p1"):
    ents = (_ent("FastAttn", EntityType.METHOD), _ent("FlashAttention", EntityType.METHOD),
            _ent("accuracy", EntityType.METRIC), _ent("LRA", EntityType.BENCHMARK))
    rels = (PaperRelation(PAPER, RelationType.PROPOSES, "FastAttn", "We propose FastAttn.", 0.9),)
    results = (
        PaperResult("FastAttn", None, None, "3", 3.0, "x", "ratio", "FlashAttention", TEXT[21:], 0.8,
                    start=TEXT.index("3x"), end=TEXT.index("3x") + 1),
        PaperResult("FastAttn", "accuracy", "LRA", "85.3", 85.3, "%", "score", None, TEXT[21:], 0.9),
        PaperResult(PAPER, None, "LRA", "2-3", 2.5, "points", "gain", "Gone", TEXT[21:], 0.5,
                    value_low=2.0, value_high=3.0),
    )
    return Extraction(Paper(pid, "FastAttn", TEXT), ents, rels, "v1", results)


def test_linker_sets_result_ids():
    (ex,) = Linker().link([extraction()])
    ratio, score, gain = ex.results
    assert (ratio.subject_id, ratio.compared_to_id, ratio.metric_id) == ("fastattn", "flashattention", "")
    assert (score.metric_id, score.benchmark_id) == ("accuracy", "long-range-arena")
    assert gain.subject_id == "p1"


def test_cache_row_round_trips_results(tmp_path):
    (ex,) = Linker().link([extraction()])
    assert extraction_from_row(ex.paper, extraction_to_row(ex)) == ex
    with ExtractionCache(tmp_path / "c.sqlite") as cache:
        cache.store([ex])
        assert cache.lookup(ex.paper, "v1").results == ex.results
    plain = Extraction(ex.paper, ex.entities, ex.relations, "v1")
    assert "res" not in json.loads(extraction_to_row(plain))  # rows without results stay as small as before


def test_jsonl_row_has_guideline_fields():
    (ex,) = Linker().link([extraction()])
    row = extraction_to_dict(ex)["results"][0]
    assert {k: row[k] for k in ("subject", "metric", "benchmark", "value", "unit", "kind", "compared_to")} == {
        "subject": "FastAttn", "metric": None, "benchmark": None, "value": "3", "unit": "x", "kind": "ratio",
        "compared_to": "FlashAttention"}
    assert row["value_num"] == 3.0 and row["subject_id"] == "fastattn" and row["evidence"] in TEXT


def test_build_resolves_ids_and_drops_dangling_names(tmp_path):
    g = build_graph(Linker().link([extraction()]))
    by_value = {r.value: r for r in g.results}
    assert set(by_value) == {"3", "85.3", "2-3"}
    ratio = by_value["3"]
    assert (ratio.subject, ratio.baseline, ratio.kind) == ("fastattn", "flashattention", "ratio")
    assert (by_value["85.3"].metric, by_value["85.3"].benchmark) == ("accuracy", "long-range-arena")
    gain = by_value["2-3"]
    assert gain.subject == "p1" and gain.subject_is_paper and gain.baseline is None  # "Gone" is no entity
    assert (gain.value_low, gain.value_high) == (2.0, 3.0)
    assert len({r.id for r in g.results}) == 3 and all(r.paper_id == "p1" for r in g.results)
    # A paper extracted again replaces its results; it does not add to them.
    again = build_graph(Linker().link([extraction(), extraction()]))
    assert len(again.results) == 3


def test_graph_json_round_trips_results(tmp_path):
    g = build_graph(Linker().link([extraction(), extraction("p2")]))
    write_graph(g, tmp_path)
    assert read_graph(tmp_path) == g
    nx_graph = to_networkx(g)
    rid = g.results[0].id
    assert nx_graph.nodes[rid]["kind"] == "Result"
    assert {k for _, _, k in nx_graph.out_edges(rid, keys=True)} == {"paper", "subject", "baseline"}
