"""Fixtures for real-browser tests: a live ``kuvert serve`` with the demo data, and
Debian's Chromium driven by Playwright.

The package is skipped when /usr/bin/chromium is missing, except on CI (``CI=true``),
where the tests fail instead: CI must run them.
"""

from __future__ import annotations

import json
import subprocess
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from tests.helpers.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    NO_CHROMIUM,
    ON_CI,
    ROOT,
    SHARED_COLLEAGUE,
    SHARED_COLLEAGUE_PASSWORD,
    ConsoleLog,
    LiveApi,
    Shared,
    artifact_path,
    direct,
    log_in,
    open_context,
)
from tests.helpers.database import backends, empty_database
from tests.helpers.server import KUVERT, KuvertServer

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip this package without Chromium; on CI let the tests fail instead (see ``browser``)."""
    if CHROMIUM.exists() or ON_CI:
        return
    skip = pytest.mark.skip(reason=NO_CHROMIUM)
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(skip)


# --- the live server ---------------------------------------------------------------------


_LIVE_TOKEN = pytest.StashKey[Path]()


@pytest.fixture(scope="session")
def live_server(request: pytest.FixtureRequest,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``kuvert serve`` on a free port over a fresh SQLite database with the demo data.

    Yields the base URL, e.g. ``http://127.0.0.1:41234``.
    """
    tmp = tmp_path_factory.mktemp("live")
    request.config.stash[_LIVE_TOKEN] = tmp / "token.txt"
    server = KuvertServer(f"sqlite:///{tmp / 'kuvert.db'}", log=tmp / "server.log",
                          settings={"KUVERT_DEMO_TOKEN_FILE": str(tmp / "token.txt"),
                                    "KUVERT_ENVIRONMENT": "development"})
    for command in ("migrate", "demo"):
        done = subprocess.run([str(KUVERT), command], env=server.env, cwd=ROOT,
                              capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            pytest.fail(f"kuvert {command} failed ({done.returncode}):\n"
                        f"{done.stdout}\n{done.stderr}")
    with server:
        yield server.base


@pytest.fixture(scope="module", params=backends())
def shared(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shared]:
    """A live server with the demo data and a second editor in the demo team."""
    tmp = tmp_path_factory.mktemp(f"shared-{request.param}")
    with empty_database(request.param, tmp) as url:
        server = KuvertServer(url, log=tmp / "server.log",
                              settings={"KUVERT_DEMO_TOKEN_FILE": str(tmp / "token.txt"),
                                        "KUVERT_ENVIRONMENT": "development"})
        for command in (["migrate"], ["demo"],
                        ["user", "create", "--team", "demo", "--username", SHARED_COLLEAGUE,
                         "--password", SHARED_COLLEAGUE_PASSWORD, "--role", "editor"]):
            done = subprocess.run([str(KUVERT), *command], env=server.env, cwd=ROOT,
                                  capture_output=True, text=True, timeout=120, check=False)
            assert done.returncode == 0, f"{command}: {done.stdout}\n{done.stderr}"
        with server:
            yield Shared(server.base, (tmp / "token.txt").read_text().strip(),
                         request.param)


@pytest.fixture(scope="session")
def live_api(request: pytest.FixtureRequest, live_server: str) -> LiveApi:
    """``live_api(method, path, body)``: the live server's JSON API with the demo team's
    write token; returns the decoded answer."""
    token = request.config.stash[_LIVE_TOKEN].read_text().strip()

    def call(method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        sent = urllib.request.Request(live_server + path, data=data, method=method, headers={
            "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        with direct.open(sent, timeout=10) as answer:
            return json.loads(answer.read() or b"{}")

    return call


# --- the browser -------------------------------------------------------------------------


# Package scope, not session: while Playwright's sync API is open, an asyncio loop counts
# as running in the main thread, and every later asyncio.run() in the session would fail.
@pytest.fixture(scope="package")
def playwright_session() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="package")
def browser(playwright_session: Playwright) -> Iterator[Browser]:
    """Headless Debian Chromium, one for all the browser tests."""
    if not CHROMIUM.exists():  # only reached on CI: the package is skipped elsewhere
        pytest.fail(f"CI=true and {NO_CHROMIUM}")
    chromium = playwright_session.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS, timeout=30_000)
    yield chromium
    chromium.close()


@pytest.fixture
def console() -> ConsoleLog:
    """The console of ``page`` (and ``logged_in_page``), recorded from the first request."""
    return ConsoleLog()


@pytest.fixture
def page(browser: Browser, live_server: str, console: ConsoleLog) -> Iterator[Page]:
    """A fresh context (no cookies, locale da-DK) with the app's CSP enforced."""
    context, fresh = open_context(browser, live_server, console)
    yield fresh
    context.close()


@pytest.fixture
def axe_page(browser: Browser, live_server: str) -> Iterator[Page]:
    """Like ``page`` but with ``bypass_csp``: axe-core is injected as a script."""
    context, fresh = open_context(browser, live_server, ConsoleLog(), bypass_csp=True)
    yield fresh
    context.close()


@pytest.fixture
def logged_in_page(page: Page) -> Page:
    """``page`` after logging in as the demo user through /login; it shows /cases."""
    log_in(page)
    page.wait_for_url("**/cases")
    return page


# --- artefacts and accessibility -----------------------------------------------------------


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable[[Page, str], Path]:
    """``screenshot(page, "name")`` saves a full-page PNG as an artefact and returns its path."""

    def save(page: Page, name: str) -> Path:
        path = artifact_path(f"{request.node.name}-{name}.png".replace("/", "_"))
        page.screenshot(path=path, full_page=True)
        return path

    return save


