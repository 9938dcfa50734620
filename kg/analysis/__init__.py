"""What a built graph says, in numbers (``kg stats``), and the sub-graphs ``kg html`` draws.

Everything works on a :class:`kg.types.Graph` value; networkx does the graph algorithms on the
view :func:`kg.write.graphjson.to_networkx` gives (or simpler views built here). The modules:
:mod:`~kg.analysis.metrics` (``kg stats``), :mod:`~kg.analysis.subgraph` (what ``kg html`` draws),
:mod:`~kg.analysis.names` (labels, lookups by name, option parsing), :mod:`~kg.analysis.samples`
(hand-made and synthetic graphs).

Examples
--------
>>> g = example_graph()
>>> s = compute_stats(g)
>>> s.entities_by_type["Method"]
4
>>> [(r.name, r.score) for r in s.improved_on]
[('full fine-tuning', 2), ('LoRA', 1)]
>>> s.chains["improves-on"]
('DoRA', 'LoRA', 'full fine-tuning')
>>> sorted(e.name for e in select(g, focus="DoRA", depth=1).entities)
['DoRA', 'GLUE', 'LoRA', 'accuracy']
"""

from kg.analysis.card import Card, entity_card, paper_card
from kg.analysis.metrics import Ranked, Stats, compute_stats
from kg.analysis.names import find_entities, node_label, parse_entity_types, parse_relation_types
from kg.analysis.samples import example_graph, synthetic_graph
from kg.analysis.subgraph import importance, overview, ranked_entities, select

__all__ = [
    "Ranked",
    "Stats",
    "compute_stats",
    "select",
    "overview",
    "Card",
    "entity_card",
    "paper_card",
    "importance",
    "ranked_entities",
    "find_entities",
    "parse_entity_types",
    "parse_relation_types",
    "node_label",
    "example_graph",
    "synthetic_graph",
]
