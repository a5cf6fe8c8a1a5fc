"""The case page in a real browser: quick-add, coupling in the envelope, the prototype,
the coordinator, undo, working live with a colleague, conflicts, the keyboard,
meeting mode, accessibility, and the screenshots for the user guide.

Every test makes its own case through the case list, so the tests do not depend on
each other. The demo cases are only read (the docs screenshots show "Claus, 22 (før)").
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.helpers.browser import (
    DEMO_PASSWORD,
    ROOT,
    ConsoleLog,
    artifact_path,
    axe,
    blocking,
    describe,
    direct,
    log_in,
    open_context,
)
from tests.helpers.server import KUVERT

Screenshot = Callable[[Page, str], Path]

CASE_PATH = re.compile(r"/cases/(\d+)$")
LIVE_MS = 5_000  # a colleague's change shows within this, without reloading
DOCS_CASE = "Claus, 22 (før)"
DOCS_IMG = ROOT / "docs" / "img"
DOCS_VIEWPORT = {"width": 1400, "height": 900}
UPDATE_DOCS = os.environ.get("KUVERT_UPDATE_DOCS") == "1"

COLLEAGUE = "kollega"
COLLEAGUE_PASSWORD = "kollega-kuvert-demo"

# Three professionals, each with their own profession and sector: three of each makes
# the case prototype 2 (at most two of each is prototype 1).
PROFESSIONALS = [
    ("Sagsbehandler jobcenter", "Socialrådgiver", "beskæftigelse"),
    ("Mentor", "Pædagog", "socialområdet"),
    ("Psykiater", "Læge", "psykiatri"),
]


# --- helpers -----------------------------------------------------------------------------


def unique(label: str) -> str:
    """A case label no other test (or earlier run on the same server) uses."""
    return f"{label} {secrets.token_hex(3)}"


def new_case(page: Page, label: str, citizen: str = "Borgeren") -> int:
    """Create a case through the "Nyt borgerforløb" form; the page shows the new case."""
    page.goto("/cases")
    page.locator("#new-label").fill(label)
    page.locator("#new-citizen").fill(citizen)
    page.locator("#new-group").select_option("voksne")
    page.get_by_role("button", name="Opret forløb").click()
    expect(page).to_have_url(CASE_PATH)
    expect(page.get_by_role("heading", level=1)).to_have_text(label)
    found = CASE_PATH.search(page.url)
    assert found is not None, page.url
    return int(found.group(1))


def version(page: Page) -> int:
    return int(page.locator("#case-version").inner_text())


def expect_version(page: Page, number: int, timeout: int | None = None) -> None:
    expect(page.locator("#case-version")).to_have_text(str(number), timeout=timeout)


def actor_row(page: Page, label: str) -> Locator:
    return page.locator("#actors tbody tr[data-key]").filter(has_text=label)


def in_envelope(page: Page, key: str) -> Locator:
    return page.locator(f'#envelope g.actor[data-key="{key}"]')


def add_actor(page: Page, label: str, profession: str = "", sector: str = "",
              kind: str = "professional") -> None:
    """Quick-add one actor with the mouse and wait until the page shows it."""
    before = version(page)
    page.locator("#actor-label").fill(label)
    page.locator("#actor-kind").select_option(kind)
    page.locator("#actor-profession").fill(profession)
    page.locator("#actor-sector").fill(sector)
    page.get_by_role("button", name="Tilføj aktør").click()
    expect_version(page, before + 1)
    expect(actor_row(page, label)).to_have_count(1)


def focus_by_key(page: Page, selector: str, key: str = "Tab", presses: int = 60) -> None:
    """Press ``key`` (Tab or Shift+Tab) until ``selector`` has the focus."""
    focused = page.locator(f"{selector}:focus")
    for _ in range(presses):
        if focused.count():
            return
        page.keyboard.press(key)
    pytest.fail(f"{selector} not reached with {presses} presses of {key}")


def live_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The live server's folder: its SQLite database and the demo API token."""
    found = sorted(tmp_path_factory.getbasetemp().glob("live*/token.txt"))
    assert found, "the live_server fixture saves the demo token as live*/token.txt"
    return found[-1].parent


