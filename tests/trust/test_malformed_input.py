"""Malformed input answers 4xx, never 500, and every door refuses the same texts
(issue 10, items 8 and 10)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app import models as m
from app.config import Settings
from app.db import Database
from app.graph.examples import prototype_1
from app.main import create_app
from tests.helpers.clients import Api, find_team_id, log_in, new_user, post_form
from tests.helpers.html import csrf_token

NINES = "9" * 30


@pytest.fixture
def admin(settings: Settings, db: Database, api: Api) -> Iterator[TestClient]:
    username = new_user(db, api.team, "admin", "admin")
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as c:
        assert log_in(c, username).status_code == 303
        yield c
    app.state.db.dispose()


@pytest.mark.parametrize("url", ["/admin/audit", "/admin/audit.csv"])
@pytest.mark.parametrize("case_id", [NINES, "-" + NINES, "0", "2147483648", "x", "1.5"])
def test_audit_search_with_an_impossible_case_number_is_refused(
        admin: TestClient, url: str, case_id: str) -> None:
    response = admin.get(url, params={"case_id": case_id})
    assert response.status_code == 422


def test_audit_search_with_nul_is_refused(admin: TestClient) -> None:
    assert admin.get("/admin/audit", params={"principal": "a\x00b"}).status_code == 422


def test_import_of_deeply_nested_json_is_refused(api: Api) -> None:
    response = api.post("/api/v1/cases/import", content=b"[" * 1000,
                        headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "json_invalid"


def test_graphml_with_deeply_nested_agreements_is_refused(api: Api) -> None:
    hostile = (
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
        '<key id="k" for="node" attr.name="kind" attr.type="string"/>'
        '<key id="a" for="edge" attr.name="agreements" attr.type="string"/>'
        '<key id="t" for="graph" attr.name="target_group" attr.type="string"/>'
        '<graph edgedefault="undirected"><data key="t">unge</data>'
        '<node id="c"><data key="k">citizen</data></node><node id="u"/>'
        f'<edge source="c" target="u"><data key="a">{"[" * 5000}</data></edge>'
        "</graph></graphml>")
    response = api.post("/api/v1/cases/import", content=hostile.encode(),
                        headers={"Content-Type": "application/graphml+xml"})
    assert response.status_code == 422, response.text


def _count(db: Database, model: type[m.Base], **where: object) -> int:
    with db.session() as session:
        query = select(func.count()).select_from(model).filter_by(**where)
        return session.scalar(query) or 0


@pytest.mark.parametrize("bad", ["Navn\x00", "Navn\u200b", "Navn\u202e", "010203\u20131234"])
def test_admin_forms_refuse_what_the_api_refuses(admin: TestClient, db: Database, api: Api,
                                                 bad: str) -> None:
    team_id = find_team_id(db, api.team)
    tokens = _count(db, m.ApiToken)
    answer = post_form(admin, "/admin/tokens", {"team_id": team_id, "name": bad, "scope": "read"})
    assert answer.status_code == 422 and _count(db, m.ApiToken) == tokens
    entries = _count(db, m.CatalogueEntry)
    name = f"Navn {secrets.token_hex(3)}"
    for data in ({"kind": "sector", "name": bad}, {"kind": "sector", "name": name, "note": bad}):
        answer = post_form(admin, "/admin/catalogue", data)
        assert answer.status_code == 422, data
    assert _count(db, m.CatalogueEntry) == entries


@pytest.mark.parametrize("bad", ["Før\x00", "Før\u200bmøde", "\u202eFør", "01.02.03-1234"])
def test_snapshot_names_are_checked_like_every_text(admin: TestClient, db: Database, api: Api,
                                                    bad: str) -> None:
    case_id, _ = api.create(prototype_1())
    page = admin.get(f"/cases/{case_id}/history").text
    csrf = csrf_token(page)
    answer = admin.post(f"/cases/{case_id}/snapshots", data={"csrf": csrf, "name": bad},
                        follow_redirects=False)
    assert answer.status_code == 422
    via_api = api.post(f"/api/v1/cases/{case_id}/snapshots", json={"name": bad})
    assert via_api.status_code == 422
    assert _count(db, m.Snapshot, case_id=case_id) == 0
