"""Named snapshots and comparing two versions, through the REST API."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from app import models as m
from app.config import Settings
from app.db import Database
from app.graph.examples import claus_foer, claus_nu
from app.main import create_app
from tests.helpers.clients import Api


def history_app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture(scope="module")
def history_client(settings: Settings) -> Iterator[TestClient]:
    app = history_app(settings)
    with TestClient(app) as c:
        yield c
    app.state.db.dispose()


@pytest.fixture
def writer(api: Api, history_client: TestClient) -> Api:
    return Api(history_client, api.token, api.team)


@pytest.fixture
def read_only(reader: Api, history_client: TestClient) -> Api:
    return Api(history_client, reader.token, reader.team)


@pytest.fixture
def stranger(other_team: Api, history_client: TestClient) -> Api:
    return Api(history_client, other_team.token, other_team.team)


def _claus_now(writer: Api, case_id: int, version: int) -> None:
    body: dict[str, Any] = claus_nu().model_dump(mode="json", exclude_none=True)
    response = writer.put(f"/api/v1/cases/{case_id}/graph", json={**body, "version": version})
    assert response.status_code == 200, response.text


def test_create_and_list_snapshots(writer: Api, db: Database) -> None:
    case_id, _ = writer.create(claus_foer())
    response = writer.post(f"/api/v1/cases/{case_id}/snapshots", json={"name": "  før  "})
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["name"] == "før" and created["version"] == 1
    assert created["created_by"].startswith("token:")
    listed = writer.get(f"/api/v1/cases/{case_id}/snapshots").json()
    assert [s["name"] for s in listed] == ["før"]
    with db.session() as session:
        actions = session.scalars(select(m.AuditEntry.action).where(
            m.AuditEntry.case_id == case_id)).all()
        snapshot = session.scalar(select(m.Snapshot).where(m.Snapshot.case_id == case_id))
    assert "create_snapshot" in actions and "read_history" in actions
    assert snapshot is not None and snapshot.document["label"] == "Claus, 22 (før)"


def test_create_snapshot_duplicate_name_is_conflict(writer: Api) -> None:
    case_id, _ = writer.create(claus_foer())
    assert writer.post(f"/api/v1/cases/{case_id}/snapshots",
                       json={"name": "før"}).status_code == 201
    again = writer.post(f"/api/v1/cases/{case_id}/snapshots", json={"name": "før"})
    assert again.status_code == 409
    assert "før" in again.json()["error"]["message"]
    assert len(writer.get(f"/api/v1/cases/{case_id}/snapshots").json()) == 1


def test_create_snapshot_cpr_like_name_is_refused(writer: Api) -> None:
    case_id, _ = writer.create(claus_foer())
    response = writer.post(f"/api/v1/cases/{case_id}/snapshots",
                           json={"name": "Claus 010203-1234"})
    assert response.status_code == 422
    assert response.json()["error"]["problems"][0]["code"] == "cpr_number"
    assert writer.get(f"/api/v1/cases/{case_id}/snapshots").json() == []


@pytest.mark.parametrize("name", ["", "   ", "x" * 201])
def test_create_snapshot_bad_name_is_refused(writer: Api, name: str) -> None:
    case_id, _ = writer.create(claus_foer())
    response = writer.post(f"/api/v1/cases/{case_id}/snapshots", json={"name": name})
    assert response.status_code == 422


def test_create_snapshot_not_enough_permissions(writer: Api, read_only: Api) -> None:
    case_id, _ = writer.create(claus_foer())
    response = read_only.post(f"/api/v1/cases/{case_id}/snapshots", json={"name": "før"})
    assert response.status_code == 403
    assert read_only.get(f"/api/v1/cases/{case_id}/snapshots").json() == []


@pytest.mark.parametrize("how", ["list", "create", "compare"])
def test_other_teams_snapshots_are_not_found(writer: Api, stranger: Api, how: str) -> None:
    case_id, _ = writer.create(claus_foer())
    url = f"/api/v1/cases/{case_id}"
    if how == "list":
        response = stranger.get(f"{url}/snapshots")
    elif how == "create":
        response = stranger.post(f"{url}/snapshots", json={"name": "før"})
    else:
        response = stranger.get(f"{url}/compare", params={"left": "v1", "right": "v1"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_compare_claus_before_and_now(writer: Api) -> None:
    case_id, version = writer.create(claus_foer())
    _claus_now(writer, case_id, version)
    response = writer.get(f"/api/v1/cases/{case_id}/compare", params={"left": "v1", "right": "v2"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["left"]["name"] == "Version 1" and body["right"]["version"] == 2
    assert body["left"]["prototype"] == body["left"]["classification"]["prototype"]
    diff = body["comparison"]
    assert [a["key"] for a in diff["actors_added"]] == ["koordinator"]
    assert diff["coordinator_before"] is None and diff["coordinator_after"] == "koordinator"
    assert diff["coordinator_changed"] is True
    uu_ydelse = [c for c in diff["couplings_changed"]
                 if {c["source"], c["target"]} == {"uu", "ydelse"}]
    assert [(c["state_before"], c["state_after"]) for c in uu_ydelse] == [("needed", "weak")]


def test_compare_snapshot_with_version(writer: Api) -> None:
    case_id, version = writer.create(claus_foer())
    snapshot = writer.post(f"/api/v1/cases/{case_id}/snapshots", json={"name": "før"}).json()
    _claus_now(writer, case_id, version)
    body = writer.get(f"/api/v1/cases/{case_id}/compare",
                      params={"left": f"s{snapshot['id']}", "right": "v2"}).json()
    assert body["left"]["name"] == "før" and body["left"]["ref"] == f"s{snapshot['id']}"
    assert [a["key"] for a in body["comparison"]["actors_added"]] == ["koordinator"]


def test_compare_unknown_version_or_snapshot_is_not_found(writer: Api, stranger: Api) -> None:
    case_id, _ = writer.create(claus_foer())
    theirs, _ = stranger.create(claus_nu())
    snapshot = stranger.post(f"/api/v1/cases/{theirs}/snapshots", json={"name": "x"}).json()
    url = f"/api/v1/cases/{case_id}/compare"
    assert writer.get(url, params={"left": "v1", "right": "v9"}).status_code == 404
    # another case's snapshot is not this case's
    assert writer.get(url, params={"left": f"s{snapshot['id']}",
                                   "right": "v1"}).status_code == 404


def test_compare_malformed_reference_is_refused(writer: Api) -> None:
    case_id, _ = writer.create(claus_foer())
    response = writer.get(f"/api/v1/cases/{case_id}/compare", params={"left": "1", "right": "v1"})
    assert response.status_code == 422


def test_delete_case_erases_its_snapshots(writer: Api, db: Database) -> None:
    case_id, version = writer.create(claus_foer())
    writer.post(f"/api/v1/cases/{case_id}/snapshots", json={"name": "før"})
    assert writer.delete(f"/api/v1/cases/{case_id}",
                         params={"version": version}).status_code == 204
    with db.session() as session:
        assert session.scalars(select(m.Snapshot).where(m.Snapshot.case_id == case_id)).all() == []
