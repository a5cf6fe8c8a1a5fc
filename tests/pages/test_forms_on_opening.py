"""An actor's details form is drawn when it is opened, not with every case page.

An 80-actor page drew 80 of them (a quarter of its 725 kB) that were seldom used. The
page now draws a link per actor; the script fetches the form into the opened details,
and without JavaScript the link is a page of its own. A redraw (a colleague's change, or
the answer to one's own) draws the forms the person has open, named in ``X-Kuvert-Open``,
so what they typed there is kept as before.
"""

from __future__ import annotations

import json
from urllib.parse import quote, unquote

from fastapi.testclient import TestClient

from app.graph.examples import claus_foer
from tests.helpers.clients import Api
from tests.helpers.html import csrf_token, has, is_page, one, parse

HX = {"HX-Request": "true"}


def _actor_forms(html: object) -> list[str]:
    """The actions of the details forms drawn (each actor's removal aside)."""
    return [form.get("action") for form in parse(html).cssselect("#actors details form")
            if not form.get("action").endswith("/delete")]


def _coupling_forms(html: object) -> int:
    return len(parse(html).cssselect("#couplings details form"))


def test_case_page_links_each_actor_form_instead_of_drawing_it(api: Api,
                                                                browser: TestClient) -> None:
    case_id, _ = api.create(claus_foer())
    html = browser.get(f"/cases/{case_id}").text
    assert _actor_forms(html) == []
    links = parse(html).cssselect("#actors details a.form-link")
    assert [a.get("href") for a in links] == [
        f"/cases/{case_id}/actors/{actor.key}" for actor in claus_foer().actors]
    # Within its actor's details: the link says what it does there (no JavaScript).
    assert links[1].text_content().strip() == "Åbn formularen"
    assert one(html, '#actors details[data-key="uu"] summary').text_content() == (
        "Detaljer om UU-vejleder")


def test_opened_form_comes_as_a_fragment_with_the_actor_and_the_version(
        api: Api, browser: TestClient) -> None:
    case_id, version = api.create(claus_foer())
    page_html = browser.get(f"/cases/{case_id}").text
    answer = browser.get(f"/cases/{case_id}/actors/uu", headers=HX)
    assert answer.status_code == 200 and not is_page(answer)
    assert answer.headers["vary"] == "HX-Request"  # the same address is also a page
    form = one(answer, f'form[action="/cases/{case_id}/actors/uu"]')
    assert form.get("hx-post") == f"/cases/{case_id}/actors/uu"
    # Removing the actor is there too (not for the citizen), asking first.
    remove = one(answer, f'form[action="/cases/{case_id}/actors/uu/delete"]')
    assert remove.get("hx-confirm") == "Fjern UU-vejleder?"
    assert one(form, "input[name=version]").get("value") == str(version)
    assert one(form, "input[name=csrf]").get("value") == csrf_token(page_html)
    assert one(form, "input[name=label]").get("value") == "UU-vejleder"
    label = one(form, "input[name=label]")
    assert one(form, f'label[for="{label.get("id")}"]') is not None
    # The citizen's form has only the fields a citizen has.
    citizen = parse(browser.get(f"/cases/{case_id}/actors/claus", headers=HX))
    assert {i.get("name") for i in citizen.cssselect("input, select")} == {
        "csrf", "version", "shows", "label", "contribution", "contact"}
    assert len(citizen.cssselect("form")) == 1


