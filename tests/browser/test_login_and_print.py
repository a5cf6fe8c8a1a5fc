"""Log in, see the case list, print a case: in a real browser against a live server."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from app.graph.analyse import analyse
from app.graph.classify import classify
from app.graph.examples import claus_foer
from tests.helpers.browser import (
    ConsoleLog,
    LiveApi,
    artifact_path,
    axe,
    blocking,
    describe,
    log_in,
)
from tests.helpers.documents import PRINTED, sixty_actors
from tests.helpers.pdf import label_sizes, last_lines, page_texts, unbroken

DEMO_CASES = ["Claus, 22 (før)", "Claus, 22 (nu)", "Maja, 34", "Sara, 17"]
PRINT_LINK = "Udskriv Claus, 22 (nu)"
PRINT_URL = re.compile(r"/cases/\d+/print$")
WRONG_LOGIN = "Forkert brugernavn eller adgangskode"

Screenshot = Callable[[Page, str], Path]


def print_path(page: Page) -> str:
    """The print page of Claus nu, as linked from the case list."""
    page.goto("/cases")
    href = page.get_by_role("link", name=PRINT_LINK).get_attribute("href")
    assert href is not None and PRINT_URL.search(href), href
    return href


def focus_by_tab(page: Page, selector: str, presses: int = 10) -> None:
    """Press Tab until ``selector`` has the focus, as a keyboard user would."""
    target = page.locator(selector)
    for _ in range(presses):
        if target.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Tab")
    pytest.fail(f"{selector} not reached with {presses} presses of Tab")


def test_log_in_shows_case_list(logged_in_page: Page, screenshot: Screenshot) -> None:
    page = logged_in_page
    expect(page).to_have_url(re.compile(r"/cases$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Borgerforløb")
    expect(page.get_by_text("Logget ind som demo")).to_be_visible()
    cases = page.locator("table.cases tbody tr td:first-child")
    for label in DEMO_CASES:
        expect(cases.filter(has_text=re.compile(f"^{re.escape(label)}$"))).to_have_count(1)
    screenshot(page, "cases")


def test_log_in_wrong_password_shows_danish_alert(page: Page) -> None:
    log_in(page, password="forkert-kode")
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("alert")).to_contain_text(WRONG_LOGIN)
    expect(page.locator("#password")).to_be_visible()


def test_log_out_ends_session_on_server(logged_in_page: Page) -> None:
    page = logged_in_page
    session_cookies = [c for c in page.context.cookies() if c["name"] == "kuvert_session"]
    assert session_cookies, page.context.cookies()

    page.get_by_role("button", name="Log ud").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto("/cases")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fcases$"))

    # The old cookie, sent again, opens nothing: the session ended on the server.
    page.context.add_cookies(session_cookies)  # type: ignore[arg-type]
    page.goto("/cases")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fcases$"))


def test_log_in_with_keyboard_only(page: Page) -> None:
    page.goto("/login")
    focus_by_tab(page, "#username")
    page.keyboard.type("demo")
    page.keyboard.press("Tab")
    expect(page.locator("#password")).to_be_focused()
    page.keyboard.type("kuvert-demo")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/cases$"))
    expect(page.get_by_role("link", name=PRINT_LINK)).to_be_visible()


def test_print_case_shows_envelope_and_tables_and_makes_pdf(
        logged_in_page: Page, screenshot: Screenshot) -> None:
    page = logged_in_page
    page.get_by_role("link", name=PRINT_LINK).click()
    expect(page).to_have_url(PRINT_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text("Claus, 22 (nu)")

    envelope = page.get_by_role("region", name="Kuvertdiagram").locator("svg")
    expect(envelope).to_have_count(1)
    expect(envelope).to_be_visible()
    box = envelope.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 150, box

    for heading in ("Aktører", "Koblinger og aftaler"):
        expect(page.get_by_role("heading", name=heading, level=2)).to_be_visible()
        rows = page.locator(f"h2:text-is('{heading}') + table tbody tr")
        expect(rows.first).to_be_visible()
    coordinator = page.get_by_role("cell", name="Koordinerende sagsbehandler (koordinator)")
    expect(coordinator).to_be_visible()
    screenshot(page, "print")

    pdf = page.pdf(format="A4", landscape=True)
    assert pdf.startswith(b"%PDF"), pdf[:20]
    artifact_path("claus-nu.pdf").write_bytes(pdf)
    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) >= 2, "the envelope should fill page one, the tables follow"
    assert pages[0].mediabox.width > pages[0].mediabox.height, "landscape"


PAGES = ["login", "cases", "print"]


def _go(page: Page, which: str) -> str:
    """Log in when the page needs it; returns the page's path."""
    if which == "login":
        return "/login"
    log_in(page)
    page.wait_for_url(re.compile(r"/cases$"))
    return "/cases" if which == "cases" else print_path(page)


@pytest.mark.parametrize("which", PAGES)
def test_page_has_no_serious_accessibility_violations(axe_page: Page, which: str) -> None:
    axe_page.goto(_go(axe_page, which))
    violations = axe(axe_page)
    if violations:
        print(f"axe on {which}:\n{describe(violations)}")
    serious = blocking(violations)
    assert not serious, f"axe on {which}:\n{describe(serious)}"


