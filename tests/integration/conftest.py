"""Shared fixtures of the integration tests (real servers, started here or by scripts in the repo).

Bolt test server (marker ``neo4j``): FalkorDB with Bolt, started once per session by
scripts/falkordb.sh on free ports in a temporary directory and stopped at the end. Set
``KG_TEST_BOLT_URI`` to reuse a server that is already running instead (e.g. ``scripts/falkordb.sh
start`` then ``KG_TEST_BOLT_URI=bolt://127.0.0.1:17687``; the ``bolt`` fixture empties that
database before each test, so never point it at data you keep). No test skips when the server is
missing: the fixture fails with the script's output.

Fixtures: ``bolt_server`` (session: URI and dialect), ``bolt_driver`` (module: one neo4j driver),
``bolt`` (that driver on an emptied database), ``corpus_build`` (session: `kg build` of the
bundled corpus, through the real CLI, into a temporary --out directory).
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import neo4j
import pytest

REPO = Path(__file__).resolve().parents[2]
FALKORDB_SH = REPO / "scripts" / "falkordb.sh"


def _free_port(low: int = 20000, high: int = 32767) -> int:
    """A free TCP port in [low, high]: FalkorDB takes its Bolt port as a 16-bit signed number, so
    the kernel's ephemeral range (above 32767) is no use for it."""
    for port in random.Random().sample(range(low, high + 1), 200):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {low}-{high}")


@dataclass(frozen=True)
class BoltServer:
    """A running Bolt server: its URI and the dialect kg must speak to it."""

    uri: str
    dialect: str = "falkordb"


@pytest.fixture(scope="session")
def bolt_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BoltServer]:
    """The Bolt test server for the whole session."""
    reuse = os.environ.get("KG_TEST_BOLT_URI")
    if reuse:
        yield BoltServer(reuse, os.environ.get("KG_TEST_BOLT_DIALECT", "falkordb"))
        return
    bolt = _free_port()
    env = {
        **os.environ,
        "KG_FALKORDB_BOLT_PORT": str(bolt),
        "KG_FALKORDB_PORT": str(_free_port()),
        "KG_FALKORDB_DIR": str(tmp_path_factory.mktemp("falkordb")),
        "KG_PYTHON": sys.executable,
    }
    try:
        started = subprocess.run(["bash", str(FALKORDB_SH), "start"], env=env, capture_output=True, text=True)
        if started.returncode != 0:
            detail = f"{started.stdout}\n{started.stderr}"
            pytest.fail(f"scripts/falkordb.sh start failed:\n{detail}", pytrace=False)
        yield BoltServer(f"bolt://127.0.0.1:{bolt}")
    finally:  # also after a failed start: never leave a half-started server behind
        subprocess.run(["bash", str(FALKORDB_SH), "stop"], env=env, capture_output=True, text=True)


def _bolt_driver(server: BoltServer) -> neo4j.Driver:
    # A short acquisition deadline: FalkorDB ignores the handshake of the first connection after a
    # client hung up (see docs/cypher.md); the driver's managed transactions retry past it.
    return neo4j.GraphDatabase.driver(
        server.uri, auth=None, connection_acquisition_timeout=3.0, max_transaction_retry_time=15.0
    )


@pytest.fixture(scope="module")
def bolt_driver(bolt_server: BoltServer) -> Iterator[neo4j.Driver]:
    """One driver per test module (its pooled connection is reused by every test of the module)."""
    driver = _bolt_driver(bolt_server)
    try:
        yield driver
    finally:
        driver.close()


@pytest.fixture
def bolt(bolt_server: BoltServer, bolt_driver: neo4j.Driver) -> neo4j.Driver:
    """The module's driver on an empty database."""
    bolt_driver.execute_query("MATCH (n) DETACH DELETE n")
    return bolt_driver


@pytest.fixture(scope="session")
def corpus_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`kg build` of the bundled corpus, run once per session through the real CLI; its --out dir."""
    out = tmp_path_factory.mktemp("corpus-build")
    kg = Path(sys.executable).with_name("kg")
    subprocess.run([str(kg), "build", "--out", str(out), "--quiet"], check=True, timeout=1200)
    return out


def wait_js(page: Any, expression: str, timeout_s: float) -> None:
    """Poll a JavaScript expression from Python until it is truthy.

    Not playwright's wait_for_function: that evaluates its predicate with eval() inside the page,
    which our pages' Content-Security-Policy (no 'unsafe-eval') refuses whenever the first check
    is false. page.evaluate goes through the DevTools protocol, which the CSP does not govern.
    """
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout_s} s: {expression}")
        page.wait_for_timeout(50)
