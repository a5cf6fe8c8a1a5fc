"""The case page's workspace is drawn once per version and kept for everyone who views it.

In a meeting every change makes each open page fetch the workspace again, all for the
same version. The first fetch draws it; the others get the same HTML with their own
CSRF token put in. What must never happen: one person's token in another's forms, a
page that shows an older version than the one stored, a page in the wrong language,
or a read that is not audited because nothing was drawn.
"""

from __future__ import annotations

import secrets

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app import models as m
from app.db import Database
from app.graph.examples import claus_foer
from app.main import create_app
from app.routes import pages_case
from tests.helpers.clients import Api, log_in, new_user
from tests.helpers.html import csrf_token, one, parse

HX = {"HX-Request": "true"}


def _tokens(html: str) -> set[str]:
    """The CSRF tokens the page's forms carry (the envelope's tools get theirs from the
    script, so theirs are empty)."""
    return {field.get("value") for field in parse(html).cssselect('input[name="csrf"]')
            if field.get("value")}


def _reads(db: Database, case_id: int) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(m.AuditEntry).where(
            m.AuditEntry.case_id == case_id,
            m.AuditEntry.action.in_(("read", "read_live")))) or 0


def test_two_people_on_one_version_each_get_their_own_token(
        api: Api, browser: TestClient, db: Database) -> None:
    case_id, _ = api.create(claus_foer())
    mine = browser.get(f"/cases/{case_id}").text
    mine_live = browser.get(f"/cases/{case_id}/workspace", headers=HX).text
    other = new_user(db, api.team, "editor")
    with TestClient(create_app(browser.app.state.settings)) as colleague:
        assert log_in(colleague, other).status_code == 303
        theirs = colleague.get(f"/cases/{case_id}").text
        live = colleague.get(f"/cases/{case_id}/workspace", headers=HX).text
        # The same version, drawn once: the same page but for the token.
        token = csrf_token(theirs)
        assert _tokens(theirs) == _tokens(live) == {token}
        assert _tokens(mine) == {csrf_token(mine)} != {token}
        assert pages_case._CSRF_HOLE not in mine + mine_live + theirs + live
        assert live.replace(token, "T") == mine_live.replace(csrf_token(mine), "T")
        # The colleague's forms work with the token the kept workspace gave them.
        answer = colleague.post(f"/cases/{case_id}/coordinator", headers=HX, data={
            "csrf": token, "version": one(live, "#add-actor input[name=version]").get("value"),
            "coordinator": "uu"})
        assert answer.status_code == 200, answer.text
        colleague.app.state.db.dispose()


def test_a_change_is_shown_at_once_not_the_kept_version(api: Api, browser: TestClient) -> None:
    case_id, version = api.create(claus_foer())
    before = browser.get(f"/cases/{case_id}/workspace", headers=HX).text
    assert one(before, "#case-version").text == str(version)
    label = f"Ny aktør {secrets.token_hex(3)}"
    added = api.post(f"/api/v1/cases/{case_id}/actors", headers={"If-Match": f'"{version}"'},
                     json={"key": "ny", "kind": "professional", "label": label})
    assert added.status_code == 201, added.text
    after = browser.get(f"/cases/{case_id}/workspace", headers=HX).text
    assert one(after, "#case-version").text == str(version + 1)
    assert label in after and label not in before
    page = browser.get(f"/cases/{case_id}").text
    assert one(page, "#case-version").text == str(version + 1) and label in page


def test_the_same_version_in_two_languages(api: Api, browser: TestClient) -> None:
    case_id, _ = api.create(claus_foer())
    danish = browser.get(f"/cases/{case_id}").text
    browser.post("/lang", data={"lang": "en", "next": "/cases"})
    try:
        english = browser.get(f"/cases/{case_id}").text
    finally:
        browser.post("/lang", data={"lang": "da", "next": "/cases"})
    again = browser.get(f"/cases/{case_id}").text
    assert "Tilføj aktør" in danish and "Add actor" not in danish
    assert "Add actor" in english and "Tilføj aktør" not in english
    assert again == danish


def test_every_view_is_audited_though_drawn_once(api: Api, browser: TestClient,
                                                 db: Database) -> None:
    case_id, _ = api.create(claus_foer())
    before = _reads(db, case_id)
    for _ in range(3):
        assert browser.get(f"/cases/{case_id}").status_code == 200
        assert browser.get(f"/cases/{case_id}/workspace", headers=HX).status_code == 200
    assert _reads(db, case_id) == before + 6


def test_the_catalogue_lists_stand_once_outside_the_workspace(api: Api,
                                                              browser: TestClient) -> None:
    """The add forms' suggestions are the same for every case: a redraw leaves them be."""
    case_id, _ = api.create(claus_foer())
    page = parse(browser.get(f"/cases/{case_id}").text)
    assert len(page.cssselect("datalist#professions")) == 1
    assert not page.cssselect("#workspace datalist")
    assert one(page, "#actor-profession").get("list") == "professions"
    assert "<datalist" not in browser.get(f"/cases/{case_id}/workspace", headers=HX).text
