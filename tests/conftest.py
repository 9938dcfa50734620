"""Fixtures shared by tests/unit and tests/integration.

``sparql_fixture_graph``: the hand-made Graph of tests/fixtures/sparql_graph.py (LoRA, ELECTRA,
MMLU cases, results), built afresh for each test.

Test modules in tests/integration import helpers with ``from conftest import ...``: that finds
tests/integration/conftest.py, which pytest always imports after this one. A conftest.py in
tests/unit would break that when both directories are named on one command line.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from kg.types import Graph

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def sparql_fixture_graph() -> Graph:
    if str(FIXTURES) not in sys.path:
        sys.path.insert(0, str(FIXTURES))
    import sparql_graph

    return sparql_graph.fixture_graph()
