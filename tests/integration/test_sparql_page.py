"""The query page of `kg serve` in headless Chromium (scripts/chromium.sh): it runs a cookbook example,
draws the table, shows a hostile paper title as text, and asks nothing of any other host."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures"))
import served  # noqa: E402
from chromium import CHROMIUM, launch  # noqa: E402 - scripts/chromium.py, on sys.path by conftest
from conftest import wait_js  # noqa: E402

pytestmark = [pytest.mark.sparql, pytest.mark.browser]



@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[served.LiveServer]:
    s = served.LiveServer(served.build_fixture(tmp_path_factory.mktemp("page")))
    yield s
    s.stop()


@pytest.fixture(scope="module")
def page_env(server, tmp_path_factory):
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/chromium.sh")
    from playwright.sync_api import sync_playwright

    foreign: list[str] = []

    def route(r):  # noqa: ANN001 - playwright's Route
        if r.request.url.startswith(server.url + "/"):
            r.continue_()
        else:
            foreign.append(r.request.url)
            r.abort()

    with sync_playwright() as p:
        context = launch(p, tmp_path_factory.mktemp("chromium-profile"))
        context.route("**/*", route)
        try:
            yield context, foreign
        finally:
            context.close()


def test_cookbook_example_runs_and_hostile_text_stays_text(server, page_env):
    context, foreign = page_env
    page = context.new_page()
    dialogs: list[str] = []
    errors: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server.url + "/")
    wait_js(page, "document.querySelectorAll('#examples option').length > 10", 30)
    page.select_option("#examples", "improves-on-lora")
    assert "mlkg:improvesOn" in page.input_value("#query")
    page.click("#run")
    page.wait_for_selector("#results table tbody tr", timeout=30_000)
    cells = page.eval_on_selector_all("#results td", "tds => tds.map(td => td.textContent)")
    assert {"DoRA", "SVFit", "Fira", "A Study of Adapter Placement <script>alert(1)</script>"} <= set(cells)
    assert "4 results" in page.text_content("#status")
    assert page.evaluate("document.querySelectorAll('script').length") == 1  # only /assets/app.js
    assert dialogs == [] and errors == [] and foreign == []


def test_errors_show_the_parser_message(server, page_env):
    context, foreign = page_env
    page = context.new_page()
    page.goto(server.url + "/")
    page.fill("#query", "SELECT ?x WHERE {")
    page.click("#run")
    page.wait_for_selector("#results pre.error", timeout=30_000)
    assert "syntax error" in page.text_content("#results pre.error")
    assert "HTTP 400" in page.text_content("#status")
    assert foreign == []
