"""Real-browser tests' shared pieces: Debian's Chromium and its flags, the demo login,
pages opened with their console recorded, artefacts, and axe-core checks."""

from __future__ import annotations

import json
import os
import secrets
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect
from playwright.sync_api import Error as PlaywrightError

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "browser" / "artifacts"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"

#: Debian's Chromium and its flags, for the browser tests and the meeting benchmark.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "kuvert-demo"
LOCALE = "da-DK"
TIMEOUT_MS = 10_000  # any single browser action; the app answers in milliseconds

ON_CI = os.environ.get("CI", "").lower() == "true"
NO_CHROMIUM = f"{CHROMIUM} is missing: install Debian's chromium to run the browser tests"


# No proxy: a developer's http_proxy must not swallow requests to 127.0.0.1.
direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))


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


def open_context(browser: Browser, base_url: str, log: ConsoleLog,
          **options: Any) -> tuple[BrowserContext, Page]:
    """A new context and its page, listened to before it loads anything."""
    context = browser.new_context(base_url=base_url, locale=LOCALE, **options)
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    page = context.new_page()
    page.on("console", log.record_message)
    page.on("pageerror", log.record_error)
    return context, page


#: ``live_api(method, path, body)`` (tests/browser/conftest.py): the live server's JSON API.
LiveApi = Callable[[str, str, Any], Any]


def log_in(page: Page, username: str = DEMO_USERNAME, password: str = DEMO_PASSWORD) -> None:
    """Fill in and send the real login form, as a user would."""
    page.goto("/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    page.get_by_role("button", name="Log ind").click()


def artifact_path(name: str) -> Path:
    """Where a test artefact goes: tests/browser/artifacts/ (ignored by git)."""
    ARTIFACTS.mkdir(exist_ok=True)
    ignore = ARTIFACTS / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n!.gitignore\n")
    return ARTIFACTS / name


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


# --- a case page shared by two people (the shared-editing and envelope tests) -----------------

SHARED_COLLEAGUE, SHARED_COLLEAGUE_PASSWORD = "kollega2", "kollega-kuvert-demo"
SETTLE_MS = 10_000


@dataclass
class Shared:
    """A live server with the demo data and a second editor in the demo team."""

    base: str
    token: str
    backend: str


def shared_api(shared: Shared, method: str, path: str, body: object | None = None,
        if_match: int | None = None) -> Any:
    headers = {"Authorization": f"Bearer {shared.token}", "Content-Type": "application/json"}
    if if_match is not None:
        headers["If-Match"] = f'"{if_match}"'
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(shared.base + path, data=data, headers=headers,
                                     method=method)
    with direct.open(request, timeout=10) as response:
        return json.loads(response.read() or b"{}")


def server_version(shared: Shared, case_id: int) -> int:
    return int(shared_api(shared, "GET", f"/api/v1/cases/{case_id}")["version"])


def open_as(browser: Browser, shared: Shared, username: str, password: str,
            **options: Any) -> tuple[BrowserContext, Page]:
    context, page = open_context(browser, shared.base, ConsoleLog(), **options)
    log_in(page, username, password)
    page.wait_for_url("**/cases")
    return context, page


def make_case(shared: Shared, actors: int = 3) -> int:
    """A case through the API: the citizen, ``actors`` professionals, one coupling."""
    doc = {"label": f"Fælles {secrets.token_hex(3)}", "target_group": "voksne",
           "actors": [{"key": "borger", "kind": "citizen", "label": "Borgeren"}]
           + [{"key": f"a{n}", "kind": "professional", "label": f"Fagperson {n}"}
              for n in range(1, actors + 1)],
           "couplings": [{"source": "a1", "target": "a2", "state": "needed"}]
           if actors >= 2 else []}
    created = shared_api(shared, "POST", "/api/v1/cases", doc)
    return int(created["id"])


def settle(page: Page, version: int) -> None:
    """Wait until the page has no request on its way and shows ``version``."""
    page.wait_for_function("() => window.kuvertIdle && window.kuvertIdle()",
                           timeout=SETTLE_MS)
    expect(page.locator("#case-version")).to_have_text(str(version), timeout=SETTLE_MS)
    page.wait_for_function("() => window.kuvertIdle()", timeout=SETTLE_MS)
