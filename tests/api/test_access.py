"""Who may see and change what: tokens, scopes, teams."""

from __future__ import annotations

from typing import Any

import pytest

from app.graph.examples import claus_nu
from tests.helpers.clients import Api

CASE_READS = ["", "/graph", "/classification", "/analysis", "/history"]


def test_api_without_token_is_refused(api: Api) -> None:
    case_id, _ = api.create(claus_nu())
    response = api.client.get(f"/api/v1/cases/{case_id}")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json()["error"]["code"] == "not_authenticated"


def test_api_with_unknown_token_is_refused(api: Api) -> None:
    response = api.client.get("/api/v1/cases", headers={"Authorization": "Bearer kvt_nope"})
    assert response.status_code == 401


@pytest.mark.parametrize("path", ["/api/v1/classify", "/api/v1/analyse"])
def test_stateless_endpoints_need_a_token(api: Api, path: str) -> None:
    body = claus_nu().model_dump(mode="json", exclude_none=True)
    assert api.client.post(path, json=body).status_code == 401


@pytest.mark.parametrize("suffix", CASE_READS)
def test_read_other_teams_case_is_not_found(api: Api, other_team: Api, suffix: str) -> None:
    case_id, _ = api.create(claus_nu())
    response = other_team.get(f"/api/v1/cases/{case_id}{suffix}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_other_team_cannot_change_or_delete(api: Api, other_team: Api) -> None:
    case_id, version = api.create(claus_nu())
    header = {"If-Match": f'"{version}"'}
    assert other_team.patch(f"/api/v1/cases/{case_id}", json={"label": "X"},
                            headers=header).status_code == 404
    assert other_team.delete(f"/api/v1/cases/{case_id}", headers=header).status_code == 404
    assert other_team.post(f"/api/v1/cases/{case_id}/actors",
                           json={"key": "x", "kind": "network", "label": "X"},
                           headers=header).status_code == 404
    assert api.get(f"/api/v1/cases/{case_id}").json()["version"] == version


def test_search_lists_only_own_team(api: Api, other_team: Api) -> None:
    api.create(claus_nu())
    assert other_team.get("/api/v1/cases", params={"q": "Claus"}).json()["total"] == 0


def test_read_token_reads_but_cannot_write(api: Api, reader: Api) -> None:
    case_id, version = api.create(claus_nu())
    assert reader.get(f"/api/v1/cases/{case_id}/graph").status_code == 200
    header = {"If-Match": f'"{version}"'}
    body: dict[str, Any] = claus_nu().model_dump(mode="json", exclude_none=True)
    for response in (
        reader.post("/api/v1/cases", json=body),
        reader.put(f"/api/v1/cases/{case_id}/graph", json=body, headers=header),
        reader.patch(f"/api/v1/cases/{case_id}", json={"label": "X"}, headers=header),
        reader.delete(f"/api/v1/cases/{case_id}", headers=header),
        reader.post(f"/api/v1/cases/{case_id}/couplings",
                    json={"source": "uu", "target": "forsorg"}, headers=header),
    ):
        assert response.status_code == 403, response.text
        assert response.json()["error"]["code"] == "forbidden"
    assert api.get(f"/api/v1/cases/{case_id}").json()["version"] == version


def test_health_answers_without_login(api: Api) -> None:
    response = api.client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
