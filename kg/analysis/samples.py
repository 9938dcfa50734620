"""Hand-made and synthetic graphs for docs, doctests, tests, demos and benchmarks."""

from __future__ import annotations

from collections import Counter, defaultdict

from kg.types import Entity, EntityType, Graph, Paper, PaperLink, Relation, RelationType

__all__ = ["example_graph", "synthetic_graph"]


def example_graph(hostile: bool = False) -> Graph:
    """A tiny hand-made graph (4 papers, 6 entity types) for docs, doctests, tests and demos.

    ``hostile=True`` gives the papers and an entity titles, aliases and evidence that try to
    inject HTML and JavaScript, for testing that renderers escape everything.

    Examples
    --------
    >>> g = example_graph()
    >>> len(g.papers), len(g.entities), len(g.relations), len(g.paper_links)
    (4, 10, 13, 2)
    >>> "<script>" in example_graph(hostile=True).papers[0].title
    True
    """
    M, ME, B, D, T, MT = (
        EntityType.MODEL,
        EntityType.METHOD,
        EntityType.BENCHMARK,
        EntityType.DATASET,
        EntityType.TASK,
        EntityType.METRIC,
    )
    R = RelationType
    p_lora, p_dora, p_rob, p_bench = "arxiv:2106.09685", "arxiv:2402.09353", "arxiv:1907.11692", "title:0f3c"
    titles = {
        p_lora: "LoRA: Low-Rank Adaptation of Large Language Models",
        p_dora: "DoRA: Weight-Decomposed Low-Rank Adaptation",
        p_rob: "RoBERTa: A Robustly Optimized BERT Pretraining Approach",
        p_bench: "A benchmark of adapters",
    }
    xss = ""
    if hostile:
        titles[p_lora] = "<script>window.__kgPwned=1</script> LoRA </script><b>bold</b>"
        titles[p_dora] = (
            '<img src=x onerror="window.__kgPwned=2"> DoRA <a href="javascript:alert(1)">href</a>'
        )
        titles[p_rob] = "RoBERTa & \"quotes\" 'single' \u2028 <!-- --> ]]> {{ nodes }}"
        xss = ' <img src=x onerror="window.__kgPwned=3">'
    papers = tuple(Paper(pid, t, f"Abstract of {t}.") for pid, t in titles.items())
    ents = (
        Entity("lora", ME, "LoRA", ("LoRA", "low-rank adaptation" + xss), (p_lora, p_dora, p_bench)),
        Entity("dora", ME, "DoRA", ("DoRA",), (p_dora,)),
        Entity("full-ft", ME, "full fine-tuning", ("full fine-tuning",), (p_lora,)),
        Entity(
            "roberta",
            M,
            "RoBERTa" + (" </script><script>window.__kgPwned=4</script>" if hostile else ""),
            ("RoBERTa",),
            (p_rob, p_lora),
        ),
        Entity("glue", B, "GLUE", ("GLUE",), (p_rob, p_lora, p_dora)),
        Entity("bookcorpus", D, "BookCorpus", ("BookCorpus",), (p_rob,)),
        Entity("nlu", T, "natural language understanding", ("NLU",), (p_rob,)),
        Entity("accuracy", MT, "accuracy", ("accuracy",), (p_dora,)),
        Entity("commonsense", B, "commonsense reasoning suite", (), (p_bench,)),
        Entity("adapters", ME, "adapters", ("adapters",), (p_bench,)),
    )

    def rel(h: str, t: RelationType, tl: str, pid: str, ev: str, c: float = 0.9) -> Relation:
        return Relation(h, t, tl, pid, ev + xss, c)

    rels = (
        rel(p_lora, R.PROPOSES, "lora", p_lora, "We propose Low-Rank Adaptation, or LoRA."),
        rel("lora", R.IMPROVES_ON, "full-ft", p_lora, "LoRA performs on-par or better than fine-tuning."),
        rel("lora", R.EVALUATED_ON, "glue", p_lora, "We evaluate LoRA on GLUE.", 0.8),
        rel("lora", R.USES, "roberta", p_lora, "LoRA adapts RoBERTa.", 0.6),
        rel(p_dora, R.PROPOSES, "dora", p_dora, "We propose DoRA."),
        rel("dora", R.IMPROVES_ON, "lora", p_dora, "DoRA consistently outperforms LoRA."),
        rel("dora", R.BUILDS_ON, "lora", p_dora, "DoRA builds on LoRA."),
        rel("dora", R.EVALUATED_ON, "glue", p_dora, "DoRA is evaluated on GLUE."),
        rel("dora", R.EVALUATED_WITH, "accuracy", p_dora, "DoRA improves accuracy."),
        rel("roberta", R.TRAINED_ON, "bookcorpus", p_rob, "RoBERTa is pretrained on BookCorpus."),
        rel("roberta", R.APPLIED_TO, "nlu", p_rob, "RoBERTa for NLU."),
        rel(p_bench, R.EVALUATED_ON, "commonsense", p_bench, "We test adapters on the suite.", 0.5),
        rel("adapters", R.IMPROVES_ON, "full-ft", p_bench, "adapters beat full fine-tuning.", 0.5),
    )
    mentions = tuple((pid, e.id, 1) for e in ents for pid in e.papers)
    links = (
        PaperLink(p_dora, R.IMPROVES_ON, p_lora, "lora", "DoRA consistently outperforms LoRA.", 0.9),
        PaperLink(p_dora, R.BUILDS_ON, p_lora, "lora", "DoRA builds on LoRA.", 0.9),
    )
    return Graph(papers, ents, rels, mentions, links, {"source": "kg.analysis.example_graph"})


