"""The case page and its forms, as htmx (fragments) and as plain HTML forms."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from app.graph.examples import claus_foer, claus_nu
from tests.helpers.clients import Api
from tests.helpers.html import csrf_token, has, is_page, one, parse, text_of

HX = {"HX-Request": "true"}


def _csrf(html: str) -> str:
    return csrf_token(html)


def _open(browser: TestClient, case_id: int) -> str:
    response = browser.get(f"/cases/{case_id}")
    assert response.status_code == 200
    return response.text


def test_show_case_full_page_and_fragment(api: Api, browser: TestClient) -> None:
    case_id, _ = api.create(claus_foer())
    html = _open(browser, case_id)
    assert is_page(html) and has(html, "#workspace") and has(html, "[sse-connect]")
    assert "citizen_coordinates" in html  # the warning is listed
    assert has(html, 'script[src="/static/vendor/htmx.min.js"]')
    fragment = browser.get(f"/cases/{case_id}/workspace", headers=HX)
    assert fragment.status_code == 200
    assert parse(fragment).tag == "div" and parse(fragment).get("id") == "workspace"
    assert not is_page(fragment) and not has(fragment, "html")
    assert fragment.headers["vary"] == "HX-Request"


def test_add_actor_with_htmx_returns_workspace(api: Api, browser: TestClient) -> None:
    case_id, version = api.create(claus_foer())
    html = _open(browser, case_id)
    response = browser.post(f"/cases/{case_id}/actors", headers=HX, data={
        "csrf": _csrf(html), "version": str(version), "label": "Mor", "kind": "network",
        "panel": "netvaerk", "ring": "1"})
    assert response.status_code == 200, response.text
    assert text_of(one(response, "#case-version")) == "2"
    graph = api.get(f"/api/v1/cases/{case_id}/graph").json()
    assert graph["actors"][-1] == {"key": "mor", "kind": "network", "label": "Mor",
                                   "panel": "netvaerk", "ring": 1}


def test_add_actor_without_javascript_redirects_back(api: Api, browser: TestClient) -> None:
    case_id, version = api.create(claus_foer())
    html = _open(browser, case_id)
    response = browser.post(f"/cases/{case_id}/actors", follow_redirects=False, data={
        "csrf": _csrf(html), "version": str(version), "label": "Mor", "kind": "network"})
    assert response.status_code == 303
    assert response.headers["location"] == f"/cases/{case_id}"


def test_form_without_csrf_is_refused(api: Api, browser: TestClient) -> None:
    case_id, version = api.create(claus_foer())
    response = browser.post(f"/cases/{case_id}/actors", headers=HX, data={
        "version": str(version), "label": "Mor", "kind": "network"})
    assert response.status_code == 403
    assert len(api.get(f"/api/v1/cases/{case_id}/graph").json()["actors"]) == 5


def test_stale_form_shows_conflict_and_replays(api: Api, browser: TestClient) -> None:
    case_id, version = api.create(claus_foer())
    html = _open(browser, case_id)
    api.patch(f"/api/v1/cases/{case_id}", json={"label": "Claus, 22", "version": version})
    stale = browser.post(f"/cases/{case_id}/couplings/uu/ydelse", headers=HX, data={
        "csrf": _csrf(html), "version": str(version), "state": "established"})
    assert stale.status_code == 409
    assert has(stale, "#conflict")
    assert "Oplysninger om forløbet ændret" in stale.text  # what the other person did
    replay = one(stale.text, "#conflict").cssselect("form")[0]
    fields = {field.get("name"): field.get("value") for field in replay.cssselect("input")}
    assert fields["version"] == str(version + 1) and fields["state"] == "established"
    again = browser.post(f"/cases/{case_id}/couplings/uu/ydelse", headers=HX, data=fields)
    assert again.status_code == 200
    states = {(c["source"], c["target"]): c["state"]
              for c in api.get(f"/api/v1/cases/{case_id}/graph").json()["couplings"]}
    assert states[("uu", "ydelse")] == "established"


def test_invalid_form_shows_problem_and_changes_nothing(api: Api, browser: TestClient) -> None:
    case_id, version = api.create(claus_foer())
    html = _open(browser, case_id)
    response = browser.post(f"/cases/{case_id}/actors", headers=HX, data={
        "csrf": _csrf(html), "version": str(version), "label": "Mor 010203-1234",
        "kind": "network"})
    assert response.status_code == 422
    assert has(response, "#problems") and "CPR" in response.text
    assert api.get(f"/api/v1/cases/{case_id}").json()["version"] == version


def test_couple_name_coordinator_add_agreement_and_undo(api: Api, browser: TestClient) -> None:
    case_id, version = api.create(claus_foer())
    csrf = _csrf(_open(browser, case_id))

    def post(path: str, **data: Any) -> Any:
        response = browser.post(f"/cases/{case_id}/{path}", headers=HX,
                                data={"csrf": csrf, **data})
        assert response.status_code == 200, response.text
        return response

    post("couplings", version=version, source="ydelse", target="forsorg", state="needed")
    post("coordinator", version=version + 1, coordinator="uu")
    post("agreements", version=version + 2, coupling="uu|ydelse", who="uu",
         what="Ringer til ydelse", due="24.12.2026")
    graph = api.get(f"/api/v1/cases/{case_id}/graph").json()
    assert graph["coordinator"] == "uu"
    assert {"source": "ydelse", "target": "forsorg", "state": "needed",
            "agreements": []} in graph["couplings"]
    agreements = [g for c in graph["couplings"] for g in c["agreements"]]
    assert agreements == [{"who": "uu", "what": "Ringer til ydelse", "due": "2026-12-24"}]
    undone = post("undo", version=version + 3)
    assert "Fortrudt" in undone.text
    graph = api.get(f"/api/v1/cases/{case_id}/graph").json()
    assert [g for c in graph["couplings"] for g in c["agreements"]] == []
    assert graph["coordinator"] == "uu"


def test_other_teams_case_page_is_not_found(other_team: Api, browser: TestClient) -> None:
    case_id, _ = other_team.create(claus_nu())
    assert browser.get(f"/cases/{case_id}").status_code == 404
    assert browser.get(f"/cases/{case_id}/workspace", headers=HX).status_code == 404
    assert browser.get(f"/cases/{case_id}/events").status_code == 404


def test_create_case_from_list_page(browser: TestClient, api: Api) -> None:
    csrf = _csrf(browser.get("/cases").text)
    response = browser.post("/cases", follow_redirects=False, data={
        "csrf": csrf, "label": "Ny borger, 40", "target_group": "voksne", "citizen": "Borger"})
    assert response.status_code == 303
    case_id = int(response.headers["location"].rsplit("/", 1)[1])
    assert api.get(f"/api/v1/cases/{case_id}/graph").json()["actors"] == [
        {"key": "borger", "kind": "citizen", "label": "Borger"}]


def test_vendor_htmx_is_served_by_the_app(client: TestClient) -> None:
    response = client.get("/static/vendor/htmx.min.js")
    assert response.status_code == 200
    assert "htmx" in response.text[:2000]
    assert client.get("/static/vendor/nothing.js").status_code == 404


def test_meeting_mode_is_the_case_page_with_shortcuts(api: Api, browser: TestClient) -> None:
    case_id, _ = api.create(claus_nu())
    html = browser.get(f"/cases/{case_id}/meeting").text
    assert one(html, "body").get("class") == "meeting"
    assert has(html, "#shortcuts") and has(html, "#workspace")
    assert has(browser.get(f"/cases/{case_id}"), f'[href="/cases/{case_id}/meeting"]')


def test_change_actor_details_and_clear_a_field(api: Api, browser: TestClient) -> None:
    case_id, version = api.create(claus_foer())
    html = _open(browser, case_id)
    assert one(html, "#actor-details-2").get("data-key") == "uu"
    response = browser.post(f"/cases/{case_id}/actors/uu", headers=HX, data={
        "csrf": _csrf(html), "version": str(version), "label": "UU-vejleder Ib",
        "profession": "UU-vejleder", "sector": "uddannelse", "organisation": "",
        "panel": "afdelinger", "ring": "3", "contribution": "", "contact": "tlf. 8940 2000"})
    assert response.status_code == 200, response.text
    actor = next(a for a in api.get(f"/api/v1/cases/{case_id}/graph").json()["actors"]
                 if a["key"] == "uu")
    assert actor == {"key": "uu", "kind": "professional", "label": "UU-vejleder Ib",
                     "profession": "UU-vejleder", "sector": "uddannelse",
                     "panel": "afdelinger", "ring": 3, "contact": "tlf. 8940 2000"}


def test_case_page_in_english_explains_warnings(api: Api, browser: TestClient) -> None:
    case_id, _ = api.create(claus_foer())
    browser.post("/lang", data={"lang": "en", "next": "/cases"})
    try:
        html = browser.get(f"/cases/{case_id}").text
    finally:
        browser.post("/lang", data={"lang": "da", "next": "/cases"})
    assert "The citizen is the only link between two actors" in html
    assert "Add actor" in html and "Tilføj aktør" not in html


def test_central_warning_stands_at_the_top_before_not_now(api: Api, browser: TestClient) -> None:
    before, _ = api.create(claus_foer())
    now, _ = api.create(claus_nu())
    assert has(_open(browser, before), "#central-warning")
    assert "3 steder" in _open(browser, before)
    assert not has(_open(browser, now), "#central-warning")


def test_move_actor_is_recorded_as_a_move(api: Api, browser: TestClient) -> None:
    """The envelope's drag (or arrow keys) posts panel and ring to the move route."""
    case_id, version = api.create(claus_nu())
    html = _open(browser, case_id)
    assert has(html, "#envelope-tools") and has(html, "#tool-add")
    response = browser.post(f"/cases/{case_id}/actors/uu/move", headers=HX, data={
        "csrf": _csrf(html), "version": str(version), "panel": "netvaerk", "ring": "3"})
    assert response.status_code == 200, response.text
    actor = next(a for a in api.get(f"/api/v1/cases/{case_id}/graph").json()["actors"]
                 if a["key"] == "uu")
    assert (actor["panel"], actor["ring"]) == ("netvaerk", 3)
    history = api.get(f"/api/v1/cases/{case_id}/history").json()
    assert "Aktør flyttet" in str(history)
    # A panel that does not exist is a 422 with the form's problem list, nothing changes.
    bad = browser.post(f"/cases/{case_id}/actors/uu/move", headers=HX, data={
        "csrf": _csrf(html), "version": str(version + 1), "panel": "kælder", "ring": "3"})
    assert bad.status_code == 422
    # Without JavaScript: back to the case page.
    plain = browser.post(f"/cases/{case_id}/actors/uu/move", follow_redirects=False, data={
        "csrf": _csrf(html), "version": str(version + 1), "panel": "afdelinger", "ring": "1"})
    assert plain.status_code == 303
