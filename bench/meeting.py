"""Measure the meeting (issue 12, item 5): the Lene story mapped on the envelope alone,
in Chromium, at 1536×864, as a person would (``tests/helpers/story.py``'s steps, which
the browser test tests/browser/test_envelope_actions.py takes too).

Run alone: ``.venv/bin/python -m bench.meeting``; ``make bench`` runs it too and writes
the figures into docs/performance.md. Against a real ``kuvert serve`` on SQLite with the
demo data, in Debian's Chromium (/usr/bin/chromium) driven by Playwright.

Reported: interactions (clicks/taps + fields filled + keys), the run's wall time (the
machine's, not a person's: no thinking, no typing speed), click-to-updated-envelope
latency (from the press, pointer or key, to the frame after the new envelope is in the
page; a drag from its release; measured inside the page), and whether anything scrolled.
Targets: ≤ 40 interactions, no scrolling, latency p95 ≤ 200 ms.
"""

from __future__ import annotations

import secrets
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.serving import demo_database, kuvert_serve
from tests.helpers import story
from tests.helpers.browser import CHROMIUM, CHROMIUM_ARGS

TARGET_INTERACTIONS = 40
TARGET_P95_MS = 200.0
MARGIN = 1.2
RUNS = 3  # the story on three new cases: 45 changes to take the latency's p95 over


@dataclass
class Meeting:
    runs: int
    clicks: int
    fields: int
    keys: int
    seconds: float  # the median run's
    latencies_ms: list[float]
    request_ms: list[float]  # each change's request alone (sent → answer read)
    scrolls: int
    max_scroll_px: float
    page_taller_than_screen: bool

    @property
    def interactions(self) -> int:
        return self.clicks + self.fields + self.keys

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.latencies_ms)

    @property
    def p95_ms(self) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]

    @property
    def request_p50_ms(self) -> float:
        return statistics.median(self.request_ms) if self.request_ms else float("nan")

    @property
    def latency_verdict(self) -> str:
        """Met only with a 20 % margin, as every time target of the bench."""
        if self.p95_ms * MARGIN <= TARGET_P95_MS:
            return "met (with ≥ 20 % margin)"
        if self.p95_ms <= TARGET_P95_MS:
            return "**met without the 20 % margin**"
        return "**not met**"

    @property
    def scrolled(self) -> bool:
        return self.scrolls > 0 or self.max_scroll_px > 0


def _map_once(browser: Browser, base: str, api: httpx.Client) -> tuple[story.Count, float,
                                                                        dict[str, Any], bool]:
    """One new case with only Lene, mapped in a new browser context; checks the result."""
    created = api.post("/api/v1/cases", json={
        "label": f"Lene, 45 ({secrets.token_hex(2)})", "target_group": "voksne",
        "actors": [{"key": "lene", "kind": "citizen", "label": "Lene"}]})
    created.raise_for_status()
    case_id = created.json()["id"]

    def stored() -> dict[str, Any]:
        answer = api.get(f"/api/v1/cases/{case_id}/graph")
        answer.raise_for_status()
        found: dict[str, Any] = answer.json()
        return found

    context = browser.new_context(base_url=base, locale="da-DK", viewport=story.VIEWPORT)
    context.set_default_timeout(story.SETTLE_MS)
    context.add_init_script(story.MEASURE_SCRIPT)
    page = context.new_page()
    page.goto("/login")
    page.locator("#username").fill("demo")
    page.locator("#password").fill("kuvert-demo")
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url("**/cases")
    page.goto(f"/cases/{case_id}")
    page.wait_for_function("() => document.querySelector('#envelope svg')?.dataset.tools")
    start = time.perf_counter()
    n = story.map_lene(page, stored)
    seconds = time.perf_counter() - start
    seen = story.measured(page)
    taller = bool(page.evaluate("() => document.scrollingElement.scrollHeight > innerHeight"
                                " || document.scrollingElement.scrollWidth > innerWidth"))
    context.close()
    doc = stored()
    if {a["key"]: (a.get("panel"), a.get("organisation"))
            for a in doc["actors"]} != story.LENE_ACTORS or \
            doc["couplings"] != story.LENE_COUPLINGS:
        raise RuntimeError(f"the story did not end in the expected document: {doc}")
    return n, seconds, seen, taller


def main(runs: int = RUNS) -> Meeting:
    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} is missing: install Debian's chromium")
    done = []
    with demo_database("sqlite") as demo, kuvert_serve(demo.url) as base, \
            httpx.Client(base_url=base, timeout=30, trust_env=False,
                         headers={"Authorization": f"Bearer {demo.token}"}) as api, \
            sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                    args=CHROMIUM_ARGS)
        try:
            for _ in range(runs):
                done.append(_map_once(browser, base, api))
        finally:
            browser.close()
    counts = {(n.clicks, n.fields, n.keys) for n, *_ in done}
    if len(counts) != 1:
        raise RuntimeError(f"the runs counted differently: {counts}")
    n = done[0][0]
    result = Meeting(
        runs, n.clicks, n.fields, n.keys, statistics.median(s for _, s, _, _ in done),
        [ms for _, _, seen, _ in done for ms in seen["latencies"]],
        [ms for _, _, seen, _ in done for ms in seen["requests"] if ms is not None],
        sum(seen["scrolls"] for _, _, seen, _ in done),
        max(seen["maxScroll"] for _, _, seen, _ in done), any(t for *_, t in done))
    print(f"Lene story ×{runs}: {result.interactions} interactions ({result.clicks} clicks, "
          f"{result.fields} fields, {result.keys} keys), {result.seconds:.1f} s a run; "
          f"click to updated envelope p50 {result.p50_ms:.0f} ms, p95 {result.p95_ms:.0f} ms "
          f"over {len(result.latencies_ms)} changes (the request alone: p50 "
          f"{result.request_p50_ms:.0f} ms); scrolled: {result.scrolled}")
    return result


if __name__ == "__main__":
    main()
