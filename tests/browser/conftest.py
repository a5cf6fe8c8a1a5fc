"""Fixtures for real-browser tests: a live ``kuvert serve`` with the demo data, and
Debian's Chromium driven by Playwright.

The package is skipped when /usr/bin/chromium is missing, except on CI (``CI=true``),
where the tests fail instead: CI must run them.
"""

from __future__ import annotations

import json
import os
import subprocess
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    sync_playwright,
)
from playwright.sync_api import Error as PlaywrightError

from bench.serving import KUVERT, KuvertServer
from bench.story import CHROMIUM, CHROMIUM_ARGS

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
ARTIFACTS = HERE / "artifacts"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "kuvert-demo"
LOCALE = "da-DK"
TIMEOUT_MS = 10_000  # any single browser action; the app answers in milliseconds

ON_CI = os.environ.get("CI", "").lower() == "true"
NO_CHROMIUM = f"{CHROMIUM} is missing: install Debian's chromium to run the browser tests"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip this package without Chromium; on CI let the tests fail instead (see ``browser``)."""
    if CHROMIUM.exists() or ON_CI:
        return
    skip = pytest.mark.skip(reason=NO_CHROMIUM)
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(skip)


# --- the live server ---------------------------------------------------------------------


# No proxy: a developer's http_proxy must not swallow requests to 127.0.0.1.
_direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))


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


LiveApi = Callable[[str, str, Any], Any]


@pytest.fixture(scope="session")
def live_api(request: pytest.FixtureRequest, live_server: str) -> LiveApi:
    """``live_api(method, path, body)``: the live server's JSON API with the demo team's
    write token; returns the decoded answer."""
    token = request.config.stash[_LIVE_TOKEN].read_text().strip()

    def call(method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        sent = urllib.request.Request(live_server + path, data=data, method=method, headers={
            "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        with _direct.open(sent, timeout=10) as answer:
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


@dataclass
class ConsoleLog:
    """What the page said on its console, and the errors it raised."""

    messages: list[ConsoleMessage] = field(default_factory=list)
    page_errors: list[PlaywrightError] = field(default_factory=list)

    def record_message(self, message: ConsoleMessage) -> None:
        self.messages.append(message)

    def record_error(self, error: PlaywrightError) -> None:
        self.page_errors.append(error)

    def errors(self) -> list[str]:
        """Console errors (CSP violations among them) and uncaught exceptions, readable."""
        lines = [f"console.{m.type}: {m.text} ({m.location.get('url', '')})"
                 for m in self.messages if m.type == "error"]
        return lines + [f"pageerror: {e.message}" for e in self.page_errors]

    def csp_violations(self) -> list[str]:
        return [m.text for m in self.messages
                if m.text.startswith(CSP_PREFIX) or "Content Security Policy" in m.text]


# Chromium words its own CSP console messages differently between versions; the DOM
# event does not change, so every violation is also reported under a fixed prefix.
CSP_PREFIX = "securitypolicyviolation:"
REPORT_CSP_VIOLATIONS = (
    'document.addEventListener("securitypolicyviolation", (e) => console.error('
    f'"{CSP_PREFIX} " + e.effectiveDirective + " blocked " + (e.blockedURI || "inline")'
    ' + " at " + e.sourceFile + ":" + e.lineNumber));'
)


def _open(browser: Browser, base_url: str, log: ConsoleLog,
          **options: Any) -> tuple[BrowserContext, Page]:
    """A new context and its page, listened to before it loads anything."""
    context = browser.new_context(base_url=base_url, locale=LOCALE, **options)
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    page = context.new_page()
    page.on("console", log.record_message)
    page.on("pageerror", log.record_error)
    return context, page


@pytest.fixture
def console() -> ConsoleLog:
    """The console of ``page`` (and ``logged_in_page``), recorded from the first request."""
    return ConsoleLog()


@pytest.fixture
def page(browser: Browser, live_server: str, console: ConsoleLog) -> Iterator[Page]:
    """A fresh context (no cookies, locale da-DK) with the app's CSP enforced."""
    context, fresh = _open(browser, live_server, console)
    yield fresh
    context.close()


@pytest.fixture
def axe_page(browser: Browser, live_server: str) -> Iterator[Page]:
    """Like ``page`` but with ``bypass_csp``: axe-core is injected as a script."""
    context, fresh = _open(browser, live_server, ConsoleLog(), bypass_csp=True)
    yield fresh
    context.close()


def log_in(page: Page, username: str = DEMO_USERNAME, password: str = DEMO_PASSWORD) -> None:
    """Fill in and send the real login form, as a user would."""
    page.goto("/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    page.get_by_role("button", name="Log ind").click()


@pytest.fixture
def logged_in_page(page: Page) -> Page:
    """``page`` after logging in as the demo user through /login; it shows /cases."""
    log_in(page)
    page.wait_for_url("**/cases")
    return page


# --- artefacts and accessibility -----------------------------------------------------------


def artifact_path(name: str) -> Path:
    """Where a test artefact goes: tests/browser/artifacts/ (ignored by git)."""
    ARTIFACTS.mkdir(exist_ok=True)
    ignore = ARTIFACTS / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n!.gitignore\n")
    return ARTIFACTS / name


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable[[Page, str], Path]:
    """``screenshot(page, "name")`` saves a full-page PNG as an artefact and returns its path."""

    def save(page: Page, name: str) -> Path:
        path = artifact_path(f"{request.node.name}-{name}.png".replace("/", "_"))
        page.screenshot(path=path, full_page=True)
        return path

    return save


BLOCKING_IMPACTS = ("serious", "critical")


def axe(page: Page) -> list[dict[str, Any]]:
    """Run axe-core on the page as it is now; returns its violations (all impacts).

    The page's context needs ``bypass_csp=True`` (``axe_page``): the app's CSP allows
    only its own scripts.
    """
    if not AXE.exists():
        message = f"{AXE} is missing: run `npm ci` (make test does)"
        if ON_CI:
            pytest.fail(message)
        pytest.skip(message)
    page.add_script_tag(path=AXE)
    violations: list[dict[str, Any]] = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return violations


def blocking(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The violations that fail a test: impact serious or critical."""
    return [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]


def describe(violations: list[dict[str, Any]]) -> str:
    """Violations as readable text: rule, impact, help, and each offending element."""
    lines = []
    for v in violations:
        lines.append(f"[{v.get('impact')}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node['html'][:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", " / ")
            if summary:
                lines.append(f"      {summary}")
    return "\n".join(lines)