def test_without_javascript_the_form_is_a_page_that_saves(api: Api,
                                                          browser: TestClient) -> None:
    case_id, version = api.create(claus_foer())
    answer = browser.get(f"/cases/{case_id}/actors/uu")
    assert answer.status_code == 200 and is_page(answer)
    assert has(answer, f'a[href="/cases/{case_id}"]')  # back to the case
    form = one(answer, f'form[action="/cases/{case_id}/actors/uu"]')
    data = {i.get("name"): i.get("value") or "" for i in form.cssselect("input")}
    data |= {s.get("name"): one(s, "option[selected]").get("value")
             for s in form.cssselect("select")}
    data["contact"] = "tlf. 8940 2000"
    saved = browser.post(f"/cases/{case_id}/actors/uu", data=data, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == f"/cases/{case_id}"
    actor = next(a for a in api.get(f"/api/v1/cases/{case_id}/graph").json()["actors"]
                 if a["key"] == "uu")
    assert actor["contact"] == "tlf. 8940 2000" and actor["label"] == "UU-vejleder"
    assert api.get(f"/api/v1/cases/{case_id}").json()["version"] == version + 1


def test_a_redraw_draws_the_forms_the_person_has_open(api: Api, browser: TestClient) -> None:
    # "uu" becomes a key a header cannot carry unencoded.
    doc = json.loads(claus_foer().model_dump_json(exclude_none=True).replace('"uu"', '"søn"'))
    last = doc["actors"][-1]["key"]
    first = doc["couplings"][0]
    coupling = f"coupling:{first['source']}|{first['target']}"
    case_id, _ = api.create(doc)
    named = [quote("actor:søn"), f"actor:{last}", "actor:nosuch", quote(coupling)]
    answer = browser.get(f"/cases/{case_id}/workspace",
                         headers={**HX, "X-Kuvert-Open": " ".join(named)})
    assert answer.status_code == 200
    assert [unquote(a) for a in _actor_forms(answer)] == [f"/cases/{case_id}/actors/søn",
                                                          f"/cases/{case_id}/actors/{last}"]
    opened = [d.get("data-opens") for d in parse(answer).cssselect("#workspace details[open]")]
    assert opened == ["actor:søn", f"actor:{last}", coupling]
    row = one(answer, f'#couplings details[data-opens="{coupling}"]')
    assert [unquote(f.get("action")) for f in row.cssselect("form")] == [
        f"/cases/{case_id}/couplings/{first['source']}/{first['target']}",
        f"/cases/{case_id}/couplings/{first['source']}/{first['target']}/delete"]
    assert _coupling_forms(answer) == 2


def test_a_refused_change_without_javascript_shows_its_form_open(api: Api,
                                                                 browser: TestClient) -> None:
    case_id, version = api.create(claus_foer())
    csrf = csrf_token(browser.get(f"/cases/{case_id}").text)
    refused = browser.post(f"/cases/{case_id}/actors/uu", data={
        "csrf": csrf, "version": str(version), "label": " "})
    assert refused.status_code == 422 and is_page(refused)
    assert _actor_forms(refused) == [f"/cases/{case_id}/actors/uu"]


def test_the_form_of_an_actor_not_there_or_of_another_team(api: Api, other_team: Api,
                                                          browser: TestClient) -> None:
    case_id, _ = api.create(claus_foer())
    missing = browser.get(f"/cases/{case_id}/actors/nosuch", headers=HX)
    assert missing.status_code == 404
    assert "findes ikke" in missing.text
    theirs, _ = other_team.create(claus_foer())
    assert browser.get(f"/cases/{theirs}/actors/uu", headers=HX).status_code == 404


def test_case_page_links_each_couplings_forms(api: Api, browser: TestClient) -> None:
    case_id, _ = api.create(claus_foer())
    html = browser.get(f"/cases/{case_id}").text
    assert _coupling_forms(html) == 0
    links = [a.get("href") for a in parse(html).cssselect("#couplings details a.form-link")]
    assert links == [f"/cases/{case_id}/couplings/{c.source}/{c.target}"
                     for c in claus_foer().couplings]
    states = [s.get("data-state") for s in parse(html).cssselect("#couplings [data-state]")]
    assert states == [c.state for c in claus_foer().couplings]


def test_coupling_state_buttons_fetched_and_without_javascript(api: Api,
                                                               browser: TestClient) -> None:
    case_id, version = api.create(claus_foer())
    c = claus_foer().couplings[0]
    path = f"/cases/{case_id}/couplings/{c.source}/{c.target}"
    fetched = browser.get(path, headers=HX)
    assert fetched.status_code == 200 and not is_page(fetched)
    buttons = parse(fetched).cssselect("button[name=state]")
    assert [b.get("value") for b in buttons] == ["needed", "established", "weak", "strained"]
    assert [b.get("value") for b in buttons if b.get("aria-pressed") == "true"] == [c.state]
    # Without JavaScript: the page, and a button posts the state (the browser sends the
    # pressed button's name and value).
    own = browser.get(path)
    assert is_page(own) and has(own, f'a[href="/cases/{case_id}"]')
    form = one(own, f'form[action="{path}"]')
    other = next(b.get("value") for b in form.cssselect("button[name=state]")
                 if b.get("value") != c.state)
    data = {i.get("name"): i.get("value") for i in form.cssselect("input")} | {"state": other}
    saved = browser.post(path, data=data, follow_redirects=False)
    assert saved.status_code == 303
    stored = api.get(f"/api/v1/cases/{case_id}/graph").json()["couplings"][0]
    assert stored["state"] == other
    assert api.get(f"/api/v1/cases/{case_id}").json()["version"] == version + 1
    missing = browser.get(f"/cases/{case_id}/couplings/{c.target}/nosuch", headers=HX)
    assert missing.status_code == 404 and "findes ikke" in missing.text
