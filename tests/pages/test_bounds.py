"""An id past what the database can hold, typed into a page's address, is refused
cleanly (422 page), never a server error: PostgreSQL raises on such an integer."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from app.config import Settings
from tests.helpers.html import csrf_token
from tests.helpers.routes import app_routes

HUGE = str(2**31)
ID = re.compile(r"\{(\w*_id)\}")


def _page_routes_with_ids(settings: Settings) -> list[tuple[str, str]]:
    return sorted((method, path) for method, path in app_routes(settings)
                  if not path.startswith("/api/") and ID.search(path))


def test_there_are_page_routes_with_ids(settings: Settings) -> None:
    assert len(_page_routes_with_ids(settings)) >= 10


def test_huge_ids_in_page_addresses_are_refused(browser: TestClient, settings: Settings,
                                               ) -> None:
    csrf = csrf_token(browser.get("/cases").text)
    answers = {}
    for method, path in _page_routes_with_ids(settings):
        url = ID.sub(HUGE, path).replace("{key}", "a").replace("{a}", "a").replace("{b}", "b")
        response = browser.request(method, url, data={"csrf": csrf} if method == "POST" else None,
                                   follow_redirects=False)
        answers[method, path] = response.status_code
    assert {k: v for k, v in answers.items() if v >= 500 or v < 400} == {}
    # Each is refused as invalid (422) or, for pages that only admins see, 403.
    assert set(answers.values()) <= {403, 422}, answers
