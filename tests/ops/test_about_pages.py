"""/tilgaengelighed and /privatliv: public, Danish and English, linked from every footer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from tests.helpers.html import all_text, has

FOOTER = ('<a href="/tilgaengelighed">', '<a href="/privatliv">')


@pytest.fixture
def anonymous(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


def test_accessibility_page_is_public_and_danish(anonymous: TestClient) -> None:
    answer = anonymous.get("/tilgaengelighed")
    assert answer.status_code == 200
    assert "Tilgængelighed i Kuvert" in all_text(answer, "h1") and has(answer, '[lang="da"]')
    assert "axe-core" in answer.text and "KUVERT_ACCESSIBILITY_STATEMENT_URL" in answer.text


def test_accessibility_page_links_the_municipalitys_statement(settings: Settings) -> None:
    url = "https://www.was.digst.dk/kuvert-kommune-dk"
    app = create_app(settings.model_copy(update={"accessibility_statement_url": url}))
    with TestClient(app) as client:
        answer = client.get("/tilgaengelighed")
    assert url in all_text(answer, f'a[href="{url}"]')
    assert "KUVERT_ACCESSIBILITY_STATEMENT_URL" not in answer.text


def test_privacy_page_names_the_configured_retention(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"audit_retention_days": 200,
                                                 "closed_case_retention_days": 900}))
    with TestClient(app) as client:
        answer = client.get("/privatliv")
    assert answer.status_code == 200
    assert "Privatliv: hvad Kuvert gemmer" in all_text(answer, "h1")
    assert "gemmes i 200 dage" in answer.text and "uændrede i 900 dage" in answer.text
    assert "indsigtsrapport" in answer.text


@pytest.mark.parametrize(("path", "heading"), [
    ("/tilgaengelighed", "Accessibility in Kuvert"),
    ("/privatliv", "Privacy: what Kuvert stores"),
])
def test_about_pages_in_english(anonymous: TestClient, path: str, heading: str) -> None:
    anonymous.cookies.set("kuvert_lang", "en")
    answer = anonymous.get(path)
    assert heading in all_text(answer, "h1") and has(answer, '[lang="en"]')
    assert "Accessibility" in all_text(answer, 'a[href="/tilgaengelighed"]')


@pytest.mark.parametrize("path", ["/login", "/tilgaengelighed", "/privatliv", "/no-such-page"])
def test_footer_links_on_public_pages(anonymous: TestClient, path: str) -> None:
    text = anonymous.get(path, headers={"Accept": "text/html"}).text
    assert all(link in text for link in FOOTER), path


def test_footer_links_when_logged_in(browser: TestClient) -> None:
    for path in ("/cases", "/tilgaengelighed"):
        answer = browser.get(path)
        assert answer.status_code == 200
        assert all(link in answer.text for link in FOOTER)
    assert "Logget ind som" in browser.get("/privatliv").text  # the header knows who
