"""The SPARQL cookbook: questions users ask of the graph, with the query that answers each.

One list serves three places: docs/sparql.md (``python -m kg.serve.cookbook`` prints its cookbook
section), the examples menu of the query page at ``/``, and the tests that run every recipe against
a live ``kg serve`` and check the answers.

Examples
--------
>>> len(RECIPES) >= 10
True
>>> recipe("improves-on-lora").question
'What improves on LoRA?'
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

__all__ = ["Recipe", "RECIPES", "PROLOGUE", "recipe", "render_markdown"]

PROLOGUE = """PREFIX mlkg: <https://w3id.org/mlkg/ontology#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX schema: <https://schema.org/>
"""


@dataclass(frozen=True, slots=True)
class Recipe:
    """A cookbook entry: a stable slug, the question, the query (prologue included) and a note."""

    slug: str
    question: str
    body: str
    note: str = ""

    @property
    def query(self) -> str:
        return PROLOGUE + self.body.strip() + "\n"


def _r(slug: str, question: str, body: str, note: str = "") -> Recipe:
    return Recipe(slug, question, body, note)


RECIPES: tuple[Recipe, ...] = (
    _r(
        "evaluated-on-mmlu",
        "Which models and methods were evaluated on MMLU?",
        """
SELECT DISTINCT ?name ?type WHERE {
  ?benchmark skos:prefLabel|skos:altLabel "MMLU" .
  ?x mlkg:evaluatedOn ?benchmark ; skos:prefLabel ?name ; a ?type .
  FILTER (?type IN (mlkg:Model, mlkg:Method))
}
ORDER BY ?name ?type""",
        "Names match through skos:prefLabel or any skos:altLabel, exactly. For any spelling use "
        '`?benchmark skos:prefLabel|skos:altLabel ?l FILTER (lcase(str(?l)) = "mmlu")`, '
        "which scans every label (0.6 s at 1M triples).",
    ),
    _r(
        "improves-on-lora",
        "What improves on LoRA?",
        """
SELECT DISTINCT ?who ?kind WHERE {
  ?lora skos:prefLabel|skos:altLabel "LoRA" .
  ?x mlkg:improvesOn ?lora .
  OPTIONAL { ?x skos:prefLabel ?entityName }
  OPTIONAL { ?x dcterms:title ?paperTitle }
  BIND (COALESCE(?entityName, ?paperTitle) AS ?who)
  BIND (IF(BOUND(?paperTitle), "paper", "entity") AS ?kind)
}
ORDER BY ?who ?kind""",
        'A paper appears itself when its contribution has no name ("our method outperforms LoRA").',
    ),
    _r(
        "builds-on-electra",
        "What builds on or improves on ELECTRA, and what does ELECTRA build or improve on?",
        """
SELECT DISTINCT ?direction ?relation ?name WHERE {
  ?electra skos:prefLabel|skos:altLabel "ELECTRA" .
  { ?x ?relation ?electra . BIND ("to ELECTRA" AS ?direction) }
  UNION
  { ?electra ?relation ?x . BIND ("from ELECTRA" AS ?direction) }
  FILTER (?relation IN (mlkg:buildsOn, mlkg:improvesOn))
  OPTIONAL { ?x skos:prefLabel ?entityName }
  OPTIONAL { ?x dcterms:title ?paperTitle }
  BIND (COALESCE(?entityName, ?paperTitle) AS ?name)
}
ORDER BY ?direction ?relation ?name""",
        'For "what builds on ELECTRA" only, keep the first branch of the UNION and `mlkg:buildsOn`. '
        "FILTER (... IN ...) rather than VALUES: VALUES first made this join 100x slower on disk.",
    ),
    _r(
        "most-evaluated-benchmarks",
        "Which benchmarks are used for evaluation by the most papers?",
        """
SELECT ?benchmark (COUNT(DISTINCT ?paper) AS ?papers) WHERE {
  ?a a mlkg:RelationAssertion ; rdf:predicate mlkg:evaluatedOn ; rdf:object ?b ;
     prov:wasDerivedFrom ?paper .
  ?b a mlkg:Benchmark ; skos:prefLabel ?benchmark .
}
GROUP BY ?benchmark
ORDER BY DESC(?papers) ?benchmark
LIMIT 10""",
        "Counting papers through the provenance nodes, not triples: one paper may state it twice.",
    ),
    _r(
        "papers-proposing-improvements-on-lora",
        "Which papers propose a method or model that improves on LoRA?",
        """
SELECT DISTINCT ?title ?proposed WHERE {
  ?lora skos:prefLabel|skos:altLabel "LoRA" .
  ?paper mlkg:proposes ?x ; dcterms:title ?title .
  ?x mlkg:improvesOn ?lora ; skos:prefLabel ?proposed .
}
ORDER BY ?title ?proposed""",
    ),
    _r(
        "improves-on-chains",
        "Which chains of improvements run through two or more steps (A improves on B improves on C)?",
        """
