"""The history page, saving snapshots from it, and the side-by-side compare page."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from app import accounts
from app import models as m
from app.config import Settings
from app.db import Database
from app.graph.examples import claus_foer, claus_nu
from app.main import create_app
from tests.helpers.clients import Api, log_in
from tests.helpers.html import all_text, csrf_token, has, is_page, one, parse, text_of

HX = {"HX-Request": "true"}


def _csrf(html: str) -> str:
    return csrf_token(html)


def _browser(settings: Settings, db: Database, team: str, role: str) -> Iterator[TestClient]:
    username = f"user-{secrets.token_hex(4)}"
    with db.session() as session:
        accounts.create_user(session, username, "en-lang-adgangskode", team, role)
    app = create_app(settings)
    with TestClient(app) as c:
        assert log_in(c, username).status_code == 303
        yield c
    app.state.db.dispose()


@pytest.fixture
def browser(settings: Settings, db: Database, api: Api) -> Iterator[TestClient]:
    """A logged-in coordinator of ``api``'s team, on an app with the history pages."""
    yield from _browser(settings, db, api.team, "coordinator")


@pytest.fixture
def reading(settings: Settings, db: Database, api: Api) -> Iterator[TestClient]:
    """A logged-in reader of ``api``'s team."""
    yield from _browser(settings, db, api.team, "reader")


def _claus_now(api: Api, case_id: int, version: int) -> None:
    body: dict[str, Any] = claus_nu().model_dump(mode="json", exclude_none=True)
    response = api.put(f"/api/v1/cases/{case_id}/graph", json={**body, "version": version})
    assert response.status_code == 200, response.text


def test_show_history_full_page(api: Api, browser: TestClient) -> None:
    case_id, version = api.create(claus_foer())
    _claus_now(api, case_id, version)
    response = browser.get(f"/cases/{case_id}/history")
    assert response.status_code == 200
    html = response.text
    assert is_page(html) and "Historik: Claus, 22 (nu)" in all_text(html, "h1")
    assert has(html, "#event-1") and has(html, "#event-2")
    assert "Borgerforløb oprettet: Claus, 22 (før)" in html
    assert "Hele netværket erstattet" in html and "adgangsnøglen «" in html and "token:" not in html
    assert has(html, "#snapshot-form") and has(html, "#compare-form")
    assert has(html, 'option[value="v1"][selected]') and has(html, 'option[value="v2"][selected]')
    assert response.headers["vary"] == "HX-Request"


def test_show_history_in_english(api: Api, browser: TestClient, db: Database) -> None:
    """The summaries follow the page's language; an event stored before summaries were
    messages says the Danish words it has."""
    case_id, version = api.create(claus_foer())
    _claus_now(api, case_id, version)
    api.patch(f"/api/v1/cases/{case_id}/actors/uu",
              json={"label": "UU", "ring": 2, "version": version + 1})
    with db.session() as session:
        session.execute(update(m.Event).where(m.Event.case_id == case_id, m.Event.version == 2)
                        .values(summary_message=None))
        session.commit()
    browser.cookies.set("kuvert_lang", "en")
    try:
        html = browser.get(f"/cases/{case_id}/history").text
    finally:
        browser.cookies.delete("kuvert_lang")
    said = {int(row.get("id").removeprefix("event-")): text_of(row.cssselect("td")[3])
            for row in parse(html).cssselect('tr[id^="event-"]')}
    assert said == {1: "Case created: Claus, 22 (før)", 2: "Hele netværket erstattet",
                    3: "Actor changed: UU-vejleder → UU: name, distance"}
    assert "Version 3 – " in html and " – Actor changed: UU-vejleder → UU" in html


def test_save_snapshot_without_javascript_redirects_back(api: Api, browser: TestClient) -> None:
    case_id, _ = api.create(claus_foer())
    csrf = _csrf(browser.get(f"/cases/{case_id}/history").text)
    response = browser.post(f"/cases/{case_id}/snapshots", follow_redirects=False,
                            data={"csrf": csrf, "name": "før"})
    assert response.status_code == 303
    assert response.headers["location"] == f"/cases/{case_id}/history#snapshots"
    html = browser.get(f"/cases/{case_id}/history").text
    assert "før" in all_text(html, "td")


def test_save_snapshot_with_htmx_returns_fragment(api: Api, browser: TestClient) -> None:
    case_id, _ = api.create(claus_foer())
    csrf = _csrf(browser.get(f"/cases/{case_id}/history").text)
    response = browser.post(f"/cases/{case_id}/snapshots", headers=HX,
                            data={"csrf": csrf, "name": "efter møde 12/3"})
    assert response.status_code == 200, response.text
    assert parse(response).tag == "div" and parse(response).get("id") == "snapshots"
    assert not is_page(response) and not has(response, "html")
    assert "efter møde 12/3" in all_text(response, "td")
    assert "efter møde 12/3 (version 1)" in all_text(response, "option")  # can be compared


