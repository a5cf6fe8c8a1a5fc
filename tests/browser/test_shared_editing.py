"""Two people on one case page at once, in real browsers (issue 11).

* 20 rounds of simultaneous conflicting edits (coordinator, coupling state, an actor's
  fields, adding an actor of the same name), with the answers to the saves delayed and
  reordered behind the live refresh, and not: every refused change is shown to its
  author at the end of the round (none silently lost), no form shows a value the server
  does not hold, and no stale form adds a duplicate.
* Keyboard only: three actors in a row, the focus back in the empty name field.
* The page is exactly as tall as its content (case page and meeting mode).
* Mouse-wheel notches needed to add 10 actors at 1536×864 (target 0).

Each test module's server runs on SQLite, and on PostgreSQL too when
KUVERT_TEST_POSTGRES_URL is set. The figures go to tests/browser/artifacts/.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from tests.helpers.browser import (
    DEMO_PASSWORD,
    SETTLE_MS,
    SHARED_COLLEAGUE,
    SHARED_COLLEAGUE_PASSWORD,
    Shared,
    artifact_path,
    make_case,
    open_as,
    server_version,
    settle,
    shared_api,
)

COLLEAGUE, COLLEAGUE_PASSWORD = SHARED_COLLEAGUE, SHARED_COLLEAGUE_PASSWORD
ROUNDS = 20
DELAY_MS = 400
VIEWPORT = {"width": 1536, "height": 864}


# --- 1. simultaneous conflicting edits -------------------------------------------------------


@dataclass
class Figures:
    rounds: int = 0
    refused: int = 0
    shown: int = 0
    lost: int = 0
    stale_values: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)


class Holder:
    """Holds the answers to the pages' saves while ``on``, to hand them over later,
    in any order: the live refresh arrives first, as it did in the issue."""

    def __init__(self) -> None:
        self.on = False
        self.held: list[tuple[Route, Any]] = []

    def route(self, route: Route) -> None:
        if not self.on or route.request.method != "POST":
            route.continue_()
            return
        # A fresh connection for each held save: Playwright's own client reusing an idle
        # keep-alive socket just as the server closes it would be a test artefact.
        headers = {**route.request.headers, "connection": "close"}
        self.held.append((route, route.fetch(headers=headers)))

    def release(self, reverse: bool) -> None:
        held, self.held = self.held, []
        for route, response in (reversed(held) if reverse else held):
            route.fulfill(response=response)


def _details(page: Page, key: str) -> Any:
    return page.locator(f'#actors details[data-key="{key}"]')


def _prepare(kind: str, page: Page, who: str, n: int, doc: dict[str, Any]) -> str:
    """Fill in one page's side of round ``n``; returns the value it tries."""
    others = [a["key"] for a in doc["actors"] if a["kind"] != "citizen"]
    if kind == "coordinator":
        choices = [k for k in others if k != doc.get("coordinator")]
        value = choices[0] if who == "a" else choices[1]
        page.locator("#coordinator").select_option(value)
        return value
    if kind == "state":
        current = next(c["state"] for c in doc["couplings"] if c["source"] == "a1")
        choices = [s for s in ("needed", "established", "weak", "strained") if s != current]
        row = page.locator('#couplings tr[data-source="a1"]')
        if not row.locator("details").evaluate("(d) => d.open"):
            row.locator("summary").click()
        return choices[0] if who == "a" else choices[1]
    if kind == "fields":
        details = _details(page, "a2")
        if not details.evaluate("(d) => d.open"):
            details.locator("summary").click()
        value = f"{who}-{n}"
        details.locator("input[name=contact]").fill(value)
        return value
    value = f"Psykolog {n}"
    page.locator("#actor-label").fill(value)
    return value


def _send(kind: str, page: Page, value: str) -> None:
    if kind == "coordinator":
        page.get_by_role("button", name="Udpeg koordinator").click()
    elif kind == "state":
        page.locator(f'#couplings tr[data-source="a1"] button[value="{value}"]').click()
    elif kind == "fields":
        _details(page, "a2").get_by_role("button", name="Gem ændringer").click()
    else:
        page.get_by_role("button", name="Tilføj aktør").click()


