"""Cases and their whole network through the real app: create, read, change, delete."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app import models as m
from app.graph.examples import claus_foer, claus_nu, prototype_1, prototype_3
from tests.helpers.clients import Api


def _doc(example: Any) -> dict[str, Any]:
    return example.model_dump(mode="json", exclude_none=True)


def test_create_case_returns_id_version_and_etag(api: Api) -> None:
    response = api.post("/api/v1/cases", json=_doc(claus_foer()))
    assert response.status_code == 201
    body = response.json()
    assert body["version"] == 1
    assert response.headers["ETag"] == '"1"'
    assert response.headers["Location"] == f"/api/v1/cases/{body['id']}"


def test_read_graph_returns_the_document_stored(api: Api) -> None:
    case_id, _ = api.create(claus_nu())
    response = api.get(f"/api/v1/cases/{case_id}/graph")
    assert response.status_code == 200
    assert response.json() == _doc(claus_nu())
    assert response.headers["ETag"] == '"1"'


def test_show_case_counts_actors_and_couplings(api: Api) -> None:
    case_id, _ = api.create(prototype_3())
    body = api.get(f"/api/v1/cases/{case_id}").json()
    assert body["label"] == "Familien fra opgangen"
    assert body["actors"] == len(prototype_3().actors)
    assert body["couplings"] == len(prototype_3().couplings)
    assert body["consent"] == {"given": False, "date": None, "scope": None}


def test_list_cases_searches_label_casefolded(api: Api) -> None:
    api.create(claus_foer())
    api.create(prototype_1())
    found = api.get("/api/v1/cases", params={"q": "  CLAUS  "}).json()
    assert [c["label"] for c in found["items"]] == ["Claus, 22 (før)"]
    assert found["total"] == 1
    everything = api.get("/api/v1/cases").json()
    assert everything["total"] == 2


def test_list_cases_pages(api: Api) -> None:
    for _ in range(3):
        api.create(prototype_1())
    page = api.get("/api/v1/cases", params={"limit": 2, "offset": 2}).json()
    assert page["total"] == 3 and len(page["items"]) == 1
    first = api.get("/api/v1/cases", params={"limit": 2}).json()
    assert first["total"] == 3 and len(first["items"]) == 2
    assert {c["id"] for c in first["items"]}.isdisjoint(c["id"] for c in page["items"])
    past_the_end = api.get("/api/v1/cases", params={"limit": 2, "offset": 10}).json()
    assert past_the_end == {**past_the_end, "total": 3, "items": []}
    none = api.get("/api/v1/cases", params={"q": "ingen-saadan-borger"}).json()
    assert none["total"] == 0 and none["items"] == []


def test_list_cases_treats_like_wildcards_as_text(api: Api) -> None:
    api.create(prototype_1())
    assert api.get("/api/v1/cases", params={"q": "%"}).json()["total"] == 0


def test_replace_graph_stores_all_and_bumps_version(api: Api) -> None:
    case_id, version = api.create(claus_foer())
    new = _doc(claus_nu())
    response = api.put(f"/api/v1/cases/{case_id}/graph", json=new,
                       headers={"If-Match": f'"{version}"'})
    assert response.status_code == 200, response.text
    assert response.headers["ETag"] == '"2"'
    assert api.get(f"/api/v1/cases/{case_id}/graph").json() == new


def test_replace_graph_accepts_version_in_body(api: Api) -> None:
    case_id, version = api.create(claus_foer())
    response = api.put(f"/api/v1/cases/{case_id}/graph",
                       json={**_doc(claus_nu()), "version": version})
    assert response.status_code == 200
    assert response.headers["ETag"] == '"2"'


def test_change_case_sets_reference_and_consent(api: Api) -> None:
    case_id, version = api.create(claus_nu())
    response = api.patch(
        f"/api/v1/cases/{case_id}",
        json={"external_ref": "SAG-2026-0042", "consent": {
            "given": True, "date": "2026-11-20", "scope": "Fælles plan: job og rusmiddel"}},
        headers={"If-Match": f'"{version}"'},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["external_ref"] == "SAG-2026-0042"
    assert body["consent"] == {"given": True, "date": "2026-11-20",
                               "scope": "Fælles plan: job og rusmiddel"}
    assert body["version"] == 2
    graph = api.get(f"/api/v1/cases/{case_id}/graph").json()
    assert graph == _doc(claus_nu())


def test_change_case_label_changes_the_document(api: Api) -> None:
    case_id, version = api.create(claus_nu())
    api.patch(f"/api/v1/cases/{case_id}", json={"label": "Claus, 23", "version": version})
    assert api.get(f"/api/v1/cases/{case_id}/graph").json()["label"] == "Claus, 23"


def test_delete_case_erases_network_and_history(api: Api, db: Any) -> None:
    case_id, version = api.create(claus_foer())
    response = api.delete(f"/api/v1/cases/{case_id}", headers={"If-Match": f'"{version}"'})
    assert response.status_code == 204
    assert api.get(f"/api/v1/cases/{case_id}").status_code == 404
    with db.session() as session:
        for model in (m.Actor, m.Coupling, m.Event, m.Snapshot):
            assert session.scalars(select(model).where(model.case_id == case_id)).all() == []
        deleted = session.scalars(select(m.AuditEntry).where(
            m.AuditEntry.case_id == case_id, m.AuditEntry.action == "delete")).all()
        assert len(deleted) == 1


def test_history_lists_every_change(api: Api) -> None:
    case_id, version = api.create(claus_foer())
    api.put(f"/api/v1/cases/{case_id}/graph", json=_doc(claus_nu()),
            headers={"If-Match": f'"{version}"'})
    history = api.get(f"/api/v1/cases/{case_id}/history").json()
    assert [e["version"] for e in history["events"]] == [1, 2]
    assert [e["kind"] for e in history["events"]] == ["created", "graph_replaced"]
    assert all(e["by"].startswith("token:") for e in history["events"])


def test_show_classification_of_stored_case(api: Api) -> None:
    case_id, _ = api.create(prototype_3())
    body = api.get(f"/api/v1/cases/{case_id}/classification").json()
    assert body["prototype"] == 3
    assert body["reasons"]


def test_show_analysis_warns_citizen_coordinates_before_not_now(api: Api) -> None:
    before, _ = api.create(claus_foer())
    now, _ = api.create(claus_nu())
    codes_before = {w["code"] for w in api.get(f"/api/v1/cases/{before}/analysis").json()[
        "warnings"]}
    codes_now = {w["code"] for w in api.get(f"/api/v1/cases/{now}/analysis").json()["warnings"]}
    assert "citizen_coordinates" in codes_before
    assert "citizen_coordinates" not in codes_now


def test_every_read_and_change_is_audited(api: Api, db: Any) -> None:
    case_id, version = api.create(claus_foer())
    api.get(f"/api/v1/cases/{case_id}/graph")
    api.get(f"/api/v1/cases/{case_id}/analysis")
    api.put(f"/api/v1/cases/{case_id}/graph", json=_doc(claus_nu()),
            headers={"If-Match": f'"{version}"'})
    api.get("/api/v1/cases", params={"q": "Claus"})
    with db.session() as session:
        entries = session.scalars(select(m.AuditEntry).where(
            m.AuditEntry.case_id == case_id).order_by(m.AuditEntry.id)).all()
        assert [e.action for e in entries] == ["create", "read", "read", "update"]
        assert {e.principal for e in entries} == {entries[0].principal}
        searches = session.scalars(select(m.AuditEntry).where(
            m.AuditEntry.action == "search", m.AuditEntry.principal == entries[0].principal
        )).all()
        assert any("Claus" in (s.detail or "") for s in searches)


def test_rows_agree_with_history_after_changes(api: Api, db: Any) -> None:
    from app.cases import document_of, dump, rows_document

    case_id, version = api.create(claus_foer())
    api.put(f"/api/v1/cases/{case_id}/graph", json=_doc(claus_nu()),
            headers={"If-Match": f'"{version}"'})
    api.post(f"/api/v1/cases/{case_id}/actors", json={
        "key": "mor", "kind": "network", "label": "Mor", "version": version + 1})
    with db.session() as session:
        case = session.get(m.Case, case_id)
        assert rows_document(case) == dump(document_of(case))
        assert len(rows_document(case)["actors"]) == len(claus_nu().actors) + 1


def test_graph_read_is_utf8_json_of_the_stored_version(api: Api) -> None:
    case_id, _ = api.create(claus_foer())
    response = api.get(f"/api/v1/cases/{case_id}/graph")
    assert response.headers["content-type"] == "application/json"
    assert "Claus, 22 (før)".encode() in response.content  # UTF-8, not \u00f8
    assert response.json() == claus_foer().model_dump(mode="json", exclude_none=True)
