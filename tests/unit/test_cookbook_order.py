"""Every SPARQL cookbook recipe orders on every column it shows: ties are broken the same way by
every engine (kg query, kg serve, Jena over HTTP), so answers compare as lists, and a LIMIT keeps
the same rows."""

from __future__ import annotations

import re

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
