"""Actors and couplings as sub-resources: one change at a time, each a new version."""

from __future__ import annotations

from typing import Any

from app.graph.examples import claus_foer, claus_nu
from tests.helpers.clients import Api


def _graph(api: Api, case_id: int) -> dict[str, Any]:
    return api.get(f"/api/v1/cases/{case_id}/graph").json()  # type: ignore[no-any-return]


def test_add_actor_appends_and_bumps_version(api: Api) -> None:
    case_id, version = api.create(claus_foer())
    response = api.post(f"/api/v1/cases/{case_id}/actors",
                        json={"key": "mor", "kind": "network", "label": "Mor",
                              "panel": "netvaerk", "ring": 1},
                        headers={"If-Match": f'"{version}"'})
    assert response.status_code == 201, response.text
    assert response.json() == {"key": "mor", "kind": "network", "label": "Mor",
                               "panel": "netvaerk", "ring": 1}
    assert response.headers["ETag"] == f'"{version + 1}"'
    assert _graph(api, case_id)["actors"][-1]["key"] == "mor"


def test_add_actor_with_existing_key_conflicts(api: Api) -> None:
    case_id, version = api.create(claus_foer())
    response = api.post(f"/api/v1/cases/{case_id}/actors",
                        json={"key": "uu", "kind": "network", "label": "Mor", "version": version})
    assert response.status_code == 409
    assert "uu" in response.json()["error"]["message"]


def test_change_actor_sets_and_clears_fields(api: Api) -> None:
    case_id, version = api.create(claus_foer())
    response = api.patch(f"/api/v1/cases/{case_id}/actors/uu",
                         json={"ring": 3, "contribution": None, "version": version})
    assert response.status_code == 200, response.text
    actor = response.json()
    assert actor["ring"] == 3
    assert "contribution" not in actor
    assert actor["profession"] == "UU-vejleder"


def test_change_that_changes_nothing_keeps_the_version(api: Api) -> None:
    case_id, version = api.create(claus_foer())
    label = next(a["label"] for a in api.get(f"/api/v1/cases/{case_id}/graph").json()["actors"]
                 if a["key"] == "uu")
    response = api.patch(f"/api/v1/cases/{case_id}/actors/uu",
                         json={"label": label, "version": version})
    assert response.status_code == 200, response.text
    assert response.headers["etag"] == f'"{version}"'
    history = api.get(f"/api/v1/cases/{case_id}/history").json()
    assert history["version"] == version and len(history["events"]) == version


def test_change_missing_actor_is_not_found(api: Api) -> None:
    case_id, version = api.create(claus_foer())
    response = api.patch(f"/api/v1/cases/{case_id}/actors/ghost",
                         json={"ring": 3, "version": version})
    assert response.status_code == 404
    assert "ghost" in response.json()["error"]["message"]


def test_remove_actor_removes_its_couplings_and_coordinator(api: Api) -> None:
    case_id, version = api.create(claus_nu())
    response = api.delete(f"/api/v1/cases/{case_id}/actors/koordinator",
                          headers={"If-Match": f'"{version}"'})
    assert response.status_code == 204
    graph = _graph(api, case_id)
    assert "koordinator" not in [a["key"] for a in graph["actors"]]
    assert all("koordinator" not in (c["source"], c["target"]) for c in graph["couplings"])
    assert "coordinator" not in graph


def test_remove_citizen_is_refused(api: Api) -> None:
    case_id, version = api.create(claus_nu())
    response = api.delete(f"/api/v1/cases/{case_id}/actors/claus", params={"version": version})
    assert response.status_code == 409
    assert len(_graph(api, case_id)["actors"]) == len(claus_nu().actors)


def test_couple_actors_adds_a_needed_coupling(api: Api) -> None:
    case_id, version = api.create(claus_foer())
    response = api.post(f"/api/v1/cases/{case_id}/couplings",
                        json={"source": "ydelse", "target": "forsorg", "version": version})
    assert response.status_code == 201, response.text
    assert response.json() == {"source": "ydelse", "target": "forsorg", "state": "needed",
                               "agreements": []}


def test_couple_actors_twice_in_reverse_conflicts(api: Api) -> None:
    case_id, version = api.create(claus_foer())
    response = api.post(f"/api/v1/cases/{case_id}/couplings",
                        json={"source": "ydelse", "target": "uu", "version": version})
    assert response.status_code == 409


def test_couple_actor_with_unknown_actor_refused(api: Api) -> None:
    case_id, version = api.create(claus_foer())
    response = api.post(f"/api/v1/cases/{case_id}/couplings",
                        json={"source": "uu", "target": "ghost", "version": version})
    assert response.status_code == 422
    assert response.json()["error"]["problems"][0]["code"] == "unknown_actor"


def test_change_coupling_in_either_order_with_agreement(api: Api) -> None:
    case_id, version = api.create(claus_foer())
    response = api.patch(
        f"/api/v1/cases/{case_id}/couplings/ydelse/uu",
        json={"state": "established", "agreements": [
            {"who": "uu", "what": "Sender uddannelsesplanen", "due": "2026-12-01"}]},
        headers={"If-Match": f'"{version}"'})
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "established"
    assert response.json()["agreements"] == [
        {"who": "uu", "what": "Sender uddannelsesplanen", "due": "2026-12-01"}]
    analysis = api.get(f"/api/v1/cases/{case_id}/analysis").json()
    pairs = [set(w["actors"]) for w in analysis["warnings"]
             if w["code"] == "citizen_coordinates"]
    assert {"claus", "uu", "ydelse"} not in pairs


def test_uncouple_actors(api: Api) -> None:
    case_id, version = api.create(claus_foer())
    response = api.delete(f"/api/v1/cases/{case_id}/couplings/uu/claus",
                          headers={"If-Match": f'"{version}"'})
    assert response.status_code == 204
    pairs = [{c["source"], c["target"]} for c in _graph(api, case_id)["couplings"]]
    assert {"uu", "claus"} not in pairs
    assert response.headers["ETag"] == f'"{version + 1}"'


def test_classify_stateless_stores_nothing(api: Api) -> None:
    body = claus_foer().model_dump(mode="json", exclude_none=True)
    response = api.post("/api/v1/classify", json=body)
    assert response.status_code == 200
    assert response.json()["prototype"] == 2
    assert response.json()["sectors"]["count"] == 4
    assert api.get("/api/v1/cases").json()["total"] == 0


def test_analyse_stateless_returns_warnings(api: Api) -> None:
    body = claus_foer().model_dump(mode="json", exclude_none=True)
    response = api.post("/api/v1/analyse", json=body)
    assert response.status_code == 200
    assert "citizen_coordinates" in {w["code"] for w in response.json()["warnings"]}
    assert api.get("/api/v1/cases").json()["total"] == 0


def test_catalogue_holds_seed_units(api: Api) -> None:
    catalogue = api.get("/api/v1/catalogue").json()
    assert "Unge, Uddannelse og Job" in catalogue["organisation"]
    assert "UU-vejleder" in catalogue["profession"]
    assert catalogue["panel"] == ["afdelinger", "organisationer", "civilsamfund", "netvaerk"]
