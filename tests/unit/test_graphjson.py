"""graph.json must round-trip a Graph exactly, since every later command reads builds through it."""

import json

import pytest

from kg.errors import InputError
from kg.types import Entity, EntityType, Graph, Paper, PaperLink, Relation, RelationType, Sighting
from kg.write.graphjson import read_graph, to_networkx, write_graph


@pytest.fixture
def graph():
    papers = (
        Paper("arxiv:2106.09685", "LoRA <script>", "We propose LoRA.", date="2021-06-17", url="https://x/1",
              arxiv_id="2106.09685", authors=("E. Hu",), categories=("cs.CL",), source="a.jsonl",
              seen=(Sighting("a.jsonl", 1, None), Sighting("b.txt", 4, "Jul 17"))),
        Paper("title:0123456789abcdef", "DoRA", "DoRA outperforms LoRA."),
    )
    entities = (Entity("lora", EntityType.METHOD, "LoRA", ("LoRA", "Low-Rank Adaptation"), ("arxiv:2106.09685",)),
                Entity("dora", EntityType.METHOD, "DoRA", ("DoRA",), ("title:0123456789abcdef",)))
    relations = (Relation("title:0123456789abcdef", RelationType.PROPOSES, "dora", "title:0123456789abcdef", "e", 0.9),
                 Relation("dora", RelationType.IMPROVES_ON, "lora", "title:0123456789abcdef", "DoRA outperforms LoRA.",
                          0.85, "rules-1"))
    links = (PaperLink("title:0123456789abcdef", RelationType.IMPROVES_ON, "arxiv:2106.09685", "lora", "ev", 0.85),)
    return Graph(papers, entities, relations, (("arxiv:2106.09685", "lora", 3),), links, {"kg": "0.1.0"})


def test_round_trip_is_exact(graph, tmp_path):
    write_graph(graph, tmp_path)
    back = read_graph(tmp_path)
    assert back == graph
    assert back.meta == {"kg": "0.1.0"}


def test_networkx_view_counts(graph):
    g = to_networkx(graph)
    assert g.number_of_nodes() == 4
    kinds = sorted(d["kind"] for _, _, d in g.edges(data=True))
    assert kinds == ["mentions", "paper_link", "relation", "relation"]


def test_missing_or_broken_build_is_a_clear_input_error(tmp_path):
    with pytest.raises(InputError, match="graph.json is missing"):
        read_graph(tmp_path)
    (tmp_path / "graph.json").write_text(json.dumps({"nodes": [{"id": "x"}], "links": []}))
    with pytest.raises(InputError, match="not a kg graph.json"):
        read_graph(tmp_path)


@pytest.mark.parametrize("layout", ["lines", "compact"])
def test_read_back_line_by_line_or_whole(graph, tmp_path, layout):
    from kg.analysis import example_graph
    from kg.write.graphjson import to_node_link

    for g in (graph, example_graph(hostile=True), Graph()):
        write_graph(g, tmp_path)
        if layout == "compact":  # node-link JSON as json.dump writes it (older builds, other tools)
            (tmp_path / "graph.json").write_text(json.dumps(to_node_link(g)), encoding="utf-8")
        else:
            text = (tmp_path / "graph.json").read_text(encoding="utf-8")
            assert json.loads(text) == json.loads(json.dumps(to_node_link(g)))
            rows = [line for line in text.split("\n") if line.startswith('{"kind": ')]
            assert len(rows) == sum(map(len, (g.papers, g.entities, g.relations, g.mentions, g.paper_links)))
        back = read_graph(tmp_path)
        assert back == g and back.meta == g.meta


def test_truncated_graph_json_is_a_clear_input_error(graph, tmp_path):
    write_graph(graph, tmp_path)
    path = tmp_path / "graph.json"
    path.write_text(path.read_text(encoding="utf-8")[:-40], encoding="utf-8")
    with pytest.raises(InputError, match="not a kg graph.json"):
        read_graph(tmp_path)
