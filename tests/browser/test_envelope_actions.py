"""Acting on the envelope itself (issue 12 item 1), in real browsers: add in place, the
actor menu, couple, the coupling tool and move, by mouse, by keyboard and by touch.

Each flow ends by comparing the stored document (through the API) with the expected one.
The server runs on SQLite, and on PostgreSQL too when KUVERT_TEST_POSTGRES_URL is set.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.helpers import story
from tests.helpers.browser import (
    DEMO_PASSWORD,
    Shared,
    artifact_path,
    axe,
    blocking,
    describe,
    open_as,
    settle,
)
from tests.helpers.browser import shared_api as api

# ``shared`` (tests/browser/conftest.py): a live server (SQLite, and PostgreSQL when
# configured), one per test module.

VIEWPORT = story.VIEWPORT


def new_case(shared: Shared, actors: list[dict[str, Any]] | None = None,
             couplings: list[dict[str, Any]] | None = None) -> int:
    doc = {"label": f"Kuvert {secrets.token_hex(3)}", "target_group": "voksne",
           "actors": [{"key": "lene", "kind": "citizen", "label": "Lene"}, *(actors or [])],
           "couplings": couplings or []}
    return int(api(shared, "POST", "/api/v1/cases", doc)["id"])


def stored(shared: Shared, case_id: int) -> dict[str, Any]:
    return api(shared, "GET", f"/api/v1/cases/{case_id}/graph")  # type: ignore[no-any-return]


def version(shared: Shared, case_id: int) -> int:
    return int(api(shared, "GET", f"/api/v1/cases/{case_id}")["version"])


def spot(page: Page, shared: Shared, case_id: int, panel: str, ring: int) -> tuple[float, float]:
    """A free point of the envelope in ``panel`` and ``ring`` (see tests.helpers.story.spot)."""
    return story.spot(page, stored(shared, case_id), panel, ring)


def actor(page: Page, key: str) -> Any:
    return page.locator(f'#envelope g.actor[data-key="{key}"]')


def line(page: Page, a: str, b: str) -> Any:
    return page.locator(f'#envelope g.coupling[data-source="{a}"][data-target="{b}"]')


def by_key(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["key"]: a for a in doc["actors"]}


def open_case(browser: Browser, shared: Shared, case_id: int, **options: Any) -> Page:
    _context, page = open_as(browser, shared, "demo", DEMO_PASSWORD, **options)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"/cases/{case_id}")
    page.wait_for_load_state()
    assert not errors, errors
    page.wait_for_function("() => document.querySelector('#envelope svg')?.dataset.tools")
    return page


def test_by_mouse(browser: Browser, shared: Shared) -> None:
    case_id = new_case(shared)
    page = open_case(browser, shared, case_id, viewport=VIEWPORT)

    # Add in place: a click on an empty spot opens the form with panel and ring preset.
    x, y = spot(page, shared, case_id, "netvaerk", 2)
    page.mouse.click(x, y)
    form = page.locator("#tool-add")
    expect(form).to_be_visible()
    expect(page.locator("#tool-add-panel")).to_have_value("netvaerk")
    expect(page.locator("#tool-add-ring")).to_have_value("2")
    expect(page.locator("#tool-add-label")).to_be_focused()
    page.locator("#tool-add-kind").select_option("network")
    page.locator("#tool-add-label").fill("Søn")
    page.keyboard.press("Enter")
    settle(page, 2)
    # The form stays open for the next one, with the last Type kept.
    expect(form).to_be_visible()
    expect(page.locator("#tool-add-label")).to_be_focused()
    expect(page.locator("#tool-add-label")).to_have_value("")
    expect(page.locator("#tool-add-kind")).to_have_value("network")
    page.locator("#tool-add-label").fill("Veninde")
    page.keyboard.press("Enter")
    settle(page, 3)
    page.keyboard.press("Escape")
    expect(form).to_be_hidden()

    x, y = spot(page, shared, case_id, "organisationer", 1)
    page.mouse.click(x, y)
    page.locator("#tool-add-kind").select_option("professional")
    page.locator("#tool-add-label").fill("Psykolog")
    page.locator("#tool-add-profession").fill("Psykolog")
    page.locator("#tool-add-organisation").fill("Privat praksis")
    page.locator("#tool-add").get_by_role("button", name="Tilføj", exact=True).click()
    settle(page, 4)
    page.locator("#tool-add").get_by_role("button", name="Luk").click()

    # Couple: click two actors, then the couple button; the state is chosen right there.
    actor(page, "søn").click()
    expect(page.locator("#tool-actor")).to_be_visible()
    page.locator("#tool-actor").get_by_role("button", name="Luk").click()
    actor(page, "lene").click()
    page.get_by_role("button", name="Kobl med Søn (k)").click()
    settle(page, 5)
    tool = page.locator("#tool-coupling")
    expect(tool).to_be_visible()
    expect(tool.locator('[data-state="needed"]')).to_have_attribute("aria-pressed", "true")
    tool.get_by_role("button", name="anstrengt").click()
    settle(page, 6)
    expect(tool.locator('[data-state="strained"]')).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("Escape")
    expect(tool).to_be_hidden()

    # A line: click it (its wide hit area), add an agreement.
    box = line(page, "søn", "lene").locator(".hit").bounding_box()
    assert box is not None
    line(page, "søn", "lene").locator(".hit").click()
    expect(tool).to_be_visible()
    tool.locator("[name=who]").select_option("søn")
    tool.locator("[name=what]").fill("Ringer til Lene hver søndag")
    tool.locator("[name=due]").fill("01.02.2027")
    tool.get_by_role("button", name="Tilføj aftale").click()
    settle(page, 7)

    # The actor menu: coordinator, then remove and undo.
    actor(page, "psykolog").click()
    page.locator("#tool-actor").get_by_role("button", name="Gør til koordinator").click()
    settle(page, 8)
    actor(page, "veninde").click()
    page.locator("#tool-actor").get_by_role("button", name="Fjern").click()
    settle(page, 9)
    expect(actor(page, "veninde")).to_have_count(0)
    page.locator("#tool-undo").get_by_role("button", name="Fortryd").click()
    settle(page, 10)
    expect(actor(page, "veninde")).to_have_count(1)

    # Move: drag the friend to the civil-society panel, ring 3.
    x, y = spot(page, shared, case_id, "civilsamfund", 3)
    start = actor(page, "veninde").bounding_box()
    assert start is not None
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(x, y, steps=8)
    page.mouse.up()
    settle(page, 11)
    expect(actor(page, "veninde")).to_have_attribute("data-panel", "civilsamfund")

    doc = stored(shared, case_id)
    actors = by_key(doc)
    assert actors["søn"] == {"key": "søn", "kind": "network", "label": "Søn",
                             "panel": "netvaerk", "ring": 2}
    assert actors["veninde"] == {"key": "veninde", "kind": "network", "label": "Veninde",
                                 "panel": "civilsamfund", "ring": 3}
    # "Psykolog" is in the catalogue: its sector came with it.
    assert actors["psykolog"] == {"key": "psykolog", "kind": "professional",
                                  "label": "Psykolog", "profession": "Psykolog",
                                  "sector": "sundhed", "organisation": "Privat praksis",
                                  "panel": "organisationer", "ring": 1}
    assert doc["coordinator"] == "psykolog"
    assert doc["couplings"] == [{"source": "søn", "target": "lene", "state": "strained",
                                 "agreements": [{"who": "søn",
                                                 "what": "Ringer til Lene hver søndag",
                                                 "due": "2027-02-01"}]}]


def test_by_keyboard(browser: Browser, shared: Shared) -> None:
    case_id = new_case(shared, [
        {"key": "a1", "kind": "professional", "label": "Sagsbehandler", "panel": "afdelinger",
         "ring": 1},
        {"key": "a2", "kind": "professional", "label": "Læge", "panel": "organisationer",
         "ring": 2}])
    page = open_case(browser, shared, case_id, viewport=VIEWPORT)
    keys = page.keyboard

    # `a` on a focused actor: the add form, preset to its panel and ring.
    actor(page, "a1").focus()
    keys.press("a")
    expect(page.locator("#tool-add-label")).to_be_focused()
    expect(page.locator("#tool-add-panel")).to_have_value("afdelinger")
    expect(page.locator("#tool-add-ring")).to_have_value("1")
    keys.type("Jobkonsulent")
    keys.press("Enter")
    settle(page, 2)
    keys.press("Escape")
    expect(page.locator("#tool-add")).to_be_hidden()
    expect(actor(page, "a1")).to_be_focused()  # back where the person was

    # Select two with Space, couple with k; choose the state with the keyboard.
    keys.press("Space")
    actor(page, "a2").focus()
    keys.press("Space")
    expect(page.locator("#announce")).to_contain_text("Tryk k")
    keys.press("k")
    settle(page, 3)
    expect(page.locator('#tool-coupling [data-state="needed"]')).to_be_focused()
    keys.press("Tab")
    expect(page.locator('#tool-coupling [data-state="established"]')).to_be_focused()
    keys.press("Enter")
    settle(page, 4)
    keys.press("Escape")

    # Move by keys: ring 3, then the network panel (left).
    actor(page, "jobkonsulent").focus()
    expect(actor(page, "jobkonsulent")).to_be_focused()
    keys.press("3")
    settle(page, 5)
    expect(actor(page, "jobkonsulent")).to_be_focused()
    keys.press("ArrowLeft")
    settle(page, 6)
    expect(actor(page, "jobkonsulent")).to_have_attribute("data-panel", "netvaerk")

    # The actor menu on Enter: coordinator; remove, undo.
    actor(page, "a1").focus()
    keys.press("Enter")
    expect(page.locator("#tool-coordinator button")).to_be_focused()
    keys.press("Enter")
    settle(page, 7)
    actor(page, "jobkonsulent").focus()
    keys.press("Enter")
    page.locator("#tool-remove button").focus()
    keys.press("Enter")
    settle(page, 8)
    expect(page.locator("#tool-undo button[type=submit]")).to_be_focused()
    keys.press("Enter")
    settle(page, 9)

    # The coupling by keyboard: focus the line, Enter, remove it.
    line(page, "a1", "a2").focus()
    keys.press("Enter")
    expect(page.locator('#tool-coupling [data-state="established"]')).to_be_focused()
    page.locator("#tool-uncouple button").focus()
    keys.press("Enter")
    settle(page, 10)

    doc = stored(shared, case_id)
    assert by_key(doc)["jobkonsulent"] == {"key": "jobkonsulent", "kind": "professional",
                                           "label": "Jobkonsulent", "panel": "netvaerk",
                                           "ring": 3}
    assert doc["coordinator"] == "a1"
    assert doc["couplings"] == []


def centre(locator: Any) -> tuple[float, float]:
    box = locator.bounding_box()
    assert box is not None
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def finger_drag(page: Page, start: tuple[float, float], end: tuple[float, float]) -> None:
    """A finger on the screen, moved and lifted: touch events through the DevTools
    protocol, which the page sees as pointer events of type "touch"."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart",
                                          "touchPoints": [{"x": start[0], "y": start[1]}]})
    for i in range(1, 11):
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [
            {"x": start[0] + (end[0] - start[0]) * i / 10,
             "y": start[1] + (end[1] - start[1]) * i / 10}]})
    # The finger rests on the target before it lifts, as a hand does when it drops
    # something: lifted while moving, the browser takes it for a fling, and a tap during
    # the fling only stops it (no click).
    page.wait_for_timeout(150)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchMove",
                                          "touchPoints": [{"x": end[0], "y": end[1]}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def test_by_touch(browser: Browser, shared: Shared) -> None:
    case_id = new_case(shared, [
        {"key": "laege", "kind": "professional", "label": "Egen læge",
         "panel": "organisationer", "ring": 2}])
    page = open_case(browser, shared, case_id, viewport={"width": 1024, "height": 768},
                     has_touch=True)
    x, y = spot(page, shared, case_id, "afdelinger", 2)
    page.touchscreen.tap(x, y)
    expect(page.locator("#tool-add-panel")).to_have_value("afdelinger")
    page.locator("#tool-add-label").fill("Sagsbehandler")
    page.locator("#tool-add").get_by_role("button", name="Tilføj", exact=True).tap()
    settle(page, 2)
    page.locator("#tool-add").get_by_role("button", name="Luk").tap()
    actor(page, "laege").tap()
    page.locator("#tool-actor").get_by_role("button", name="Luk").tap()
    actor(page, "sagsbehandler").tap()
    page.get_by_role("button", name="Kobl med Egen læge (k)").tap()
    settle(page, 3)
    page.locator("#tool-coupling").get_by_role("button", name="etableret").tap()
    settle(page, 4)
    page.locator("#tool-coupling").get_by_role("button", name="Luk").tap()

    # Drag with a finger: the doctor to the network panel, ring 3.
    x, y = spot(page, shared, case_id, "netvaerk", 3)
    box = actor(page, "laege").bounding_box()
    assert box is not None
    finger_drag(page, (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2), (x, y))
    settle(page, 5)
    # And onto the citizen: the two are coupled, the state offered right there.
    finger_drag(page, centre(actor(page, "laege")), centre(actor(page, "lene")))
    settle(page, 6)
    expect(page.locator("#tool-coupling")).to_be_visible()
    page.locator("#tool-coupling").get_by_role("button", name="anstrengt").tap()
    settle(page, 7)
    doc = stored(shared, case_id)
    assert doc["couplings"] == [{"source": "laege", "target": "sagsbehandler",
                                 "state": "established", "agreements": []},
                                {"source": "laege", "target": "lene",
                                 "state": "strained", "agreements": []}]
    assert by_key(doc)["sagsbehandler"]["panel"] == "afdelinger"
    assert (by_key(doc)["laege"]["panel"], by_key(doc)["laege"]["ring"]) == ("netvaerk", 3)


def finger_hold(page: Page, at: tuple[float, float], ms: int = 800) -> None:
    """A finger put down and held still, then lifted (CDP touch events)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart",
                                          "touchPoints": [{"x": at[0], "y": at[1]}]})
    page.wait_for_timeout(ms)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def test_long_press_opens_the_actor_menu(browser: Browser, shared: Shared) -> None:
    case_id = new_case(shared, [
        {"key": "laege", "kind": "professional", "label": "Egen læge",
         "panel": "organisationer", "ring": 2},
        {"key": "soen", "kind": "network", "label": "Søn", "panel": "netvaerk", "ring": 1}])
    page = open_case(browser, shared, case_id, viewport={"width": 1024, "height": 768},
                     has_touch=True)
    menu = page.locator("#tool-actor")
    before = centre(actor(page, "laege"))

    # A finger held still on the doctor: the menu, and nothing else (no drag, no move,
    # no second toggle of the selection when the finger lifts).
    finger_hold(page, centre(actor(page, "laege")))
    expect(menu).to_be_visible()
    expect(page.locator("#tool-actor-title")).to_have_text("Egen læge")
    page.wait_for_timeout(500)  # the browser's late mouse events and click are past
    expect(page.locator("#tool-coordinator button")).to_be_focused()
    expect(actor(page, "laege")).to_have_attribute("aria-pressed", "true")
    assert actor(page, "laege").get_attribute("transform") is None
    assert max(abs(a - b) for a, b in zip(centre(actor(page, "laege")), before, strict=True)) < 1
    page.wait_for_timeout(300)
    expect(menu).to_be_visible()
    assert version(shared, case_id) == 1
    menu.get_by_role("button", name="Gør til koordinator").tap()
    settle(page, 2)

    # A finger held on the son, then remove from the menu, and undo.
    finger_hold(page, centre(actor(page, "soen")))
    expect(menu).to_be_visible()
    expect(page.locator("#tool-actor-title")).to_have_text("Søn")
    menu.get_by_role("button", name="Fjern").tap()
    settle(page, 3)
    expect(actor(page, "soen")).to_have_count(0)
    page.locator("#tool-undo").get_by_role("button", name="Fortryd").tap()
    settle(page, 4)
    expect(actor(page, "soen")).to_have_count(1)

    # A finger that moves before the time is a drag, not a long-press.
    x, y = spot(page, shared, case_id, "netvaerk", 3)
    finger_drag(page, centre(actor(page, "soen")), (x, y))
    settle(page, 5)
    expect(menu).to_be_hidden()

    # The mouse held still does the same, and the click that ends it does nothing more.
    page.mouse.move(*centre(actor(page, "laege")))
    page.mouse.down()
    page.wait_for_timeout(700)
    expect(menu).to_be_visible()
    page.mouse.up()
    expect(menu).to_be_visible()
    expect(actor(page, "laege")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#tool-actor [data-edit]")).to_be_visible()
    expect(page.locator("#tool-coordinator button")).to_be_focused()
    assert version(shared, case_id) == 5

    page.keyboard.press("Escape")

    # A pen held still on the citizen: her menu (no coordinator, no remove for her).
    cdp = page.context.new_cdp_session(page)
    x, y = centre(actor(page, "lene"))
    pen = {"x": x, "y": y, "button": "left", "pointerType": "pen", "clickCount": 1}
    cdp.send("Input.dispatchMouseEvent", {"type": "mousePressed", **pen})
    page.wait_for_timeout(700)
    expect(menu).to_be_visible()
    expect(page.locator("#tool-actor-title")).to_have_text("Lene")
    cdp.send("Input.dispatchMouseEvent", {"type": "mouseReleased", **pen})
    # The doctor is still picked, so the first button couples the two.
    expect(page.locator("#tool-couple button")).to_be_focused()
    expect(page.locator("#tool-coordinator")).to_be_hidden()
    page.keyboard.press("Escape")
    # The right mouse button opens the menu too, instead of the browser's.
    actor(page, "soen").click(button="right")
    expect(menu).to_be_visible()
    expect(page.locator("#tool-actor-title")).to_have_text("Søn")
    assert version(shared, case_id) == 5

    doc = stored(shared, case_id)
    assert doc["coordinator"] == "laege"
    assert (by_key(doc)["soen"]["panel"], by_key(doc)["soen"]["ring"]) == ("netvaerk", 3)
    assert by_key(doc)["laege"]["panel"] == "organisationer"


def test_add_in_place_from_the_catalogue(browser: Browser, shared: Shared) -> None:
    case_id = new_case(shared, [
        {"key": "a1", "kind": "network", "label": "Søster", "panel": "netvaerk", "ring": 2}])
    page = open_case(browser, shared, case_id, viewport=VIEWPORT)
    keys = page.keyboard
    # The catalogue is offered as type-ahead on both fields.
    for field, names in (("#tool-add-profession", "#professions option"),
                         ("#tool-add-organisation", "#organisations option")):
        listed = page.locator(field).get_attribute("list")
        assert listed and page.locator(f"#{listed} option").count() > 10
        assert page.locator(names).count() > 10
    expect(page.locator('#professions option[value="Egen læge"]')).to_have_attribute(
        "data-panel", "organisationer")

    # By keyboard alone: `a` on the sister opens the form in the network panel; the
    # profession picked from the catalogue fills in sector, type and panel.
    actor(page, "a1").focus()
    keys.press("a")
    expect(page.locator("#tool-add-panel")).to_have_value("netvaerk")
    keys.type("Dr. Holm")
    keys.press("Tab")  # Type
    keys.press("Tab")  # Faggruppe
    expect(page.locator("#tool-add-profession")).to_be_focused()
    keys.type("Egen læge")
    expect(page.locator("#tool-add-sector")).to_have_value("sundhed")
    expect(page.locator("#tool-add-kind")).to_have_value("professional")
    expect(page.locator("#tool-add-panel")).to_have_value("organisationer")
    expect(page.locator("#announce")).to_contain_text("Udfyldt fra kataloget")
    keys.press("Enter")
    settle(page, 2)
    # The form stays open, back in its own panel, the catalogue's sector gone.
    expect(page.locator("#tool-add-label")).to_be_focused()
    expect(page.locator("#tool-add-panel")).to_have_value("netvaerk")
    expect(page.locator("#tool-add-sector")).to_have_value("")

    # A panel the person chose stays: the organisation's meaning does not move it.
    keys.type("Gældsrådgiver")
    page.locator("#tool-add-panel").focus()
    page.locator("#tool-add-panel").select_option("afdelinger")
    page.locator("#tool-add-organisation").focus()
    keys.type("Forening")
    expect(page.locator("#tool-add-kind")).to_have_value("volunteer")
    expect(page.locator("#tool-add-sector")).to_have_value("civilsamfund")
    expect(page.locator("#tool-add-panel")).to_have_value("afdelinger")
    keys.press("Enter")
    settle(page, 3)

    actors = by_key(stored(shared, case_id))
    assert actors["dr.-holm"] == {"key": "dr.-holm", "kind": "professional", "label": "Dr. Holm",
                                 "profession": "Egen læge", "sector": "sundhed",
                                 "panel": "organisationer", "ring": 2}
    assert actors["gældsrådgiver"] == {"key": "gældsrådgiver", "kind": "volunteer",
                                      "label": "Gældsrådgiver", "sector": "civilsamfund",
                                      "organisation": "Forening", "panel": "afdelinger",
                                      "ring": 2}


def test_tools_are_accessible(browser: Browser, shared: Shared) -> None:
    case_id = new_case(shared, [
        {"key": "a1", "kind": "professional", "label": "Sagsbehandler"},
        {"key": "a2", "kind": "network", "label": "Søster"}],
        [{"source": "a1", "target": "a2", "state": "needed"}])
    for path in (f"/cases/{case_id}", f"/cases/{case_id}/meeting"):
        page = open_case(browser, shared, case_id, viewport=VIEWPORT, bypass_csp=True)
        page.goto(path)
        page.wait_for_function("() => document.querySelector('#envelope svg')?.dataset.tools")
        actor(page, "a1").click()
        assert not blocking(found := axe(page)), describe(blocking(found))
        page.keyboard.press("Escape")
        line(page, "a1", "a2").focus()
        page.keyboard.press("Enter")
        assert not blocking(found := axe(page)), describe(blocking(found))
        page.context.close()


# --- meeting mode (issue 12 item 2) ---------------------------------------------------------

MEASURE = """() => {
  const env = document.querySelector('#envelope svg g.envelope').getBoundingClientRect();
  const labels = [...document.querySelectorAll('#envelope g.actor:not(.citizen) text')]
    .map((t) => t.getBoundingClientRect().height);
  const root = document.scrollingElement;
  // The legend (meeting mode crops it out of the drawing): whole on the screen, in large
  // type, clear of the drawing and of what stands above it in the left column.
  const legend = document.querySelector('#meeting-legend').getBoundingClientRect();
  const above = [...document.querySelectorAll(
      '.case-head, #prototype, .meeting-bar, #central-warning')]
    .map((el) => el.getBoundingClientRect().bottom);
  const rows = [...document.querySelectorAll('#meeting-legend li')];
  return {width: env.width / innerWidth, height: env.height / innerHeight,
          label: Math.min(...labels), scrolls: root.scrollHeight > innerHeight
          || root.scrollWidth > innerWidth,
          legend: {rows: rows.length,
                   text: Math.min(...rows.map(
                     (li) => parseFloat(getComputedStyle(li).fontSize))),
                   inside: legend.top >= 0 && legend.bottom <= innerHeight
                     && legend.left >= 0 && legend.right <= innerWidth,
                   clear: legend.right <= env.left && Math.max(...above) <= legend.top}};
}"""


def many_actors(n: int) -> list[dict[str, Any]]:
    panels = ["afdelinger", "organisationer", "civilsamfund", "netvaerk"]
    return [{"key": f"a{i}", "kind": "professional", "label": f"Fagperson {i}",
             "panel": panels[i % 4], "ring": 1 + i % 3} for i in range(1, n + 1)]


def test_meeting_mode_fills_the_screen(browser: Browser, shared: Shared) -> None:
    figures = {}
    for n in (10, 30):
        # Only the citizen links a1 and a2, who must couple: the main warning shows too,
        # so the left column is as full as it gets.
        case_id = new_case(shared, many_actors(n),
                           [{"source": "a1", "target": "a2", "state": "needed"},
                            {"source": "a1", "target": "lene", "state": "established"},
                            {"source": "a2", "target": "lene", "state": "established"}])
        for size in ((1920, 1080), (1280, 720), (1536, 864), (1366, 768)):
            page = open_case(browser, shared, case_id,
                             viewport={"width": size[0], "height": size[1]})
            page.goto(f"/cases/{case_id}/meeting")
            page.wait_for_function(
                "() => document.querySelector('#envelope svg')?.dataset.tools")
            got = page.evaluate(MEASURE)
            page.screenshot(path=str(artifact_path(f"meeting-{n}-{size[0]}.png")))
            figures[f"{n} actors {size[0]}x{size[1]}"] = got
            assert max(got["width"], got["height"]) >= 0.85, got
            assert not got["scrolls"], got
            assert got["legend"]["rows"] == 5 and got["legend"]["inside"], got
            assert got["legend"]["clear"] and got["legend"]["text"] >= 16, got
            expect(page.locator("#meeting-legend")).to_contain_text("skal etableres")
            expect(page.locator("#central-warning")).to_be_visible()
            # The lists are a drawer, closed until asked for.
            expect(page.locator("#side")).to_be_hidden()
            expect(page.locator("#prototype")).to_be_visible()
            page.keyboard.press("l")
            expect(page.locator("#side")).to_be_visible()
            page.keyboard.press("l")
            expect(page.locator("#side")).to_be_hidden()
            page.keyboard.press("?")
            expect(page.locator("#shortcuts")).to_be_visible()
            page.keyboard.press("Escape")
            expect(page.locator("#shortcuts")).to_be_hidden()
            page.context.close()
    print("MEETING", figures)
    (artifact_path("meeting-mode-figures.txt")).write_text(
        "\n".join(f"{k}: envelope {v['width']:.0%} of width, {v['height']:.0%} of height, "
                  f"smallest label {v['label']:.1f} px, legend text {v['legend']['text']:.0f} px"
                  for k, v in figures.items()) + "\n")
    for key, got in figures.items():
        if key.endswith("1920x1080"):
            assert got["label"] >= 19, (key, got)


def test_meeting_walk_keeps_its_place(browser: Browser, shared: Shared) -> None:
    case_id = new_case(shared, many_actors(4))
    page = open_case(browser, shared, case_id, viewport={"width": 1280, "height": 720})
    page.goto(f"/cases/{case_id}/meeting")
    page.wait_for_function("() => document.querySelector('#envelope svg')?.dataset.tools")
    page.keyboard.press("n")
    page.keyboard.press("n")
    focused = page.evaluate("() => document.activeElement.dataset.key")
    order = page.evaluate(
        "() => [...document.querySelectorAll('#envelope g.actor')].map((g) => g.dataset.key)")
    # Someone else changes the case: the page redraws, the walk goes on from the same actor.
    api(shared, "PATCH", f"/api/v1/cases/{case_id}/actors/a4", {"contact": "12345678"},
        if_match=version(shared, case_id))
    settle(page, 2)
    expect(actor(page, focused)).to_be_focused()
    page.keyboard.press("n")
    expect(actor(page, order[order.index(focused) + 1])).to_be_focused()


# --- the "Lene" story from issue 12, mapped on the envelope alone, by mouse -----------------


def test_lene_story_on_the_envelope(browser: Browser, shared: Shared) -> None:
    """The steps are tests.helpers.story's, which the meeting benchmark (bench/meeting.py) times."""
    case_id = new_case(shared)
    page = open_case(browser, shared, case_id, viewport=VIEWPORT)
    n = story.map_lene(page, lambda: stored(shared, case_id))

    doc = stored(shared, case_id)
    assert doc["coordinator"] == "sagsbehandler"
    assert {a["key"]: (a.get("panel"), a.get("organisation"))
            for a in doc["actors"]} == story.LENE_ACTORS
    assert doc["couplings"] == story.LENE_COUPLINGS
    scrolled = page.evaluate("() => [scrollX, scrollY]")
    figures = {"backend": shared.backend, "viewport": VIEWPORT, "clicks": n.clicks,
               "fields": n.fields, "keys": n.keys, "interactions": n.total,
               "page_scrolled": scrolled}
    artifact_path(f"lene-story-{shared.backend}.json").write_text(json.dumps(figures))
    print("LENE", figures)
    assert n.total <= 40, figures  # the target
    assert scrolled == [0, 0]


def test_side_panel_add_form_fills_from_the_catalogue(browser: Browser, shared: Shared) -> None:
    """The side panel's add form, for those who map in forms: a profession picked from the
    catalogue fills in sector and type as the envelope's own add form does, and a field
    the person set first is left as they set it."""
    case_id = new_case(shared)
    page = open_case(browser, shared, case_id, viewport=VIEWPORT)
    form = page.locator("#add-actor")
    form.locator("[name=label]").fill("Dr. Holm")
    form.locator("[name=profession]").press_sequentially("Egen læge")
    expect(form.locator("[name=sector]")).to_have_value("sundhed")
    expect(form.locator("[name=kind]")).to_have_value("professional")
    expect(form.locator("[name=panel]")).to_have_value("organisationer")
    expect(page.locator("#announce")).to_contain_text("Udfyldt fra kataloget")
    form.locator("button[type=submit]").click()
    settle(page, 2)
    assert by_key(stored(shared, case_id))["dr.-holm"]["sector"] == "sundhed"

    form = page.locator("#add-actor")
    form.locator("[name=label]").fill("Gældsrådgiver")
    form.locator("[name=panel]").select_option("afdelinger")
    form.locator("[name=organisation]").press_sequentially("Forening")
    expect(form.locator("[name=kind]")).to_have_value("volunteer")
    expect(form.locator("[name=sector]")).to_have_value("civilsamfund")
    expect(form.locator("[name=panel]")).to_have_value("afdelinger")
    form.locator("button[type=submit]").click()
    settle(page, 3)
    added = by_key(stored(shared, case_id))["gældsrådgiver"]
    assert (added["kind"], added["sector"], added["panel"]) == (
        "volunteer", "civilsamfund", "afdelinger")


def test_catalogue_filled_fields_survive_a_colleagues_change(browser: Browser,
                                                             shared: Shared) -> None:
    """What the catalogue filled in for the person's typing is theirs as much as the
    typing: a live redraw keeps both, so the form never pairs "Egen læge" with an empty
    sector."""
    case_id = new_case(shared)
    page = open_case(browser, shared, case_id, viewport=VIEWPORT)
    form = page.locator("#add-actor")
    form.locator("[name=label]").fill("Dr. Holm")
    form.locator("[name=profession]").press_sequentially("Egen læge")
    expect(form.locator("[name=sector]")).to_have_value("sundhed")
    api(shared, "PATCH", f"/api/v1/cases/{case_id}", {"label": "Lene, 45"},
        if_match=version(shared, case_id))
    settle(page, 2)
    form = page.locator("#add-actor")
    expect(form.locator("[name=profession]")).to_have_value("Egen læge")
    expect(form.locator("[name=sector]")).to_have_value("sundhed")
    expect(form.locator("[name=kind]")).to_have_value("professional")
    expect(form.locator("[name=panel]")).to_have_value("organisationer")
    # The form was drawn before the colleague's change: saving it asks first (issue 11),
    # and repeating it sends what the form held, catalogue fields included.
    form.locator("button[type=submit]").click()
    page.locator("#conflict-repeat").click()
    settle(page, 3)
    added = by_key(stored(shared, case_id))["dr.-holm"]
    assert (added["kind"], added["sector"], added["panel"]) == (
        "professional", "sundhed", "organisationer")


def details_of(page: Page, key: str) -> Any:
    return page.locator(f'#actors details[data-key="{key}"]')


def test_edit_details_from_the_actor_menu(browser: Browser, shared: Shared) -> None:
    """The menu's "Ret detaljer" opens the actor's details, whose form the page fetches
    only then, and puts the cursor in it."""
    case_id = new_case(shared, [{"key": "laege", "kind": "professional", "label": "Egen læge",
                                 "panel": "organisationer", "ring": 2}])
    page = open_case(browser, shared, case_id, viewport=VIEWPORT)
    expect(details_of(page, "laege").locator("form")).to_have_count(0)
    actor(page, "laege").click()
    page.locator("#tool-actor").get_by_role("button", name="Ret detaljer").click()
    label = details_of(page, "laege").locator("input[name=label]")
    expect(label).to_be_focused()
    details_of(page, "laege").locator("input[name=contact]").fill("tlf. 8940 2000")
    details_of(page, "laege").get_by_role("button", name="Gem ændringer").click()
    settle(page, 2)
    assert by_key(stored(shared, case_id))["laege"]["contact"] == "tlf. 8940 2000"
    # Still open after the save, the form drawn again with what is stored.
    expect(details_of(page, "laege").locator("input[name=contact]")).to_have_value(
        "tlf. 8940 2000")


def test_typing_in_a_fetched_form_survives_colleagues_changes(browser: Browser,
                                                              shared: Shared) -> None:
    """A colleague's change redraws the page with the forms it has open; what the person
    typed stays in the same actor's form, also when an actor before it is removed."""
    case_id = new_case(shared, [
        {"key": "soen", "kind": "network", "label": "Søn", "panel": "netvaerk", "ring": 1},
        {"key": "laege", "kind": "professional", "label": "Egen læge"}])
    page = open_case(browser, shared, case_id, viewport=VIEWPORT)
    details_of(page, "laege").locator("summary").click()
    details_of(page, "laege").locator("input[name=contact]").fill("ring efter kl. 10")
    api(shared, "DELETE", f"/api/v1/cases/{case_id}/actors/soen",
        if_match=version(shared, case_id))
    settle(page, 2)
    expect(details_of(page, "laege").locator("input[name=contact]")).to_have_value(
        "ring efter kl. 10")
    # Built on version 1: saving asks first, and repeating saves what was typed.
    details_of(page, "laege").get_by_role("button", name="Gem ændringer").click()
    page.locator("#conflict-repeat").click()
    settle(page, 3)
    assert by_key(stored(shared, case_id))["laege"]["contact"] == "ring efter kl. 10"


@pytest.mark.parametrize("form_first", [True, False], ids=["form-first", "redraw-first"])
def test_opening_details_while_a_colleague_changes_the_case(browser: Browser, shared: Shared,
                                                            form_first: bool) -> None:
    """The fetched form and a live redraw arrive in either order: the details end open,
    with the form, showing the colleague's change."""
    case_id = new_case(shared, [{"key": "laege", "kind": "professional", "label": "Egen læge"}])
    page = open_case(browser, shared, case_id, viewport=VIEWPORT)
    held: dict[str, Any] = {}

    def hold(route: Any) -> None:
        kind = "form" if "/actors/" in route.request.url else "redraw"
        held[kind] = (route, route.fetch())

    def wait_for(kind: str) -> None:
        for _ in range(250):
            if kind in held:
                return
            page.wait_for_timeout(20)
        raise AssertionError(f"no {kind} request")

    def release(kind: str) -> None:
        route, answer = held.pop(kind)
        route.fulfill(response=answer)

    def colleague_changes() -> None:
        api(shared, "PATCH", f"/api/v1/cases/{case_id}/actors/laege",
            {"contact": "ny kontakt"}, if_match=version(shared, case_id))

    page.route("**/cases/*/actors/laege", hold)
    page.route("**/cases/*/workspace", hold)
    if form_first:
        # The form is on its way when the change comes: the redraw waits for it.
        details_of(page, "laege").locator("summary").click()
        wait_for("form")
        colleague_changes()
        page.wait_for_timeout(300)
        page.unroute("**/cases/*/workspace")
        release("form")
    else:
        # The redraw is on its way when the details are opened.
        colleague_changes()
        wait_for("redraw")
        details_of(page, "laege").locator("summary").click()
        wait_for("form")
        page.unroute("**/cases/*/workspace")
        release("redraw")
        page.wait_for_timeout(100)
        release("form")
    settle(page, 2)
    expect(details_of(page, "laege")).to_have_attribute("open", "")
    expect(details_of(page, "laege").locator("input[name=contact]")).to_have_value(
        "ny kontakt")
    expect(page.locator("#problems")).to_have_count(0)