SELECT ?a ?b ?c WHERE {
  ?x mlkg:improvesOn ?y . ?y mlkg:improvesOn ?z .
  ?x skos:prefLabel ?a . ?y skos:prefLabel ?b . ?z skos:prefLabel ?c .
}
ORDER BY ?a ?b ?c
LIMIT 100""",
        "For every step at any depth, use a property path: `?x mlkg:improvesOn+ ?z`.",
    ),
    _r(
        "transitive-improvements",
        "What does Fira improve on, directly or through a chain of improvements?",
        """
SELECT DISTINCT ?name WHERE {
  ?fira skos:prefLabel|skos:altLabel "Fira" .
  ?fira mlkg:improvesOn+ ?x .
  ?x skos:prefLabel ?name .
}
ORDER BY ?name""",
    ),
    _r(
        "aliases",
        "Under which names does LoRA appear?",
        """
SELECT ?canonical ?alias WHERE {
  ?x skos:prefLabel|skos:altLabel "LoRA" ; skos:prefLabel ?canonical .
  OPTIONAL { ?x skos:altLabel ?alias }
}
ORDER BY ?alias ?canonical""",
    ),
    _r(
        "evidence-for-claim",
        "What is the evidence that SVFit improves on LoRA: which paper, which sentence, what confidence?",
        """
SELECT ?paper ?evidence ?confidence ?extractor WHERE {
  ?head skos:prefLabel|skos:altLabel "SVFit" .
  ?tail skos:prefLabel|skos:altLabel "LoRA" .
  ?a rdf:subject ?head ; rdf:object ?tail ; rdf:predicate mlkg:improvesOn ;
     prov:wasDerivedFrom ?p ; mlkg:evidence ?evidence ; mlkg:confidence ?confidence ;
     prov:wasAttributedTo ?agent .
  ?agent rdfs:label ?extractor .
  ?p dcterms:title ?paper .
}
ORDER BY DESC(?confidence) ?paper ?evidence ?extractor""",
    ),
    _r(
        "papers-mentioning-mmlu",
        "Which papers mention MMLU?",
        """
SELECT DISTINCT ?title WHERE {
  ?mmlu skos:prefLabel|skos:altLabel "MMLU" .
  ?paper schema:mentions ?mmlu ; dcterms:title ?title .
}
ORDER BY ?title""",
    ),
    _r(
        "papers-building-on-paper",
        "Which papers build on, or improve on, what another paper proposed?",
        """
SELECT ?citing ?relation ?via ?source WHERE {
  ?link a mlkg:PaperLink ; rdf:subject ?p ; rdf:predicate ?relation ; rdf:object ?q ; mlkg:via ?v .
  ?p dcterms:title ?citing . ?q dcterms:title ?source . ?v skos:prefLabel ?via .
}
ORDER BY ?source ?citing ?relation ?via""",
        "Derived links: the plain triple is `?p mlkg:paperBuildsOn ?q` (or mlkg:paperImprovesOn); "
        "mlkg:relatedPaper covers every kind.",
    ),
    _r(
        "trained-on",
        "Which datasets were models or methods trained on?",
        """
SELECT ?name ?dataset WHERE {
  ?x mlkg:trainedOn ?d ; skos:prefLabel ?name .
  ?d skos:prefLabel ?dataset .
}
ORDER BY ?name ?dataset""",
    ),
    _r(
        "metrics-per-benchmark",
        "Which metrics are reported by work evaluated on GLUE?",
        """
SELECT DISTINCT ?metric WHERE {
  ?glue skos:prefLabel|skos:altLabel "GLUE" .
  ?x mlkg:evaluatedOn ?glue ; mlkg:evaluatedWith ?m .
  ?m skos:prefLabel ?metric .
}
ORDER BY ?metric""",
    ),
    _r(
        "low-confidence-claims",
        "Which low-confidence claims (below 0.7) deserve a human look first?",
        """
SELECT ?subject ?relation ?object ?confidence WHERE {
  {
    SELECT ?a ?confidence WHERE { ?a mlkg:confidence ?confidence . FILTER (?confidence < 0.7) }
    ORDER BY ?confidence ?a LIMIT 100
  }
  ?a a mlkg:RelationAssertion ; rdf:subject ?s ; rdf:predicate ?relation ; rdf:object ?o .
  ?o skos:prefLabel ?object .
  OPTIONAL { ?s skos:prefLabel ?sName }
  OPTIONAL { ?s dcterms:title ?sTitle }
  BIND (COALESCE(?sName, ?sTitle) AS ?subject)
}
ORDER BY ?confidence ?subject ?relation ?object""",
    ),
    _r(
        "entities-by-type",
        "How many entities of each type does the graph hold?",
        """
