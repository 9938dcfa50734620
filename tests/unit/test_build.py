"""kg.build: merging per-paper extractions into one graph."""

import pytest

from kg.build import MAX_PROPOSERS, build_graph
from kg.types import (
    PAPER,
    EntityType,
    Extraction,
    Mention,
    Paper,
    PaperEntity,
    PaperRelation,
    RelationType,
    Sighting,
)

M, B, D = EntityType.METHOD, EntityType.BENCHMARK, EntityType.DATASET


def ent(name, type_, eid, n_mentions=1):
    mentions = tuple(Mention("abstract", 0, len(name), name, type_) for _ in range(n_mentions))
    return PaperEntity(name, type_, (name,), mentions, id=eid)


def rel(head, type_, tail, head_id, tail_id, conf=0.9, evidence="s."):
    return PaperRelation(head, type_, tail, evidence, conf, head_id=head_id, tail_id=tail_id)


@pytest.fixture
def two_papers():
    p1 = Paper("p1", "LoRA: Low-Rank Adaptation", "We propose LoRA.", seen=(Sighting("a.txt", 3, "Jul 17"),))
    p2 = Paper("p2", "DoRA", "DoRA outperforms LoRA on GLUE.")
    e1 = Extraction(
        p1,
        (ent("Low-Rank Adaptation", M, "lora", 2), ent("GLUE", D, "glue")),
        (rel(PAPER, RelationType.PROPOSES, "Low-Rank Adaptation", "p1", "lora"),),
    )
    e2 = Extraction(
        p2,
        (ent("DoRA", M, "dora"), ent("LoRA", M, "lora"), ent("GLUE", B, "glue")),
        (
            rel(PAPER, RelationType.PROPOSES, "DoRA", "p2", "dora"),
            rel("DoRA", RelationType.IMPROVES_ON, "LoRA", "dora", "lora", 0.8, "DoRA outperforms LoRA on GLUE."),
            rel("DoRA", RelationType.IMPROVES_ON, "LoRA", "dora", "lora", 0.6),
            rel("DoRA", RelationType.EVALUATED_ON, "GLUE", "dora", "glue"),
        ),
    )
    return e1, e2


def test_entities_merge_by_id_with_union_of_aliases_and_papers(two_papers):
    g = build_graph(two_papers)
    lora = g.entity("lora")
    assert lora.aliases == ("LoRA", "Low-Rank Adaptation")
    assert lora.papers == ("p1", "p2")
    assert len(g.entities) == 3


def test_benchmark_wins_over_dataset(two_papers):
    assert build_graph(two_papers).entity("glue").type is EntityType.BENCHMARK


def test_one_relation_per_head_type_tail_paper_keeping_best_confidence(two_papers):
    g = build_graph(two_papers)
    improves = [r for r in g.relations if r.type is RelationType.IMPROVES_ON]
    assert len(improves) == 1
    assert improves[0].confidence == 0.8
    assert improves[0].evidence == "DoRA outperforms LoRA on GLUE."


def test_paper_head_becomes_the_paper_id(two_papers):
    g = build_graph(two_papers)
    proposes = {(r.head, r.tail) for r in g.relations if r.type is RelationType.PROPOSES}
    assert proposes == {("p1", "lora"), ("p2", "dora")}
    assert all(r.head_is_paper for r in g.relations if r.type is RelationType.PROPOSES)


def test_derived_paper_link(two_papers):
    g = build_graph(two_papers)
    assert [(x.source, x.type, x.target, x.via) for x in g.paper_links] == [
        ("p2", RelationType.IMPROVES_ON, "p1", "lora")
    ]
    assert g.paper_links[0].evidence == "DoRA outperforms LoRA on GLUE."


def test_mention_counts_and_extra_sightings(two_papers):
    g = build_graph(two_papers, sightings={"p1": [Sighting("b.txt", 9, "Jul 18")]})
    assert ("p1", "lora", 2) in g.mentions
    assert [s.source for s in g.papers[0].seen] == ["a.txt", "b.txt"]


def test_unlinked_input_is_refused():
    p = Paper("p", "t", "a")
    with pytest.raises(ValueError, match="not linked"):
        build_graph([Extraction(p, (PaperEntity("X", M, ("X",), ()),), ())])


