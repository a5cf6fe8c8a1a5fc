"""Bad input gets a 422 naming the field and the reason, in Danish, and changes nothing."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from app.graph.examples import claus_nu
from tests.helpers.clients import Api


def _doc() -> dict[str, Any]:
    return claus_nu().model_dump(mode="json", exclude_none=True)


def _broken(change: Any) -> dict[str, Any]:
    doc = copy.deepcopy(_doc())
    change(doc)
    return doc


REFUSALS = {
    "two_citizens": (
        lambda d: d["actors"].append({"key": "bror", "kind": "citizen", "label": "Bror"}),
        "actors", "citizen_count"),
    "no_citizen": (
        lambda d: d["actors"][0].update(kind="network"), "actors", "citizen_count"),
    "duplicate_key": (
        lambda d: d["actors"].append({"key": "uu", "kind": "network", "label": "Mor"}),
        "actors[6].key", "duplicate_key"),
    "unknown_coupling_end": (
        lambda d: d["couplings"].append({"source": "uu", "target": "ghost"}),
        "couplings[9].target", "unknown_actor"),
    "self_coupling": (
        lambda d: d["couplings"].append({"source": "uu", "target": "uu"}),
        "couplings[9]", "self_coupling"),
    "pair_twice_reversed": (
        lambda d: d["couplings"].append({"source": "uu", "target": "koordinator"}),
        "couplings[9]", "duplicate_coupling"),
    "coordinator_unknown": (
        lambda d: d.update(coordinator="ghost"), "coordinator", "unknown_actor"),
    "coordinator_is_citizen": (
        lambda d: d.update(coordinator="claus"), "coordinator", "coordinator_is_citizen"),
    "bad_kind": (
        lambda d: d["actors"][1].update(kind="robot"), "actors[1].kind", "literal_error"),
    "bad_state": (
        lambda d: d["couplings"][0].update(state="broken"), "couplings[0].state",
        "literal_error"),
    "bad_panel": (
        lambda d: d["actors"][1].update(panel="top"), "actors[1].panel", "literal_error"),
    "ring_too_far": (
        lambda d: d["actors"][1].update(ring=4), "actors[1].ring", "less_than_equal"),
    "label_too_long": (
        lambda d: d["actors"][1].update(label="x" * 201), "actors[1].label",
        "string_too_long"),
    "empty_label": (
        lambda d: d["actors"][1].update(label="   "), "actors[1].label", "string_too_short"),
    "cpr_with_dash": (
        lambda d: d["actors"][0].update(label="Claus 241299-1234"), "actors[0].label",
        "cpr_number"),
    "cpr_without_dash": (
        lambda d: d["couplings"][0].update(topic="vedr. 2412991234"), "couplings[0].topic",
        "cpr_number"),
    "cpr_in_case_label": (
        lambda d: d.update(label="010190-4321"), "label", "cpr_number"),
    "unknown_field": (
        lambda d: d.update(cpr="x"), "cpr", "extra_forbidden"),
    "missing_label": (lambda d: d.pop("label"), "label", "missing"),
    "agreement_by_unknown": (
        lambda d: d["couplings"][4]["agreements"].append({"who": "ghost", "what": "x"}),
        "couplings[4].agreements[1].who", "unknown_actor"),
    "bad_key_chars": (
        lambda d: d["actors"].append({"key": "a b", "kind": "network", "label": "A"}),
        "actors[6].key", "string_pattern_mismatch"),
}


@pytest.mark.parametrize("name", sorted(REFUSALS))
def test_create_case_refused_names_field_and_reason(api: Api, name: str) -> None:
    change, field, code = REFUSALS[name]
    response = api.post("/api/v1/cases", json=_broken(change))
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_document"
    assert {"field": field, "code": code} in [
        {"field": p["field"], "code": p["code"]} for p in error["problems"]]
    assert all(p["message"] and not p["message"].startswith("Value error")
               for p in error["problems"])
    assert api.get("/api/v1/cases").json()["total"] == 0


@pytest.mark.parametrize("name", ["duplicate_key", "cpr_with_dash", "coordinator_is_citizen"])
def test_replace_graph_refused_changes_nothing(api: Api, name: str) -> None:
    case_id, version = api.create(claus_nu())
    change = REFUSALS[name][0]
    response = api.put(f"/api/v1/cases/{case_id}/graph", json=_broken(change),
                       headers={"If-Match": f'"{version}"'})
    assert response.status_code == 422
    assert api.get(f"/api/v1/cases/{case_id}/graph").json() == _doc()
    assert api.get(f"/api/v1/cases/{case_id}").headers["ETag"] == f'"{version}"'


def test_too_many_actors_refused(api: Api) -> None:
    doc = _doc()
    doc["actors"] += [{"key": f"a{i}", "kind": "network", "label": f"A{i}"} for i in range(500)]
    response = api.post("/api/v1/cases", json=doc)
    assert response.status_code == 422
    assert response.json()["error"]["problems"][0]["field"] == "actors"
    assert response.json()["error"]["problems"][0]["code"] == "too_long"


def test_invalid_json_refused_in_danish(api: Api) -> None:
    response = api.post("/api/v1/cases", content=b"{not json",
                        headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["error"]["problems"][0]["code"] == "json_invalid"


def test_oversized_body_refused(api: Api, settings: Any) -> None:
    response = api.post("/api/v1/cases", content=b" " * (settings.max_body_bytes + 1),
                        headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_change_case_with_cpr_reference_refused(api: Api) -> None:
    case_id, version = api.create(claus_nu())
    response = api.patch(f"/api/v1/cases/{case_id}", json={"external_ref": "0101901234"},
                         headers={"If-Match": f'"{version}"'})
    assert response.status_code == 422
    assert response.json()["error"]["problems"][0] == {
        "field": "external_ref", "code": "cpr_number",
        "message": response.json()["error"]["problems"][0]["message"]}
    assert api.get(f"/api/v1/cases/{case_id}").json()["external_ref"] is None


def test_unknown_route_answers_json_in_danish(api: Api) -> None:
    response = api.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