SELECT ?type (COUNT(?x) AS ?entities) WHERE {
  GRAPH <https://w3id.org/mlkg/ontology> { ?class mlkg:jsonName ?type }
  ?x a ?class .
}
GROUP BY ?type
ORDER BY DESC(?entities) ?type""",
        "The ontology lives in the named graph <https://w3id.org/mlkg/ontology>; "
        "a Benchmark also counts as a Dataset.",
    ),
    _r(
        "leaderboard-mmlu",
        "What is the leaderboard of MMLU: which scores were reported on it, best first?",
        """
SELECT ?subject ?value ?unit ?metric ?paper WHERE {
  ?benchmark skos:prefLabel|skos:altLabel "MMLU" .
  ?r mlkg:resultBenchmark ?benchmark ; mlkg:resultKind mlkg:Score ; mlkg:value ?value ;
     mlkg:resultSubject ?s ; prov:wasDerivedFrom ?p .
  ?p dcterms:title ?paper .
  OPTIONAL { ?r mlkg:unit ?unit }
  OPTIONAL { ?r mlkg:resultMetric/skos:prefLabel ?metric }
  OPTIONAL { ?s skos:prefLabel ?name }
  BIND (COALESCE(?name, ?paper) AS ?subject)
}
ORDER BY DESC(?value) ?subject ?paper ?metric ?unit""",
        "A result whose subject is the paper's unnamed contribution (PAPER) shows the paper's title. "
        "For a lower-is-better metric (FID, WER, perplexity) sort with ASC(?value); "
        "`kg leaderboard` does that by itself.",
    ),
    _r(
        "largest-gains-over-llama-2",
        "Which results report the largest gains over Llama 2?",
        """
SELECT ?subject ?value ?unit ?benchmark ?metric WHERE {
  ?baseline skos:prefLabel|skos:altLabel "Llama 2" .
  ?r mlkg:resultBaseline ?baseline ; mlkg:resultKind mlkg:Gain ; mlkg:value ?value ;
     mlkg:resultSubject ?s ; prov:wasDerivedFrom ?p .
  ?p dcterms:title ?title .
  OPTIONAL { ?r mlkg:unit ?unit }
  OPTIONAL { ?r mlkg:resultBenchmark/skos:prefLabel ?benchmark }
  OPTIONAL { ?r mlkg:resultMetric/skos:prefLabel ?metric }
  OPTIONAL { ?s skos:prefLabel ?name }
  BIND (COALESCE(?name, ?title) AS ?subject)
}
ORDER BY DESC(?value) ?subject ?benchmark ?metric ?unit""",
        "Gains in % and in points are different units: filter on ?unit to compare like with like.",
    ),
    _r(
        "speedups-over-flashattention",
        "Which speed-ups are reported against FlashAttention, fastest first?",
        """
SELECT ?subject ?factor ?best ?paper WHERE {
  ?baseline skos:prefLabel|skos:altLabel "FlashAttention" .
  ?r mlkg:resultBaseline ?baseline ; mlkg:resultKind mlkg:Ratio ; mlkg:valueText ?factor ;
     mlkg:value ?value ; mlkg:resultSubject ?s ; prov:wasDerivedFrom ?p .
  ?p dcterms:title ?paper .
  OPTIONAL { ?r mlkg:valueHigh ?high }
  OPTIONAL { ?s skos:prefLabel ?name }
  BIND (COALESCE(?name, ?paper) AS ?subject)
  BIND (COALESCE(?high, ?value) AS ?best)
}
ORDER BY DESC(?best) ?subject ?paper ?factor""",
        "A range (\"1.5-2.5x\") ranks by its upper end, mlkg:valueHigh.",
    ),
)


def recipe(slug: str) -> Recipe:
    """The recipe called ``slug``.

    Examples
    --------
    >>> recipe("aliases").slug
    'aliases'
    """
    for r in RECIPES:
        if r.slug == slug:
            return r
    raise KeyError(slug)


def render_markdown() -> str:
    """The cookbook section of docs/sparql.md (a unit test keeps the two in step)."""
    out = ["## Cookbook", ""]
    for i, r in enumerate(RECIPES, 1):
        out += [
            f"### {i}. {r.question}",
            "",
            f"<!-- recipe: {r.slug} -->",
            "```sparql",
            r.query.rstrip(),
            "```",
            "",
        ]
        if r.note:
            out += [r.note, ""]
    return "\n".join(out)


if __name__ == "__main__":
    sys.stdout.write(render_markdown())