def _holds(kind: str, page: Page, doc: dict[str, Any], mine: str) -> bool:
    """Whether the page's form shows the server's value (or, pending, the person's own)."""
    if kind == "coordinator":
        return page.locator("#coordinator").input_value() == (doc.get("coordinator") or "")
    if kind == "state":
        state = next(c["state"] for c in doc["couplings"] if c["source"] == "a1")
        row = page.locator('#couplings tr[data-source="a1"]')
        return (row.locator("[data-state]").get_attribute("data-state") == state
                and row.locator('button[aria-pressed="true"]').get_attribute("value") == state)
    if kind == "fields":
        contact = next(a.get("contact", "") for a in doc["actors"] if a["key"] == "a2")
        return _details(page, "a2").locator("input[name=contact]").input_value() == contact
    return page.locator("#actor-label").input_value() == ""


KINDS = ("coordinator", "state", "fields", "add")


def run_rounds(shared: Shared, a: Page, b: Page, holders: list[Holder],
               delayed: bool) -> Figures:
    figures = Figures()
    case_id = make_case(shared)
    for page in (a, b):
        page.goto(f"/cases/{case_id}")
        settle(page, server_version(shared, case_id))
    users = {"a": "user:demo", "b": f"user:{COLLEAGUE}"}
    for n in range(ROUNDS):
        kind = KINDS[n % len(KINDS)]
        start = server_version(shared, case_id)
        doc = shared_api(shared, "GET", f"/api/v1/cases/{case_id}/graph")
        tried = {who: _prepare(kind, page, who, n, doc) for who, page in (("a", a), ("b", b))}
        for holder in holders:
            holder.on = delayed
        _send(kind, a, tried["a"])
        _send(kind, b, tried["b"])
        if delayed:
            # Both saves answered by the server, held; the live refresh comes first.
            for _ in range(100):
                if sum(len(h.held) for h in holders) >= 2:
                    break
                a.wait_for_timeout(20)
            a.wait_for_timeout(DELAY_MS)
            for holder in holders:
                holder.on = False
            for holder in (reversed(holders) if n % 2 else holders):
                holder.release(reverse=bool(n % 2))
        for _ in range(200):  # at least one of the two is saved
            if server_version(shared, case_id) > start:
                break
            a.wait_for_timeout(25)
        for page in (a, b):
            page.wait_for_function("() => window.kuvertIdle()", timeout=SETTLE_MS)
        version = server_version(shared, case_id)
        for page in (a, b):
            settle(page, version)
        a.wait_for_timeout(300)  # any late live refresh has landed too
        for page in (a, b):
            settle(page, server_version(shared, case_id))
        events = [e for e in shared_api(shared, "GET", f"/api/v1/cases/{case_id}/history")["events"]
                  if e["version"] > start]
        figures.rounds += 1
        for who, page in (("a", a), ("b", b)):
            saved = any(e["by"] == users[who] for e in events)
            if saved:
                continue
            figures.refused += 1
            conflict = page.locator("#conflict")
            if conflict.count() and conflict.is_visible():
                figures.shown += 1
                # The author acts: repeats the change now and then, else discards it.
                if n % 5 == 2 and kind != "add":
                    before = server_version(shared, case_id)
                    page.get_by_role("button", name="Gentag min ændring").click()
                    settle(page, before + 1)
                else:
                    page.get_by_role("link", name="Kassér").click()
                    expect(conflict).to_have_count(0)
            else:
                figures.lost += 1
        version = server_version(shared, case_id)
        doc = shared_api(shared, "GET", f"/api/v1/cases/{case_id}/graph")
        for who, page in (("a", a), ("b", b)):
            settle(page, version)
            if not _holds(kind, page, doc, tried[who]):
                figures.stale_values.append(f"round {n} {kind} page {who}")
    graph = shared_api(shared, "GET", f"/api/v1/cases/{case_id}/graph")
    labels = [x["label"] for x in graph["actors"]]
    figures.duplicates = sorted({x for x in labels if labels.count(x) > 1})
    return figures


