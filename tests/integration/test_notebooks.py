"""Every notebook runs headless (nbclient, a python3 kernel) without an error, and is committed with
its outputs stripped. 01 builds the bundled corpus into a shared directory (KG_OUT) that 02 and 03
reuse; 03 pushes to the Bolt test server that tests/integration/conftest.py starts."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
ALL = sorted(NOTEBOOKS.glob("*.ipynb"))


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("nb-build")


def _run(name: str, monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> nbformat.NotebookNode:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = NotebookClient(
        nb,
        timeout=900,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute()  # raises CellExecutionError on the first failing cell
    return nb


def _text(nb: nbformat.NotebookNode) -> str:
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            parts.append(out.get("text", ""))
            parts.extend(str(v) for v in out.get("data", {}).values())
    return "\n".join(parts)


def test_notebooks_exist_and_are_stripped() -> None:
    assert [p.name for p in ALL] == ["01_build_and_explore.ipynb", "02_sparql.ipynb", "03_cypher.ipynb"]
    for path in ALL:
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert cell["outputs"] == [] and cell["execution_count"] is None, path.name
        # Notebooks are demos: they import kg and define nothing of their own.
        code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
        assert not re.search(r"^\s*(def|class|lambda)\b", code, re.M), path.name


@pytest.mark.slow
def test_01_build_and_explore(out_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nb = _run("01_build_and_explore.ipynb", monkeypatch, {"KG_OUT": str(out_dir)})
    text = _text(nb)
    assert (out_dir / "graph.json").is_file() and (out_dir / "graph.html").is_file()
    assert "Most-evaluated benchmarks" in text and "Top models/methods by PageRank" in text
    assert text.count("<iframe srcdoc=") == 2


@pytest.mark.slow
def test_02_sparql(out_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kg.serve.cookbook import RECIPES

    nb = _run("02_sparql.ipynb", monkeypatch, {"KG_OUT": str(out_dir)})
    text = _text(nb)
    for r in RECIPES:
        assert r.question in text
    assert "improves on" in text and "'Method'" in text


@pytest.mark.slow
@pytest.mark.neo4j
def test_03_cypher(out_dir: Path, monkeypatch: pytest.MonkeyPatch, bolt_server) -> None:  # noqa: ANN001
    nb = _run(
        "03_cypher.ipynb",
        monkeypatch,
        {"KG_OUT": str(out_dir), **bolt_server.env()},
    )
    text = _text(nb)
    assert "improves-on-lora  (" in text and "entities-by-type  (" in text
    assert "entities-by-type  (0 rows)" not in text