def test_relation_whose_merged_types_leave_the_domain_is_dropped_and_counted():
    # Paper 1 reads "vision-language" as a Task; two other papers call it a Model. After the merge
    # "uses -> Model" still fits, but "applied-to -> Model" does not (range Task).
    papers = [Paper(f"p{i}", f"T{i}", "A.") for i in range(3)]
    t, m = EntityType.TASK, EntityType.MODEL
    e0 = Extraction(
        papers[0],
        (ent("CLIP", m, "clip"), ent("vision-language", t, "vl")),
        (
            rel("CLIP", RelationType.APPLIED_TO, "vision-language", "clip", "vl"),
            rel("CLIP", RelationType.USES, "vision-language", "clip", "vl"),
        ),
    )
    e1 = Extraction(papers[1], (ent("vision-language", m, "vl"),), ())
    e2 = Extraction(papers[2], (ent("vision-language", m, "vl"),), ())
    g = build_graph([e0, e1, e2])
    assert g.entity("vl").type is m
    assert [(r.head, r.type, r.tail) for r in g.relations] == [("clip", RelationType.USES, "vl")]
    assert g.relations_dropped == 1
    assert all(r.type.allows(g.entity(r.head).type.value, g.entity(r.tail).type.value) for r in g.relations)


@pytest.mark.parametrize("proposers", [2, MAX_PROPOSERS, MAX_PROPOSERS + 1, 40])
def test_paper_links_only_through_entities_few_papers_propose(proposers):
    # Many papers "proposing" one entity (a generic or reused name) would link every paper that
    # improves on it to all of them: quadratic, and no single origin. Such entities derive no link.
    exs = [
        Extraction(
            Paper(f"p{i}", f"T{i}", "We propose X."),
            (ent("X", M, "x"),),
            (rel(PAPER, RelationType.PROPOSES, "X", f"p{i}", "x"),),
        )
        for i in range(proposers)
    ]
    exs.append(
        Extraction(
            Paper("q", "Y", "Y outperforms X."),
            (ent("Y", M, "y"), ent("X", M, "x")),
            (rel("Y", RelationType.IMPROVES_ON, "X", "y", "x"),),
        )
    )
    g = build_graph(exs)
    few = proposers <= MAX_PROPOSERS
    assert len(g.paper_links) == (proposers if few else 0)
    assert g.ambiguous_proposals == (0 if few else 1)
    assert sum(r.type is RelationType.PROPOSES for r in g.relations) == proposers  # every claim kept


def test_last_extraction_of_a_paper_wins(two_papers):
    e1, e2 = two_papers
    again = Extraction(e1.paper, (ent("GLUE", D, "glue"),), ())
    g = build_graph([e1, e2, again])
    assert [p.id for p in g.papers] == ["p1", "p2"]
    assert g.entity("lora").papers == ("p2",)
    assert not any(r.paper_id == "p1" for r in g.relations) and g.paper_links == ()


def test_result_slots_whose_merged_type_no_longer_fits_are_left_out():
    # Paper 0 reads "accuracy" as a Metric and "SQuAD" as a Benchmark; two other papers call them
    # a Task and a Method. The result stays, without the slots SHACL would reject.
    from kg.types import PaperResult

    papers = [Paper(f"p{i}", f"T{i}", "A.") for i in range(3)]
    metric, task = EntityType.METRIC, EntityType.TASK
    r = PaperResult("PAPER", "accuracy", "SQuAD", "85.3", 85.3, "%", "score", None, "85.3% accuracy on SQuAD.", 0.9,
                    metric_id="acc", benchmark_id="squad")
    e0 = Extraction(papers[0], (ent("accuracy", metric, "acc"), ent("SQuAD", B, "squad")), (), results=(r,))
    e1 = Extraction(papers[1], (ent("accuracy", task, "acc"), ent("SQuAD", M, "squad")), ())
    e2 = Extraction(papers[2], (ent("accuracy", task, "acc"), ent("SQuAD", M, "squad")), ())
    g = build_graph([e0, e1, e2])
    (res,) = g.results
    assert (res.metric, res.benchmark, res.value, res.subject) == (None, None, "85.3", "p0")
    # with the types agreeing, both slots stay
    (kept,) = build_graph([e0]).results
    assert (kept.metric, kept.benchmark) == ("acc", "squad")