@pytest.mark.parametrize("delayed", [False, True], ids=["immediate", "delayed"])
def test_simultaneous_conflicting_edits_are_never_lost(
        browser: Browser, shared: Shared, delayed: bool) -> None:
    context_a, a = open_as(browser, shared, "demo", DEMO_PASSWORD)
    context_b, b = open_as(browser, shared, COLLEAGUE, COLLEAGUE_PASSWORD)
    holders = [Holder(), Holder()]
    context_a.route("**/cases/**", holders[0].route)
    context_b.route("**/cases/**", holders[1].route)
    try:
        figures = run_rounds(shared, a, b, holders, delayed)
    finally:
        context_a.close()
        context_b.close()
    mode = "delayed" if delayed else "immediate"
    report = {"backend": shared.backend, "mode": mode, "rounds": figures.rounds,
              "refused": figures.refused, "shown": figures.shown,
              "silently_lost": figures.lost, "stale_values": figures.stale_values,
              "duplicates": figures.duplicates}
    artifact_path(f"conflict-rounds-{shared.backend}-{mode}.json").write_text(
        json.dumps(report, indent=2))
    print(report)
    assert figures.lost == 0, report
    assert figures.refused == figures.shown, report
    assert figures.refused >= ROUNDS // 2, report  # they really did collide
    assert not figures.stale_values, report
    assert not figures.duplicates, report


# --- 2. keyboard only ------------------------------------------------------------------------


def test_add_three_actors_in_a_row_with_keyboard_only(browser: Browser, shared: Shared) -> None:
    context, page = open_as(browser, shared, "demo", DEMO_PASSWORD)
    try:
        case_id = make_case(shared, actors=0)
        page.goto(f"/cases/{case_id}")
        keyboard = page.keyboard
        for _ in range(80):
            if page.locator("#actor-label:focus").count():
                break
            keyboard.press("Tab")
        expect(page.locator("#actor-label")).to_be_focused()
        version = server_version(shared, case_id)
        for n, label in enumerate(["Mentor", "Nabo", "Frivillig ven"]):
            if n == 1:  # choose another Type with the keyboard; it is kept for the next
                keyboard.press("Tab")
                expect(page.locator("#actor-kind")).to_be_focused()
                keyboard.press("ArrowDown")
                keyboard.press("ArrowDown")
                expect(page.locator("#actor-kind")).to_have_value("network")
                keyboard.press("Shift+Tab")
            expect(page.locator("#actor-label")).to_be_focused()
            keyboard.type(label)
            keyboard.press("Enter")
            version += 1
            settle(page, version)
            expect(page.locator("#actors tbody tr[data-key]").filter(has_text=label)
                   ).to_have_count(1)
            # Focus back in the empty name field, Type as last chosen, said aloud.
            expect(page.locator("#actor-label")).to_be_focused()
            expect(page.locator("#actor-label")).to_have_value("")
            expect(page.locator("#actor-kind")).to_have_value(
                "professional" if n == 0 else "network")
            expect(page.locator("#announce")).to_have_text(f"Aktør tilføjet: {label}")
        kinds = {x["label"]: x["kind"]
                 for x in shared_api(shared, "GET", f"/api/v1/cases/{case_id}/graph")["actors"]}
        assert kinds["Nabo"] == "network" and kinds["Frivillig ven"] == "network"
    finally:
        context.close()


# --- 3. the page is as tall as its content ---------------------------------------------------


EXCESS = """() => {
  const bottom = Math.max(...[...document.body.querySelectorAll('body > *')]
      .map((el) => el.getBoundingClientRect().bottom + window.scrollY));
  const needed = Math.max(window.innerHeight, Math.ceil(bottom));
  return document.documentElement.scrollHeight - needed;
}"""


@pytest.mark.parametrize("meeting", [False, True], ids=["case", "meeting"])
def test_page_is_as_tall_as_its_content(browser: Browser, shared: Shared,
                                        meeting: bool) -> None:
    context, page = open_as(browser, shared, "demo", DEMO_PASSWORD, viewport=VIEWPORT)
    try:
        case_id = make_case(shared, actors=12)
        page.goto(f"/cases/{case_id}" + ("/meeting" if meeting else ""))
        expect(page.locator("#envelope svg")).to_be_visible()
        excess = page.evaluate(EXCESS)
        # A live refresh does not change that.
        shared_api(shared, "POST", f"/api/v1/cases/{case_id}/actors",
            {"key": "ny", "kind": "network", "label": "Ny"},
            if_match=server_version(shared, case_id))
        settle(page, server_version(shared, case_id))
        after = page.evaluate(EXCESS)
    finally:
        context.close()
    # (at most 1 px either way: the content's bottom edge is rounded up)
    assert max(excess, after) <= 0, f"page taller than its content by {excess}/{after} px"


# --- 4. the add form stays within reach ------------------------------------------------------


