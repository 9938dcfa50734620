"""Shared fixtures of the integration tests (real servers, started here or by scripts in the repo).

Bolt test servers (marker ``neo4j``): every test that takes ``bolt_server`` runs twice, once on
Neo4j 5 Community (scripts/neo4j.sh: in-process, authentication on, dialect ``neo4j``) and once on
FalkorDB with Bolt (scripts/falkordb.sh, dialect ``falkordb``). Each is started once per session on
free ports in a temporary directory and stopped at the end, also when a test or the start failed.
``KG_TEST_BOLT_DIALECTS=neo4j`` (or ``falkordb``) runs one of them only. Set ``KG_TEST_BOLT_URI``
(+ ``KG_TEST_BOLT_DIALECT``, default falkordb, and ``KG_TEST_BOLT_AUTH=user:pass``) to reuse a
running server for that dialect instead; the ``bolt`` fixture empties that database before each
test, so never point it at data you keep. No test skips when a server is missing: the fixture
fails with the script's output.

Fixtures: ``bolt_server`` (session: URI, dialect, credentials), ``bolt_driver`` (module: one neo4j
driver), ``bolt`` (that driver on an emptied database), ``neo4j_factory`` (a Neo4j server of a test's
own), ``corpus_build`` (session: `kg build` of the bundled corpus, through the real CLI, into a
temporary --out directory; :func:`bundled_jsonl` writes a small input of its papers), ``browser``
(module: Debian's headless Chromium through playwright, every remote request recorded and aborted).
:func:`db_counts` counts what a Bolt database holds.
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import neo4j
import pytest

from kg.write.neo4j import Neo4jSettings

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))
from chromium import CHROMIUM, LOCAL, launch  # noqa: E402 - scripts/chromium.py

FALKORDB_SH = REPO / "scripts" / "falkordb.sh"
NEO4J_SH = REPO / "scripts" / "neo4j.sh"
#: The credentials of the Neo4j test server (authentication is on there, as on a real deployment).
NEO4J_TEST_AUTH = ("kg", "kg-test-password")
BOLT_DIALECTS = tuple(d for d in os.environ.get("KG_TEST_BOLT_DIALECTS", "neo4j,falkordb").split(",") if d.strip())


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
    """A running Bolt server: its URI, the dialect kg must speak to it, its credentials."""

    uri: str
    dialect: str = "falkordb"
    user: str | None = None
    password: str | None = None

    @property
    def auth(self) -> tuple[str, str] | None:
        return (self.user or "neo4j", self.password) if self.password is not None else None

    def settings(self, **changes: Any) -> Neo4jSettings:
        """Writer settings for this server (credentials included)."""
        creds = {"user": self.user, "password": self.password} if self.password is not None else {}
        return Neo4jSettings(self.uri, dialect=self.dialect, **{**creds, **changes})  # type: ignore[arg-type]

    def env(self) -> dict[str, str]:
        """The environment `kg push`, `kg build --neo4j` and notebook 03 read this server from."""
        out = {"NEO4J_URI": self.uri, "KG_NEO4J_DIALECT": self.dialect}
        if self.password is not None:
            out |= {"NEO4J_USERNAME": self.user or "neo4j", "NEO4J_PASSWORD": self.password}
        return out


def run_script(script: Path, command: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """scripts/neo4j.sh or scripts/falkordb.sh COMMAND; the test fails with its output on error."""
    done = subprocess.run(["bash", str(script), command], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        pytest.fail(f"{script.name} {command} failed:\n{done.stdout}\n{done.stderr}", pytrace=False)
    return done


def neo4j_env(home: Path, port: int | None = None, auth: tuple[str, str] | None = NEO4J_TEST_AUTH) -> dict[str, str]:
    """The environment of scripts/neo4j.sh for a server under ``home`` on a free port."""
    return {
        **os.environ,
        "KG_NEO4J_BOLT_PORT": str(port or _free_port()),
        "KG_NEO4J_DIR": str(home),
        "KG_NEO4J_AUTH": ":".join(auth) if auth else "",
        "KG_PYTHON": sys.executable,
    }


@contextmanager
def neo4j_server(home: Path, auth: tuple[str, str] | None = NEO4J_TEST_AUTH) -> Iterator[tuple[BoltServer, dict]]:
    """A Neo4j server of its own under ``home`` (and its script environment), stopped on exit."""
    env = neo4j_env(home, auth=auth)
    try:
        run_script(NEO4J_SH, "start", env)
        user, password = auth if auth else (None, None)
        yield BoltServer(f"bolt://127.0.0.1:{env['KG_NEO4J_BOLT_PORT']}", "neo4j", user, password), env
    finally:  # also after a failed start: never leave a half-started server behind
        subprocess.run(["bash", str(NEO4J_SH), "stop"], env=env, capture_output=True, text=True)


@pytest.fixture
def neo4j_factory() -> Any:
    """:func:`neo4j_server` for a test that needs a Neo4j of its own (to stop, kill or import into)."""
    return neo4j_server


@contextmanager
def falkordb_server(home: Path) -> Iterator[BoltServer]:
    bolt = _free_port()
    env = {
        **os.environ,
        "KG_FALKORDB_BOLT_PORT": str(bolt),
        "KG_FALKORDB_PORT": str(_free_port()),
        "KG_FALKORDB_DIR": str(home),
        "KG_PYTHON": sys.executable,
    }
    try:
        run_script(FALKORDB_SH, "start", env)
        yield BoltServer(f"bolt://127.0.0.1:{bolt}")
    finally:  # also after a failed start: never leave a half-started server behind
        subprocess.run(["bash", str(FALKORDB_SH), "stop"], env=env, capture_output=True, text=True)


@pytest.fixture(scope="session", params=BOLT_DIALECTS)
def bolt_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BoltServer]:
    """The Bolt test server of one dialect for the whole session (pytest groups the tests by it)."""
    dialect = request.param
    reuse = os.environ.get("KG_TEST_BOLT_URI")
    if reuse and os.environ.get("KG_TEST_BOLT_DIALECT", "falkordb") == dialect:
        user, _, password = os.environ.get("KG_TEST_BOLT_AUTH", "").partition(":")
        yield BoltServer(reuse, dialect, user or None, password or None)
        return
    if dialect == "neo4j":
        with neo4j_server(tmp_path_factory.mktemp("neo4j")) as (server, _):
            yield server
    elif dialect == "falkordb":
        with falkordb_server(tmp_path_factory.mktemp("falkordb")) as server:
            yield server
    else:
        pytest.fail(f"KG_TEST_BOLT_DIALECTS: unknown dialect {dialect!r} (neo4j, falkordb)", pytrace=False)


def db_counts(driver: neo4j.Driver) -> Counter[str]:
    """Everything the database holds: nodes by their sorted labels (``Benchmark+Dataset+Entity``)
    and relationships by type, Result nodes and their links included."""
    c: Counter[str] = Counter()
    for r in driver.execute_query("MATCH (n) RETURN labels(n) AS l, count(n) AS n").records:
        c["+".join(sorted(r["l"]))] += r["n"]
    for r in driver.execute_query("MATCH ()-[r]->() RETURN type(r) AS t, count(r) AS n").records:
        c[r["t"]] += r["n"]
    return c


def _bolt_driver(server: BoltServer) -> neo4j.Driver:
    # A short acquisition deadline: FalkorDB ignores the handshake of the first connection after a
    # client hung up (see docs/cypher.md); the driver's managed transactions retry past it.
    return neo4j.GraphDatabase.driver(
        server.uri, auth=server.auth, connection_acquisition_timeout=3.0, max_transaction_retry_time=15.0
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


def bundled_jsonl(path: Path, n: int, bad_line: str) -> Path:
    """Write the first ``n`` distinct papers of the bundled corpus to ``path`` as JSONL (id, title,
    abstract), then ``bad_line`` (a record kg build must reject); return ``path``."""
    import json

    import loaders
    from kg.types import Paper

    rows, seen = [], set()
    for rec in loaders.load(loaders.bundled_corpus()):
        if isinstance(rec, Paper) and rec.id not in seen:
            seen.add(rec.id)
            rows.append(json.dumps({"id": rec.id, "title": rec.title, "abstract": rec.abstract}))
        if len(rows) == n:
            break
    path.write_text("\n".join(rows) + f"\n{bad_line}\n", encoding="utf-8")
    return path


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




class Browser:
    """One Chromium with a fresh profile; ``remote`` lists every non-local request it tried."""

    def __init__(self, context) -> None:  # noqa: ANN001 - playwright's BrowserContext
        self.context = context
        self.remote: list[str] = []
        context.route("**/*", self._route)

    def _route(self, route) -> None:  # noqa: ANN001
        url = route.request.url
        if url.startswith(LOCAL):
            route.continue_()
        else:
            self.remote.append(url)
            route.abort()

    def open(self, path: Path, timeout_s: float = 60, fragment: str = ""):  # noqa: ANN201
        page = self.context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.errors = errors  # type: ignore[attr-defined]
        page.goto(path.resolve().as_uri() + fragment)
        wait_js(page, "window.kgReady === true", timeout_s)
        return page


# Module scope, not session: an open sync_playwright keeps its event loop running in this thread, and
# test_sparql_page.py starts its own.
@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/chromium.sh")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = launch(p, tmp_path_factory.mktemp("chromium-profile"), viewport={"width": 1400, "height": 900})
        try:
            yield Browser(context)
        finally:
            context.close()
