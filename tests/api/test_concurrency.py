"""Optimistic concurrency: every write names the version it was made on."""

from __future__ import annotations

import threading
from typing import Any

from app.graph.examples import claus_foer, claus_nu
from tests.helpers.clients import Api


def _doc(example: Any) -> dict[str, Any]:
    return example.model_dump(mode="json", exclude_none=True)


def test_write_without_version_needs_one(api: Api) -> None:
    case_id, _ = api.create(claus_foer())
    response = api.put(f"/api/v1/cases/{case_id}/graph", json=_doc(claus_nu()))
    assert response.status_code == 428
    assert response.json()["error"]["code"] == "version_required"
    assert api.get(f"/api/v1/cases/{case_id}/graph").json() == _doc(claus_foer())


def test_stale_if_match_gets_412_and_changes_nothing(api: Api) -> None:
    case_id, version = api.create(claus_foer())
    first = api.put(f"/api/v1/cases/{case_id}/graph", json=_doc(claus_nu()),
                    headers={"If-Match": f'"{version}"'})
    assert first.status_code == 200
    stale = api.post(f"/api/v1/cases/{case_id}/actors",
                     json={"key": "mor", "kind": "network", "label": "Mor"},
                     headers={"If-Match": f'"{version}"'})
    assert stale.status_code == 412
    error = stale.json()["error"]
    assert error["code"] == "stale_version"
    assert error["current_version"] == 2 and error["your_version"] == 1
    keys = [a["key"] for a in api.get(f"/api/v1/cases/{case_id}/graph").json()["actors"]]
    assert "mor" not in keys


def test_stale_body_version_gets_409(api: Api) -> None:
    case_id, version = api.create(claus_foer())
    api.patch(f"/api/v1/cases/{case_id}", json={"label": "Claus", "version": version})
    stale = api.patch(f"/api/v1/cases/{case_id}", json={"label": "Claus B", "version": version})
    assert stale.status_code == 409
    assert api.get(f"/api/v1/cases/{case_id}").json()["label"] == "Claus"


def test_malformed_if_match_refused(api: Api) -> None:
    case_id, _ = api.create(claus_foer())
    response = api.patch(f"/api/v1/cases/{case_id}", json={"label": "X"},
                         headers={"If-Match": "yesterday"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_if_match"


def test_concurrent_writers_on_one_version_exactly_one_wins(api: Api) -> None:
    case_id, version = api.create(claus_foer())
    statuses: list[int] = []
    barrier = threading.Barrier(6)

    def write(i: int) -> None:
        barrier.wait()
        response = api.post(f"/api/v1/cases/{case_id}/actors",
                            json={"key": f"n{i}", "kind": "network", "label": f"N{i}"},
                            headers={"If-Match": f'"{version}"'})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [201] + [412] * 5
    graph = api.get(f"/api/v1/cases/{case_id}/graph")
    assert graph.headers["ETag"] == f'"{version + 1}"'
    added = [a for a in graph.json()["actors"] if a["key"].startswith("n")]
    assert len(added) == 1
    history = api.get(f"/api/v1/cases/{case_id}/history").json()
    assert [e["version"] for e in history["events"]] == [1, 2]
