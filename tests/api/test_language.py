"""API refusals, a case's history, its classification's reasons and its warnings speak
the caller's language: Danish by default, English on Accept-Language.

The machine-readable parts (status, code, fields, extra values, event kinds) never change
with it.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from app import models as m
from app.db import Database
from app.graph.analyse import analyse
from app.graph.classify import classify
from app.graph.examples import claus_foer
from app.i18n import translations
from tests.helpers.html import parse

EN = {"Accept-Language": "en-GB,en;q=0.9"}


def _both(call: Any) -> tuple[Any, Any]:
    """The same request answered by default (Danish) and with Accept-Language: en."""
    return call({}), call(EN)


def _same_but_words(danish: Any, english: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    assert danish.status_code == english.status_code
    da, en = danish.json()["error"], english.json()["error"]
    assert {k: v for k, v in da.items() if k not in ("message", "problems")} == \
        {k: v for k, v in en.items() if k not in ("message", "problems")}
    assert [(p["field"], p["code"]) for p in da.get("problems", [])] == \
        [(p["field"], p["code"]) for p in en.get("problems", [])]
    return da, en


def test_missing_case_refused_in_danish_then_english(api: Any) -> None:
    danish, english = _both(lambda h: api.get("/api/v1/cases/987654321", headers=h))
    assert danish.status_code == 404
    da, en = _same_but_words(danish, english)
    assert da["code"] == "not_found"
    assert da["message"] == "Borgerforløbet findes ikke, eller du har ikke adgang til det."
    assert en["message"] == "The case does not exist, or you do not have access to it."
    assert "Accept-Language" in english.headers["Vary"]


def test_stale_version_refused_in_danish_then_english(api: Any) -> None:
    case_id, version = api.create(claus_foer())
    api.patch(f"/api/v1/cases/{case_id}", json={"label": "Claus", "version": version})
    danish, english = _both(lambda h: api.patch(
        f"/api/v1/cases/{case_id}", json={"label": "Claus B", "version": version}, headers=h))
    assert danish.status_code == 409
    da, en = _same_but_words(danish, english)
    assert da["code"] == "stale_version" and da["current_version"] == version + 1
    assert da["message"].startswith("Borgerforløbet er blevet ændret af en anden")
    assert en["message"].startswith("Someone else has changed the case")


def test_bad_body_refused_in_danish_then_english(api: Any) -> None:
    doc = claus_foer().model_dump(mode="json", exclude_none=True)
    doc["coordinator"] = "ghost"
    doc["actors"][1]["ring"] = 9
    danish, english = _both(lambda h: api.post("/api/v1/cases", json=doc, headers=h))
    assert danish.status_code == 422
    da, en = _same_but_words(danish, english)
    assert da["code"] == "invalid_document"
    assert da["message"].startswith("Indholdet blev afvist.")
    assert en["message"].startswith("The content was refused.")
    said = {p["field"]: (p["message"]) for p in en["problems"]}
    assert said["actors[1].ring"] == "The number may be at most 3."
    assert {p["field"]: p["message"] for p in da["problems"]}["actors[1].ring"] == \
        "Tallet må højst være 3."


def test_graph_rule_refused_with_its_values_in_english(api: Any) -> None:
    doc = claus_foer().model_dump(mode="json", exclude_none=True)
    doc["coordinator"] = "ghost"
    danish, english = _both(lambda h: api.post("/api/v1/cases", json=doc, headers=h))
    da, en = _same_but_words(danish, english)
    assert da["problems"] == [{"field": "coordinator", "code": "unknown_actor",
                               "message": "Koordinatoren «ghost» findes ikke i netværket."}]
    assert en["problems"][0]["message"] == "The coordinator «ghost» is not in the network."


def test_edit_of_missing_actor_refused_in_english(api: Any) -> None:
    case_id, version = api.create(claus_foer())
    response = api.delete(f"/api/v1/cases/{case_id}/actors/ghost",
                          headers={"If-Match": f'"{version}"', **EN})
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "The actor «ghost» is not in the case."


def test_unauthenticated_refused_in_english(client: TestClient) -> None:
    response = client.get("/api/v1/cases", headers=EN)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert response.json()["error"]["message"].startswith("You must give a valid access token")


@pytest.mark.parametrize("header", ["da", "da-DK,da;q=0.9,en;q=0.8", "de, en;q=0", "fr"])
def test_danish_or_unknown_accept_language_answers_danish(api: Any, header: str) -> None:
    response = api.get("/api/v1/cases/987654321", headers={"Accept-Language": header})
    assert response.json()["error"]["message"].startswith("Borgerforløbet findes ikke")


def test_pages_follow_the_cookie_not_accept_language(client: TestClient) -> None:
    page = client.get("/login", headers=EN)
    assert parse(page).get("lang") == "da"


def _summaries(api: Any, case_id: int, headers: dict[str, str]) -> list[str]:
    response = api.get(f"/api/v1/cases/{case_id}/history", headers=headers)
    assert response.status_code == 200 and "Accept-Language" in response.headers["Vary"]
    return [event["summary"] for event in response.json()["events"]]


def test_history_said_in_danish_then_english(api: Any) -> None:
    case_id, version = api.create(claus_foer())
    for method, path, body in [
        ("patch", "actors/uu", {"profession": "Vejleder", "contact": "Tlf. 1234"}),
        ("patch", "couplings/uu/ydelse", {"state": "established"}),
        ("post", "actors", {"key": "mor", "kind": "network", "label": "Mor"}),
    ]:
        response = getattr(api, method)(f"/api/v1/cases/{case_id}/{path}",
                                        json={**body, "version": version})
        assert response.status_code in (200, 201), response.text
        version += 1
    assert api.patch(f"/api/v1/cases/{case_id}", json={
        "status": "closed", "external_ref": "S-1", "version": version}).status_code == 200
    danish, english = _summaries(api, case_id, {}), _summaries(api, case_id, EN)
    assert danish == [
        "Borgerforløb oprettet: Claus, 22 (før)",
        "Aktør ændret: UU-vejleder: faggruppe, kontakt",
        "Kobling ændret: UU-vejleder – Ydelsesrådgiver: status skal etableres → etableret",
        "Aktør tilføjet: Mor",
        "Oplysninger om forløbet ændret: sagsreference, status",
    ]
    assert english == [
        "Case created: Claus, 22 (før)",
        "Actor changed: UU-vejleder: profession, contact",
        "Coupling changed: UU-vejleder – Ydelsesrådgiver: status needed → established",
        "Actor added: Mor",
        "Case details changed: case reference, status",
    ]


def test_history_event_from_before_messages_keeps_its_danish_words(api: Any,
                                                                    db: Database) -> None:
    """An event stored before summaries were messages has only its Danish text to say."""
    case_id, _ = api.create(claus_foer())
    with db.session() as session:
        session.execute(update(m.Event).where(m.Event.case_id == case_id)
                        .values(summary="Borgerforløb oprettet: Claus", summary_message=None))
        session.commit()
    assert _summaries(api, case_id, EN) == ["Borgerforløb oprettet: Claus"]


def _said(response: Any) -> Any:
    assert response.status_code == 200 and "Accept-Language" in response.headers["Vary"]
    return response.json()


def test_analysis_and_classification_said_in_danish_then_english(api: Any) -> None:
    case_id, _ = api.create(claus_foer())
    english_words = translations("en").gettext
    for path in ("analysis", "classification"):
        da, en = (_said(r) for r in _both(
            lambda h, path=path: api.get(f"/api/v1/cases/{case_id}/{path}", headers=h)))
        if path == "analysis":
            warnings = analyse(claus_foer()).warnings
            assert [w["message"] for w in da["warnings"]] == [w.message for w in warnings]
            assert [w["message"] for w in en["warnings"]] == [w.say(english_words)
                                                              for w in warnings]
            assert en["warnings"][0]["message"].startswith("Claus is the only link between")
            for said in (da, en):  # the machine-readable parts never change with the words
                for w in said["warnings"]:
                    w.pop("message")
        else:
            assert da["reasons"] == classify(claus_foer()).reasons
            assert en["reasons"][-1] == "The prototype is the higher of the two: 2."
            da.pop("reasons"), en.pop("reasons")
        assert da == en


def test_stateless_analysis_said_in_english(api: Any) -> None:
    body = claus_foer().model_dump(mode="json", exclude_none=True)
    warnings = _said(api.post("/api/v1/analyse", json=body, headers=EN))["warnings"]
    assert warnings[0]["message"].startswith("Claus is the only link between")
    reasons = _said(api.post("/api/v1/classify", json=body, headers=EN))["reasons"]
    assert reasons[-1] == "The prototype is the higher of the two: 2."
