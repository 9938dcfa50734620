"""Fixtures shared by tests/unit and tests/integration.

``sparql_fixture_graph``: the hand-made Graph of tests/fixtures/sparql_graph.py (LoRA, ELECTRA,
MMLU cases, results), built afresh for each test. ``offline``: any socket opened during the test
fails it (the shipped models must load from the package alone). ``load_script``: a script of
scripts/ imported as a module by name (training scripts are tested on tiny slices).

Test modules in tests/integration import helpers with ``from conftest import ...``: that finds
tests/integration/conftest.py, which pytest always imports after this one. A conftest.py in
tests/unit would break that when both directories are named on one command line.
"""

from __future__ import annotations

import importlib.util
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from kg.types import Graph

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def sparql_fixture_graph() -> Graph:
    if str(FIXTURES) not in sys.path:
        sys.path.insert(0, str(FIXTURES))
    import sparql_graph

    return sparql_graph.fixture_graph()


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*_a: object, **_k: object) -> None:
        raise AssertionError("the test touched the network")

    monkeypatch.setattr(socket, "socket", no_network)


@pytest.fixture
def load_script() -> Callable[[str], ModuleType]:
    def load(name: str) -> ModuleType:
        spec = importlib.util.spec_from_file_location(name, FIXTURES.parents[1] / "scripts" / f"{name}.py")
        assert spec and spec.loader
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
        return mod

    return load