def test_save_snapshot_duplicate_name_shows_conflict(api: Api, browser: TestClient) -> None:
    case_id, _ = api.create(claus_foer())
    csrf = _csrf(browser.get(f"/cases/{case_id}/history").text)
    data = {"csrf": csrf, "name": "før"}
    assert browser.post(f"/cases/{case_id}/snapshots", headers=HX, data=data).status_code == 200
    again = browser.post(f"/cases/{case_id}/snapshots", headers=HX, data=data)
    assert again.status_code == 409
    assert has(again, "#problems") and "«før»" in again.text
    plain = browser.post(f"/cases/{case_id}/snapshots", data=data, follow_redirects=False)
    assert plain.status_code == 409 and is_page(plain) and has(plain, "#problems")


def test_save_snapshot_cpr_name_is_refused(api: Api, browser: TestClient) -> None:
    case_id, _ = api.create(claus_foer())
    csrf = _csrf(browser.get(f"/cases/{case_id}/history").text)
    response = browser.post(f"/cases/{case_id}/snapshots", headers=HX,
                            data={"csrf": csrf, "name": "Claus 0102031234"})
    assert response.status_code == 422
    assert "CPR" in response.text and has(response, '[aria-invalid="true"]')
    assert "Claus 0102031234" not in all_text(response, "td")


def test_save_snapshot_without_csrf_is_refused(api: Api, browser: TestClient) -> None:
    case_id, _ = api.create(claus_foer())
    response = browser.post(f"/cases/{case_id}/snapshots", headers=HX, data={"name": "før"})
    assert response.status_code == 403


def test_save_snapshot_not_enough_permissions(api: Api, reading: TestClient) -> None:
    case_id, _ = api.create(claus_foer())
    html = reading.get(f"/cases/{case_id}/history").text
    assert not has(html, "#snapshot-form")
    response = reading.post(f"/cases/{case_id}/snapshots", data={"csrf": _csrf(html),
                                                                  "name": "før"})
    assert response.status_code == 403


def test_history_of_other_teams_case_is_not_found(other_team: Api, browser: TestClient) -> None:
    case_id, _ = other_team.create(claus_foer())
    assert browser.get(f"/cases/{case_id}/history").status_code == 404
    assert browser.get(f"/cases/{case_id}/compare?left=v1&right=v1").status_code == 404


def test_compare_claus_before_and_now(api: Api, browser: TestClient) -> None:
    case_id, version = api.create(claus_foer())
    _claus_now(api, case_id, version)
    response = browser.get(f"/cases/{case_id}/compare?left=v1&right=v2")
    assert response.status_code == 200, response.text
    html = response.text
    assert is_page(html) and has(html, "#side-left") and has(html, "#side-right")
    # two envelopes whose ids do not clash
    assert has(html, "#left-kuvert-title") and has(html, "#right-kuvert-title")
    assert html.count("<svg") == 2
    page = parse(html)
    added = one(page, '#actor-changes li.added[data-key="koordinator"]')
    assert "Tilføjet: Koordinerende sagsbehandler" in text_of(added)
    assert [text_of(s) for s in added.cssselect('span[aria-hidden="true"]')] == ["+"]
    couplings = one(page, "#coupling-changes")
    uu_ydelse = one(couplings, '[data-source="uu"][data-target="ydelse"]')
    assert "Status: skal etableres → svag" in text_of(uu_ydelse)
    removed = one(couplings, '.removed[data-source="claus"][data-target="ydelse"]')
    assert "− Fjernet" in text_of(removed)
    coordinator = text_of(one(page, "#coordinator-change"))
    assert "Koordinator" in coordinator and "Koordinerende sagsbehandler" in coordinator


def test_compare_in_english(api: Api, browser: TestClient) -> None:
    case_id, version = api.create(claus_foer())
    _claus_now(api, case_id, version)
    browser.post("/lang", data={"lang": "en", "next": "/cases"})
    html = browser.get(f"/cases/{case_id}/compare?left=v1&right=v2").text
    page = parse(html)
    assert page.get("lang") == "en" and page.cssselect("svg")[0].get("lang") == "en"


def test_compare_without_choice_redirects_to_last_change(api: Api,
                                                         browser: TestClient) -> None:
    case_id, version = api.create(claus_foer())
    _claus_now(api, case_id, version)
    response = browser.get(f"/cases/{case_id}/compare", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/cases/{case_id}/compare?left=v1&right=v2"


def test_compare_malformed_reference_is_refused(api: Api, browser: TestClient) -> None:
    case_id, _ = api.create(claus_foer())
    assert browser.get(f"/cases/{case_id}/compare?left=x1&right=v1").status_code == 422
