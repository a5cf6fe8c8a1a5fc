"""The case page's forms are parsed like API bodies: a bad form is a 422 with the Danish
problem list and changes nothing; one action writes one event and one audit entry; an
edit that changes nothing writes no version; due dates are written dd.mm.åååå."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app import models as m
from app.db import Database
from app.graph.examples import claus_foer
from tests.helpers.clients import Api
from tests.helpers.html import csrf_token, has, one, text_of

HX = {"HX-Request": "true"}
BAD_VERSIONS = ["x", "1.5", "1e3", "nan", "\x00", "9" * 20, "", "0", "-1", " 1", "١"]


def _csrf(html: str) -> str:
    return csrf_token(html)


def _forms(case_id: int) -> list[tuple[str, dict[str, str]]]:
    """Every change form of the case page with otherwise good values (claus_foer)."""
    return [
        (f"/cases/{case_id}/actors", {"label": "Mor", "kind": "network"}),
        (f"/cases/{case_id}/actors/uu", {"label": "UU"}),
        (f"/cases/{case_id}/actors/uu/delete", {}),
        (f"/cases/{case_id}/couplings", {"source": "uu", "target": "forsorg"}),
        (f"/cases/{case_id}/couplings/uu/ydelse", {"state": "weak"}),
        (f"/cases/{case_id}/couplings/uu/ydelse/delete", {}),
        (f"/cases/{case_id}/agreements", {"coupling": "uu|ydelse", "who": "uu",
                                          "what": "Ringer"}),
        (f"/cases/{case_id}/coordinator", {"coordinator": "uu"}),
        (f"/cases/{case_id}/undo", {}),
    ]


def _counts(db: Database, case_id: int) -> tuple[int, int, int]:
    with db.session() as session:
        events = session.scalar(select(func.count()).select_from(m.Event)
                                .where(m.Event.case_id == case_id)) or 0
        updates = session.scalar(select(func.count()).select_from(m.AuditEntry).where(
            m.AuditEntry.case_id == case_id, m.AuditEntry.action == "update")) or 0
        audits = session.scalar(select(func.count()).select_from(m.AuditEntry)
                                .where(m.AuditEntry.case_id == case_id)) or 0
    return events, updates, audits


def test_bad_version_on_every_form_is_422_and_changes_nothing(
        api: Api, browser: TestClient) -> None:
    case_id, version = api.create(claus_foer())
    csrf = _csrf(browser.get(f"/cases/{case_id}").text)
    for (path, data), bad in ((form, bad) for form in _forms(case_id) for bad in BAD_VERSIONS):
        for headers in (HX, {}):
            response = browser.post(path, headers=headers,
                                    data={"csrf": csrf, "version": bad, **data})
            assert response.status_code == 422, (path, bad, response.text[:300])
            assert "Indholdet blev afvist" in response.text, path
    assert api.get(f"/api/v1/cases/{case_id}").json()["version"] == version


@pytest.mark.parametrize(("field", "value"), [
    ("kind", "citizen"), ("kind", "alien"), ("panel", "himlen"), ("ring", "4"),
    ("ring", "x"), ("label", "x" * 201), ("contribution", "x" * 2001),
])
def test_bad_field_of_quick_add_is_422(api: Api, browser: TestClient, field: str,
                                        value: str) -> None:
    case_id, version = api.create(claus_foer())
    csrf = _csrf(browser.get(f"/cases/{case_id}").text)
    data = {"csrf": csrf, "version": str(version), "label": "Mor", "kind": "network",
            field: value}
    response = browser.post(f"/cases/{case_id}/actors", headers=HX, data=data)
    assert response.status_code == 422
    assert api.get(f"/api/v1/cases/{case_id}").json()["version"] == version


def test_one_action_writes_one_event_and_one_audit_entry(
        api: Api, browser: TestClient, db: Database) -> None:
    case_id, version = api.create(claus_foer())
    csrf = _csrf(browser.get(f"/cases/{case_id}").text)

    def post(path: str, **data: Any) -> None:
        nonlocal version
        before = _counts(db, case_id)
        response = browser.post(f"/cases/{case_id}/{path}", headers=HX,
                                data={"csrf": csrf, "version": str(version), **data})
        assert response.status_code == 200, response.text[:500]
        events, updates, audits = (after - was for after, was in
                                   zip(_counts(db, case_id), before, strict=True))
        # The change (one event, one "update" entry) and the read of the page it shows.
        assert (events, updates, audits) == (1, 1, 2), path
        version += 1

    post("actors", label="Psykolog", kind="professional")
    post("actors", label="Psykolog", kind="professional")
    post("couplings", source="psykolog", target="psykolog-2", state="needed")
    post("couplings/psykolog/psykolog-2", state="weak")
    post("agreements", coupling="psykolog|psykolog-2", who="psykolog", what="Ringer",
         due="24.12.2026")
    post("coordinator", coordinator="psykolog")
    post("actors/psykolog-2", label="Psykolog Ib", shows="label")
    post("actors/psykolog-2/delete")
    post("undo")
    keys = [a["key"] for a in api.get(f"/api/v1/cases/{case_id}/graph").json()["actors"]]
    assert keys[-2:] == ["psykolog", "psykolog-2"]


def test_edit_that_changes_nothing_writes_no_version(
        api: Api, browser: TestClient, db: Database) -> None:
    case_id, version = api.create(claus_foer())
    csrf = _csrf(browser.get(f"/cases/{case_id}").text)
    graph = api.get(f"/api/v1/cases/{case_id}/graph").json()
    uu = next(a for a in graph["actors"] if a["key"] == "uu")
    before = _counts(db, case_id)
    response = browser.post(f"/cases/{case_id}/actors/uu", headers=HX, data={
        "csrf": csrf, "version": str(version), "label": uu["label"],
        "contribution": uu.get("contribution", ""), "shows": "label contribution"})
    assert response.status_code == 200
    assert text_of(one(response, "#case-version")) == str(version)
    events, updates, _audits = _counts(db, case_id)
    assert (events, updates) == (before[0], before[1] + 1)
    with db.session() as session:
        detail = session.scalar(select(m.AuditEntry.detail).where(
            m.AuditEntry.case_id == case_id, m.AuditEntry.action == "update"))
    assert detail == "actor_changed: intet ændret"
    assert api.get(f"/api/v1/cases/{case_id}").json()["version"] == version


@pytest.mark.parametrize("due", ["31.02.2026", "2026/13/01", "24-12-26", "i morgen"])
def test_wrong_due_date_is_explained_and_nothing_saved(
        api: Api, browser: TestClient, due: str) -> None:
    case_id, version = api.create(claus_foer())
    csrf = _csrf(browser.get(f"/cases/{case_id}").text)
    response = browser.post(f"/cases/{case_id}/agreements", headers=HX, data={
        "csrf": csrf, "version": str(version), "coupling": "uu|ydelse", "who": "uu",
        "what": "Ringer", "due": due})
    assert response.status_code == 422
    assert has(response, "#problems") and "dd.mm.åååå" in response.text
    assert api.get(f"/api/v1/cases/{case_id}").json()["version"] == version


def test_due_date_written_and_shown_in_danish_order(api: Api, browser: TestClient) -> None:
    case_id, version = api.create(claus_foer())
    csrf = _csrf(browser.get(f"/cases/{case_id}").text)
    response = browser.post(f"/cases/{case_id}/agreements", headers=HX, data={
        "csrf": csrf, "version": str(version), "coupling": "uu|ydelse", "who": "uu",
        "what": "Ringer", "due": "5.3.2027"})
    assert response.status_code == 200
    assert "senest 05.03.2027" in response.text
    assert 'placeholder="dd.mm.åååå"' in response.text and 'type="date"' not in response.text


def test_history_speaks_plain_words(api: Api, browser: TestClient) -> None:
    case_id, version = api.create(claus_foer())
    csrf = _csrf(browser.get(f"/cases/{case_id}").text)
    labels = {a["key"]: a["label"]
              for a in api.get(f"/api/v1/cases/{case_id}/graph").json()["actors"]}
    for path, data in [("agreements", {"coupling": "uu|ydelse", "who": "uu",
                                       "what": "Ringer"}),
                       ("undo", {}), ("undo", {}), ("undo", {})]:
        response = browser.post(f"/cases/{case_id}/{path}", headers=HX,
                                data={"csrf": csrf, "version": str(version), **data})
        assert response.status_code == 200, response.text[:300]
        version += 1
    html = response.text
    pair = f"{labels['uu']} – {labels['ydelse']}"
    assert f"Kobling ændret: {pair}: aftale tilføjet" in html
    assert "Fortrudt: Fortrudt:" not in html and "Gjort igen: Kobling ændret" in html
    assert f"({browser.username}, version {version})" in html  # type: ignore[attr-defined]
    assert "user:" not in html and ", v2)" not in html


def test_history_speaks_plain_words_in_english(api: Api, browser: TestClient) -> None:
    """The same changes as above, read in English: every word of the summaries is
    English, nested ones too (the undone change, what changed), and the labels stay."""
    case_id, version = api.create(claus_foer())
    csrf = _csrf(browser.get(f"/cases/{case_id}").text)
    browser.cookies.set("kuvert_lang", "en")
    try:
        for path, data in [("agreements", {"coupling": "uu|ydelse", "who": "uu",
                                           "what": "Ringer"}),
                           ("undo", {}), ("undo", {}), ("undo", {})]:
            response = browser.post(f"/cases/{case_id}/{path}", headers=HX,
                                    data={"csrf": csrf, "version": str(version), **data})
            assert response.status_code == 200, response.text[:300]
            version += 1
    finally:
        browser.cookies.delete("kuvert_lang")
    # Each entry: "<when> – <summary> " then who and which version, in a <small>.
    said = [li.text.split(" – ", 1)[1].strip()
            for li in one(response.text, "#history").cssselect("li")]
    pair = "UU-vejleder – Ydelsesrådgiver"
    assert said == [
        f"Undone: Coupling changed: {pair}: agreement added",
        f"Redone: Coupling changed: {pair}: agreement added",
        f"Undone: Coupling changed: {pair}: agreement added",
        f"Coupling changed: {pair}: agreement added",
        "Case created: Claus, 22 (før)",
    ]
    danish = browser.get(f"/cases/{case_id}").text
    assert f"Gjort igen: Kobling ændret: {pair}: aftale tilføjet" in danish


@pytest.mark.parametrize("key", ["%00", "x%00y", "..%2F..", "%E2%80%AE", "a" * 300])
def test_hostile_key_in_the_address_is_refused_not_500(api: Api, browser: TestClient,
                                                        key: str) -> None:
    case_id, version = api.create(claus_foer())
    csrf = _csrf(browser.get(f"/cases/{case_id}").text)
    for path in (f"actors/{key}", f"actors/{key}/delete", f"couplings/{key}/uu",
                 f"couplings/uu/{key}/delete"):
        response = browser.post(f"/cases/{case_id}/{path}", headers=HX,
                                data={"csrf": csrf, "version": str(version), "label": "X"})
        assert response.status_code < 500, (path, response.text[:300])
    assert api.get(f"/api/v1/cases/{case_id}").json()["version"] == version