def synthetic_graph(entities: int, relations: int, papers: int | None = None, seed: int = 0) -> Graph:
    """A random graph of a given size, shaped like a real build (hubs, papers, mentions), for
    scale tests and ``bench/html_scale.py``.

    Relation heads and tails are drawn with a preference for popular entities, so a few hubs
    emerge as in real corpora. Each relation's paper mentions both ends.

    Examples
    --------
    >>> g = synthetic_graph(300, 800, papers=60)
    >>> len(g.entities), len(g.relations), len(g.papers)
    (300, 800, 60)
    """
    import random

    rnd = random.Random(seed)
    n_papers = papers if papers is not None else max(1, entities // 8)
    etypes = list(EntityType)
    rtypes = [t for t in RelationType if t is not RelationType.PROPOSES]
    pids = [f"synthetic:{i}" for i in range(n_papers)]
    paper_vals = tuple(
        Paper(pid, f"Synthetic paper {i} on topic {i % 37}", "Abstract.") for i, pid in enumerate(pids)
    )
    weights = [1.0 / (i + 1) ** 0.8 for i in range(entities)]
    eids = [f"e{i}" for i in range(entities)]
    rels: list[Relation] = []
    mention: dict[tuple[str, str], int] = Counter()
    for i in range(relations):
        h, t = rnd.choices(eids, weights, k=2)
        if h == t:
            t = eids[(eids.index(t) + 1) % entities]
        pid = pids[i % n_papers]
        rels.append(Relation(h, rnd.choice(rtypes), t, pid, f"Sentence {i} relating {h} and {t}.", 0.5))
        mention[(pid, h)] += 1
        mention[(pid, t)] += 1
    papers_of: dict[str, list[str]] = defaultdict(list)
    for pid, eid in mention:
        papers_of[eid].append(pid)
    ents = tuple(
        Entity(eid, etypes[i % len(etypes)], f"Entity {i}", (f"E{i}",), tuple(papers_of[eid]))
        for i, eid in enumerate(eids)
    )
    return Graph(
        paper_vals,
        ents,
        tuple(rels),
        tuple((p, e, c) for (p, e), c in mention.items()),
        (),
        {"source": "kg.analysis.synthetic_graph"},
    )