VISIBLE = """(sel) => {
  const el = document.querySelector(sel);
  const side = el.closest('.side');
  const r = el.getBoundingClientRect();
  const s = side ? side.getBoundingClientRect() : {top: 0, bottom: innerHeight};
  return r.top >= Math.max(0, s.top) && r.bottom <= Math.min(innerHeight, s.bottom);
}"""


def test_ten_actors_added_without_scrolling(browser: Browser, shared: Shared) -> None:
    context, page = open_as(browser, shared, "demo", DEMO_PASSWORD, viewport=VIEWPORT)
    notches = 0
    try:
        case_id = make_case(shared, actors=0)
        page.goto(f"/cases/{case_id}")
        version = server_version(shared, case_id)
        for n in range(10):
            for selector in ("#actor-label", "#add-actor button[type=submit]"):
                while not page.evaluate(VISIBLE, selector):
                    box = page.locator(".side").bounding_box()
                    assert box is not None
                    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
                    page.mouse.wheel(0, -100 if notches % 2 else 100)
                    notches += 1
                    assert notches < 400, "the add form cannot be reached"
            page.locator("#actor-label").click()
            page.keyboard.type(f"Fagperson {n}")
            page.locator("#add-actor button[type=submit]").click()
            version += 1
            settle(page, version)
        # Picking two actors in the envelope offers to couple them right there (issue 12),
        # and fills in the side panel's coupling form too.
        page.locator('#envelope g.actor[data-key="fagperson-0"]').click()
        page.keyboard.press("Escape")
        page.locator('#envelope g.actor[data-key="fagperson-1"]').click()
        expect(page.locator("#coupling-source")).to_have_value("fagperson-0")
        expect(page.locator("#coupling-target")).to_have_value("fagperson-1")
        expect(page.locator("#tool-couple button")).to_be_focused()
        assert page.evaluate(VISIBLE, "#tool-couple button")
    finally:
        context.close()
    artifact_path(f"wheel-notches-{shared.backend}.json").write_text(
        json.dumps({"backend": shared.backend, "actors": 10, "viewport": VIEWPORT,
                    "wheel_notches": notches}))
    print({"wheel_notches_for_10_actors": notches})
    assert notches == 0


def test_refused_change_is_announced(browser: Browser, shared: Shared) -> None:
    context, page = open_as(browser, shared, "demo", DEMO_PASSWORD)
    try:
        case_id = make_case(shared)
        page.context.route(re.compile(r".*/events$"), lambda route: route.abort())
        page.goto(f"/cases/{case_id}")
        shared_api(shared, "POST", f"/api/v1/cases/{case_id}/actors",
            {"key": "ny", "kind": "network", "label": "Ny"},
            if_match=server_version(shared, case_id))
        page.locator("#coordinator").select_option("a1")
        page.get_by_role("button", name="Udpeg koordinator").click()
        expect(page.locator("#conflict")).to_contain_text("Koordinator: Fagperson 1")
        expect(page.locator("#conflict")).to_contain_text("Aktør tilføjet: Ny")
        expect(page.locator("#announce")).to_have_text(re.compile("^Din ændring blev ikke gemt"))
        expect(page.locator("#conflict-repeat")).to_be_focused()
    finally:
        context.close()


def test_a_live_refresh_waits_for_the_button_under_the_persons_hand(
        browser: Browser, shared: Shared) -> None:
    """The press that the conflict rounds once lost: the button pressed, a colleague's
    change redraws the workspace, the button released over the new drawing. The press
    must still count: saved, or refused and shown; never nothing at all."""
    context, page = open_as(browser, shared, "demo", DEMO_PASSWORD, viewport=VIEWPORT)
    try:
        case_id = make_case(shared)
        page.goto(f"/cases/{case_id}")
        version = server_version(shared, case_id)
        settle(page, version)
        page.locator("#actor-label").fill("Psykolog")
        page.locator("#add-actor button[type=submit]").hover()
        page.mouse.down()
        shared_api(shared, "POST", f"/api/v1/cases/{case_id}/actors",
            {"key": "ny", "kind": "network", "label": "Ny"}, if_match=version)
        # The live update reaches the page while the button is held.
        page.wait_for_timeout(1_000)
        page.mouse.up()
        expect(page.locator("#conflict")).to_be_visible()
        expect(page.locator("#conflict")).to_contain_text("Aktør tilføjet: Ny")
        settle(page, version + 1)
        assert "Ny" in page.locator("#actors").inner_text()
    finally:
        context.close()