@pytest.mark.parametrize("which", PAGES)
def test_page_sends_csp_and_logs_no_console_errors(
        page: Page, console: ConsoleLog, which: str) -> None:
    response = page.goto(_go(page, which))
    assert response is not None and response.ok, response
    csp = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in csp and "style-src 'self'" in csp, csp
    assert "unsafe-inline" not in csp, csp
    page.wait_for_load_state("load")
    assert not console.csp_violations(), "\n".join(console.csp_violations())
    assert not console.errors(), "\n".join(console.errors())


# --- the print page on paper, by Chromium, read back with pdfplumber (issue 12 item 4) ------

PRINT_HEADINGS = {"Aktører", "Koblinger og aftaler", "Klassifikation: prototype 1",
                  "Klassifikation: prototype 2", "Klassifikation: prototype 3", "Advarsler"}


def chromium_pdf(page: Page, name: str) -> bytes:
    """The page as Chromium prints it (A4 landscape from the page's own CSS)."""
    pdf = page.pdf(prefer_css_page_size=True)
    artifact_path(f"{name}.pdf").write_bytes(pdf)
    return pdf


def test_printed_case_has_reasons_warnings_and_labels_of_8_pt(logged_in_page: Page) -> None:
    page = logged_in_page
    page.get_by_role("link", name="Udskriv Claus, 22 (før)").click()
    expect(page).to_have_url(PRINT_URL)
    pdf = chromium_pdf(page, "claus-foer")
    pages = page_texts(pdf)
    doc = claus_foer()
    after = unbroken(" ".join(pages[1:]))
    for line in [*classify(doc).reasons, *(w.message for w in analyse(doc).warnings)]:
        assert unbroken(line) in after, line
    actors = [a.label for a in doc.actors if a.kind != "citizen"]
    sizes = label_sizes(pdf, actors)
    assert set(sizes) == set(actors), sizes
    assert min(sizes.values()) >= 8.0, sizes
    assert not PRINT_HEADINGS & set(last_lines(pdf)), last_lines(pdf)


@pytest.mark.parametrize("name", ["prototype-3", "30 actors"])
def test_printed_crowded_case_has_labels_of_8_pt(logged_in_page: Page, live_api: LiveApi,
                                                name: str) -> None:
    """Chromium's print of the page: page one holds the envelope alone under its heading
    (the legend opens page two), so 17 and 30 actors print at 8 pt or more too."""
    page = logged_in_page
    doc = PRINTED[name]()
    case_id = live_api("POST", "/api/v1/cases", doc.model_dump(mode="json",
                                                             exclude_none=True))["id"]
    page.goto(f"/cases/{case_id}/print")
    pdf = chromium_pdf(page, name.replace(" ", "-"))
    actors = [a.label for a in doc.actors if a.kind != "citizen"]
    sizes = label_sizes(pdf, actors)
    assert set(sizes) == set(actors), set(actors) - set(sizes)
    assert min(sizes.values()) >= 8.0, sizes
    pages = page_texts(pdf)
    assert "Signaturforklaring" not in pages[0] and "Signaturforklaring" in pages[1]


def test_printed_large_case_on_a3_has_labels_of_8_pt(logged_in_page: Page,
                                                    live_api: LiveApi) -> None:
    """60 actors cannot print at 8 pt on A4: the print page says so, and its A3 link gives
    a page Chromium prints on landscape A3 with every name at 8 pt or more."""
    page = logged_in_page
    doc = sixty_actors()
    case_id = live_api("POST", "/api/v1/cases", doc.model_dump(mode="json",
                                                             exclude_none=True))["id"]
    page.goto(f"/cases/{case_id}/print")
    page.locator("#paper-hint").get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/print\?paper=a3$"))
    pdf = chromium_pdf(page, "60-actors-a3")
    first = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    assert (round(float(first.width) / 72 * 25.4), round(float(first.height) / 72 * 25.4)) == (
        420, 297)
    actors = [a.label for a in doc.actors if a.kind != "citizen"]
    sizes = label_sizes(pdf, actors)
    assert set(sizes) == set(actors), set(actors) - set(sizes)
    assert min(sizes.values()) >= 8.0, sizes


def test_printed_case_never_ends_a_page_with_a_heading(logged_in_page: Page,
                                                       live_api: LiveApi) -> None:
    """Cases of growing length (each actor adds a table row and a warning): whatever the
    length, no page's last line is a heading. Without print.css's ``break-after: avoid``
    the lengths 6, 13, 14, 17 and 25 (of these) end a page with one (Chromium 2026-12)."""
    page = logged_in_page
    for n in range(4, 28):
        doc = {"label": f"Længde {n}", "target_group": "voksne",
               "actors": [{"key": "borger", "kind": "citizen", "label": "Borger"}]
               + [{"key": f"a{i}", "kind": "professional", "label": f"Fagperson {i}",
                   "contribution": "Kan bidrage med noget. " * (i % 4)} for i in range(n)]}
        case_id = live_api("POST", "/api/v1/cases", doc)["id"]
        page.goto(f"/cases/{case_id}/print")
        last = last_lines(chromium_pdf(page, "length"))
        assert not PRINT_HEADINGS & set(last), (n, last)