def api(base: str, token: str, method: str, path: str, body: object | None = None,
        if_match: int | None = None) -> dict[str, object]:
    """One call to the REST API, as another system of the municipality would make it."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if if_match is not None:
        headers["If-Match"] = f'"{if_match}"'
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, headers=headers, method=method)
    with direct.open(request, timeout=10) as response:
        answer: dict[str, object] = json.loads(response.read() or b"{}")
        return answer


@pytest.fixture(scope="module")
def colleague(live_server: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A second user in the demo team, so two people can look at one case."""
    folder = live_dir(tmp_path_factory)
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("KUVERT_")}
    env = {**inherited, "KUVERT_DATABASE_URL": f"sqlite:///{folder / 'kuvert.db'}",
           "KUVERT_ENVIRONMENT": "development"}
    done = subprocess.run([str(KUVERT), "user", "create", "--team", "demo", "--username",
                           COLLEAGUE, "--password", COLLEAGUE_PASSWORD, "--role", "editor"],
                          env=env, cwd=ROOT, capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    return COLLEAGUE


@pytest.fixture
def second_page(browser: Browser, live_server: str) -> Iterator[Page]:
    """A second, separate browser (own cookies), not yet logged in."""
    context, fresh = open_context(browser, live_server, ConsoleLog())
    yield fresh
    context.close()


def logged_in(page: Page, username: str = "demo", password: str = DEMO_PASSWORD) -> Page:
    log_in(page, username, password)
    page.wait_for_url("**/cases")
    return page


# --- 1. the main flow with the mouse -------------------------------------------------------


def test_map_actors_couple_name_coordinator_and_undo(
        logged_in_page: Page, console: ConsoleLog, screenshot: Screenshot) -> None:
    page = logged_in_page
    new_case(page, unique("Testforløb"))
    expect(page.locator("#prototype")).to_have_text("Prototype 1")
    expect_version(page, 1)
    expect(page.locator("#undo")).to_be_disabled()

    for label, profession, sector in PROFESSIONALS[:2]:
        add_actor(page, label, profession, sector)
        expect(page.locator("#prototype")).to_have_text("Prototype 1")
    expect(page.locator("#warnings li[data-code=no_coordinator]")).to_have_count(1)
    label, profession, sector = PROFESSIONALS[2]
    add_actor(page, label, profession, sector)
    expect(page.locator("#prototype")).to_have_text("Prototype 2")
    expect(page.locator("#warnings li[data-code=isolated_actor]").first).to_be_visible()

    # Couple two actors by clicking them in the envelope.
    first, second = "sagsbehandler-jobcenter", "mentor"
    in_envelope(page, first).click()
    page.keyboard.press("Escape")  # the actor menu (issue 12) closes
    in_envelope(page, second).click()
    page.keyboard.press("Escape")
    expect(page.locator("#coupling-source")).to_have_value(first)
    expect(page.locator("#coupling-target")).to_have_value(second)
    page.locator("#coupling-state").focus()
    page.locator("#coupling-topic").fill("Fælles plan for job og bolig")
    page.get_by_role("button", name="Kobl", exact=True).click()
    expect_version(page, 5)
    row = page.locator(f'#couplings tr[data-source="{first}"][data-target="{second}"]')
    expect(row).to_have_count(1)
    expect(row.locator("[data-state]")).to_have_attribute("data-state", "needed")
    expect(page.locator("#warnings li[data-code=needed_not_established]")).to_have_count(1)
    expect(page.locator(f'#envelope g.coupling[data-source="{first}"]'
                        f'[data-target="{second}"]')).to_have_count(1)

    # Its state: "Ret" on the row fetches the state buttons; one press changes it.
    row.locator("summary").click()
    expect(row.get_by_role("button", name="anstrengt")).to_have_attribute("aria-pressed", "false")
    row.get_by_role("button", name="anstrengt").click()
    expect_version(page, 6)
    expect(row.locator("[data-state]")).to_have_attribute("data-state", "strained")
    expect(row.get_by_role("button", name="anstrengt")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#warnings li[data-code=strained_coupling]")).to_have_count(1)
    expect(page.locator("#warnings li[data-code=needed_not_established]")).to_have_count(0)

    # Name the coordinator.
    page.locator("#coordinator").select_option(first)
    page.get_by_role("button", name="Udpeg koordinator").click()
    expect_version(page, 7)
    expect(actor_row(page, PROFESSIONALS[0][0])).to_contain_text("(koordinator)")
    expect(page.locator("#warnings li[data-code=no_coordinator]")).to_have_count(0)
    expect(in_envelope(page, first)).to_have_class(re.compile(r"\bcoordinator\b"))

    # Undo takes the coordinator away again, as a new version.
    page.locator("#undo").click()
    expect_version(page, 8)
    expect(page.locator("#coordinator")).to_have_value("")
    expect(actor_row(page, PROFESSIONALS[0][0])).not_to_contain_text("(koordinator)")
    expect(page.locator("#warnings li[data-code=no_coordinator]")).to_have_count(1)
    expect(row.locator("[data-state]")).to_have_attribute("data-state", "strained")
    expect(page.locator("#history li").first).to_contain_text("version 8")

    assert not console.csp_violations(), "\n".join(console.csp_violations())
    assert not console.errors(), "\n".join(console.errors())
    # Last: hiding the caret for a screenshot leaves style="" on the inputs, which htmx
    # would copy over (and the CSP refuse) on the next swap.
    screenshot(page, "case")


# --- 2. two people on one case -------------------------------------------------------------


def test_colleague_sees_changes_live(
        logged_in_page: Page, second_page: Page, colleague: str) -> None:
    a = logged_in_page
    case_id = new_case(a, unique("Fælles møde"))
    b = logged_in(second_page, colleague, COLLEAGUE_PASSWORD)
    b.goto(f"/cases/{case_id}")
    expect_version(b, 1)
    # Both are watching: each page lists both users, live.
    for page in (a, b):
        expect(page.locator("#viewers")).to_have_text(re.compile(r"demo.*kollega|kollega.*demo"),
                                                      timeout=LIVE_MS)

    add_actor(a, "UU-vejleder", "UU-vejleder", "uddannelse")
    expect_version(b, 2, timeout=LIVE_MS)
    expect(actor_row(b, "UU-vejleder")).to_have_count(1)
    expect(in_envelope(b, "uu-vejleder")).to_have_count(1)

    # When the colleague leaves, the list shrinks.
    b.goto("/cases")
    expect(a.locator("#viewers")).to_have_text("demo", timeout=LIVE_MS)


def test_half_written_field_survives_a_live_change(
        logged_in_page: Page, second_page: Page) -> None:
    a = logged_in_page
    case_id = new_case(a, unique("Skriver"))
    b = logged_in(second_page)
    b.goto(f"/cases/{case_id}")
    b.locator("#actor-label").fill("Halvt skrevet")
    add_actor(a, "Hjemmevejleder", "Pædagog", "socialområdet")
    expect_version(b, 2, timeout=LIVE_MS)
    expect(b.locator("#actor-label")).to_have_value("Halvt skrevet")


# --- 3. a change on an old version -----------------------------------------------------------


def test_stale_change_shows_conflict_and_can_be_repeated(
        logged_in_page: Page, live_server: str,
        tmp_path_factory: pytest.TempPathFactory) -> None:
    page = logged_in_page
    case_id = new_case(page, unique("Konflikt"))
    token = (live_dir(tmp_path_factory) / "token.txt").read_text().strip()

    # This page hears nothing live, so it keeps showing version 1 ...
    page.context.route("**/events", lambda route: route.abort())
    page.reload()
    expect_version(page, 1)
    # ... while another system adds an actor through the API.
    api(live_server, token, "POST", f"/api/v1/cases/{case_id}/actors",
        {"key": "jobkonsulent", "kind": "professional", "label": "Jobkonsulent",
         "profession": "Jobkonsulent", "sector": "beskæftigelse"}, if_match=1)

    page.locator("#actor-label").fill("Misbrugskonsulent")
    page.locator("#actor-profession").fill("Misbrugskonsulent")
    page.get_by_role("button", name="Tilføj aktør").click()
    conflict = page.locator("#conflict")
    expect(conflict).to_be_visible()
    expect(conflict).to_contain_text("Din ændring er ikke gemt")
    expect(conflict.locator("li")).to_have_count(1)
    expect(conflict.locator("li")).to_contain_text("Jobkonsulent")
    expect_version(page, 2)
    expect(actor_row(page, "Misbrugskonsulent")).to_have_count(0)

    page.get_by_role("button", name="Gentag min ændring").click()
    expect_version(page, 3)
    expect(page.locator("#conflict")).to_have_count(0)
    expect(actor_row(page, "Misbrugskonsulent")).to_have_count(1)
    expect(actor_row(page, "Jobkonsulent")).to_have_count(1)


def test_refused_change_is_explained(logged_in_page: Page) -> None:
    page = logged_in_page
    new_case(page, unique("Afvist"))
    page.locator("#actor-label").fill("010190-1234")  # looks like a CPR number
    page.get_by_role("button", name="Tilføj aktør").click()
    problems = page.locator("#problems")
    expect(problems).to_be_visible()
    expect(problems).to_contain_text("Ændringen blev afvist")
    expect(problems).to_contain_text("CPR")
    expect_version(page, 1)
    expect(page.locator("#actors tbody tr[data-key]")).to_have_count(1)


# --- 4. the keyboard only --------------------------------------------------------------------


def test_add_and_couple_with_keyboard_only(logged_in_page: Page) -> None:
    page = logged_in_page
    case_id = new_case(page, unique("Tastatur"))
    keyboard = page.keyboard

    focus_by_key(page, "#actor-label")
    keyboard.type("Familiebehandler")
    keyboard.press("Tab")
    expect(page.locator("#actor-kind")).to_be_focused()
    keyboard.press("Tab")
    keyboard.type("Familiebehandler")
    keyboard.press("Tab")
    expect(page.locator("#actor-sector")).to_be_focused()
    keyboard.type("socialområdet")
    keyboard.press("Escape")  # close the type-ahead list, if it opened
    keyboard.press("Enter")
    expect_version(page, 2)
    expect(actor_row(page, "Familiebehandler")).to_have_count(1)

    # Pick the citizen and the new actor in the envelope, then send the couple form.
    focus_by_key(page, '#envelope g.actor[data-key="borger"]')
    keyboard.press("Enter")
    keyboard.press("Escape")
    focus_by_key(page, '#envelope g.actor[data-key="familiebehandler"]')
    keyboard.press("Enter")
    keyboard.press("Escape")  # the actor menu (issue 12) closes
    expect(page.locator("#coupling-source")).to_have_value("borger")
    expect(page.locator("#coupling-target")).to_have_value("familiebehandler")
    page.locator("#coupling-state").focus()
    keyboard.press("Tab")
    expect(page.locator("#coupling-topic")).to_be_focused()
    keyboard.type("Ugentlige hjemmebesøg")
    keyboard.press("Enter")
    expect_version(page, 3)
    expect(page.locator('#couplings tr[data-source="borger"][data-target="familiebehandler"]')
           ).to_contain_text("Ugentlige hjemmebesøg")

    # Meeting mode: n/p walk through the actors, a jumps to the quick-add form.
    page.goto(f"/cases/{case_id}/meeting")
    expect(page.locator("body")).to_have_class(re.compile(r"\bmeeting\b"))
    actors = page.locator("#envelope g.actor")
    expect(actors).to_have_count(2)
    keyboard.press("n")
    expect(actors.nth(0)).to_be_focused()
    keyboard.press("n")
    expect(actors.nth(1)).to_be_focused()
    keyboard.press("n")
    expect(actors.nth(0)).to_be_focused()
    keyboard.press("p")
    expect(actors.nth(1)).to_be_focused()
    keyboard.press("k")
    expect(page.locator("#coupling-source")).to_be_focused()
    keyboard.press("Shift+Tab")  # out of the field: letters are shortcuts again
    expect(page.locator("#coupling-source")).not_to_be_focused()
    keyboard.press("a")
    expect(page.locator("#actor-label")).to_be_focused()
    keyboard.type("Nabo")  # letters typed in a field stay there
    expect(page.locator("#actor-label")).to_have_value("Nabo")
    keyboard.press("Enter")
    expect_version(page, 4)
    expect(actor_row(page, "Nabo")).to_have_count(1)
    # u undoes, once the focus has left the field (here: back to the button before it).
    expect(page.locator("#actor-label")).to_be_focused()
    keyboard.press("Shift+Tab")
    expect(page.locator("#actor-label")).not_to_be_focused()
    keyboard.press("u")
    expect_version(page, 5)
    expect(actor_row(page, "Nabo")).to_have_count(0)


# --- 5. accessibility ------------------------------------------------------------------------


def open_demo_case(page: Page, meeting: bool = False) -> None:
    """The demo case "Claus, 22 (før)" from the case list, as a caseworker finds it."""
    page.goto("/cases")
    page.get_by_role("link", name=DOCS_CASE, exact=True).click()
    expect(page).to_have_url(CASE_PATH)
    if meeting:
        page.get_by_role("link", name="Mødetilstand").click()
        expect(page.locator("body.meeting")).to_have_count(1)
    expect(page.locator("#envelope svg")).to_be_visible()


@pytest.mark.parametrize("meeting", [False, True], ids=["case", "meeting"])
def test_case_page_has_no_serious_accessibility_violations(axe_page: Page,
                                                          meeting: bool) -> None:
    logged_in(axe_page)
    open_demo_case(axe_page, meeting)
    # The picking script has run: the envelope's actors are buttons for the keyboard.
    expect(axe_page.locator("#envelope g.actor").first).to_have_attribute("tabindex", "0")
    violations = axe(axe_page)
    which = "meeting" if meeting else "case"
    if violations:
        print(f"axe on {which}:\n{describe(violations)}")
    serious = blocking(violations)
    assert not serious, f"axe on {which}:\n{describe(serious)}"


# --- 6. screenshots --------------------------------------------------------------------------


def test_screenshots_for_artefacts_and_user_guide(
        browser: Browser, live_server: str, screenshot: Screenshot) -> None:
    """The case page and meeting mode as artefacts; with KUVERT_UPDATE_DOCS=1 also the
    four pictures in docs/img/ used by docs/brugervejledning.md (demo data, 1400×900)."""
    context, page = open_context(browser, live_server, ConsoleLog(), viewport=DOCS_VIEWPORT)
    pictures: dict[str, Path] = {}
    try:
        page.goto("/login")
        expect(page.locator("#username")).to_be_visible()
        pictures["login"] = shot(page, "login")
        logged_in(page)
        open_demo_case(page)
        pictures["forloeb"] = shot(page, "forloeb")
        screenshot(page, "case")
        open_demo_case(page, meeting=True)
        pictures["moedetilstand"] = shot(page, "moedetilstand")
        screenshot(page, "meeting")
        page.get_by_role("link", name="Forlad mødetilstand").click()
        page.get_by_role("link", name="Udskriv", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(DOCS_CASE)
        pictures["udskrift"] = shot(page, "udskrift")
    finally:
        context.close()
    for name, path in pictures.items():
        assert path.stat().st_size > 10_000, f"{name}: {path} looks empty"
    if UPDATE_DOCS:
        DOCS_IMG.mkdir(parents=True, exist_ok=True)
        for name, path in pictures.items():
            shutil.copyfile(path, DOCS_IMG / f"{name}.png")


def shot(page: Page, name: str) -> Path:
    """A picture of what the screen shows (not the whole page), saved as an artefact."""
    page.wait_for_load_state("load")
    path = artifact_path(f"docs-{name}.png")
    page.screenshot(path=path, full_page=False, animations="disabled", caret="hide")
    return path
