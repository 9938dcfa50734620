"""Every cookbook recipe (SPARQL in kg/serve/cookbook.py, Cypher in docs/cypher.md) orders on every
column it shows: ties are broken the same way by every engine (kg query, kg serve, Jena over HTTP;
Neo4j, FalkorDB), so answers compare as lists, and a LIMIT keeps the same rows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kg.serve.cookbook import RECIPES


def projected(body: str) -> set[str]:
    head = re.search(r"SELECT (?:DISTINCT )?(.*?) WHERE", body, re.S).group(1)
    head = re.sub(r"\(.*? AS (\?\w+)\)", r"\1", head)  # (COUNT(?x) AS ?n) shows ?n
    return set(re.findall(r"\?(\w+)", head))


@pytest.mark.parametrize("recipe", RECIPES, ids=[r.slug for r in RECIPES])
def test_the_final_order_by_names_every_column(recipe) -> None:
    order = recipe.body.rsplit("ORDER BY", 1)[1].splitlines()[0]
    assert projected(recipe.body) <= set(re.findall(r"\?(\w+)", order))


CYPHER = (Path(__file__).parents[2] / "docs" / "cypher.md").read_text(encoding="utf-8")
CYPHER_RECIPES = dict(re.findall(r"<!-- recipe: ([a-z0-9-]+) -->\n```cypher\n(.*?)\n```", CYPHER, flags=re.S))


def returned(query: str) -> set[str]:
    """The column names of a Cypher query's last RETURN (``expr AS name``, or a bare variable)."""
    clause = query.rsplit("RETURN", 1)[1].split("ORDER BY")[0].removeprefix(" DISTINCT")
    columns, depth, start = [], 0, 0
    for i, ch in enumerate(clause + ","):
        depth += ch in "([{"
        depth -= ch in ")]}"
        if ch == "," and depth == 0:
            columns.append(clause[start:i].strip())
            start = i + 1
    return {c.rsplit(" AS ", 1)[-1].strip() for c in columns}


@pytest.mark.parametrize("slug", sorted(CYPHER_RECIPES))
def test_every_cypher_recipe_orders_on_every_column(slug) -> None:
    query = CYPHER_RECIPES[slug]
    order = query.rsplit("ORDER BY", 1)[1].split("LIMIT")[0]
    assert returned(query) <= {w.strip().removesuffix(" DESC") for w in order.split(",")}, query
