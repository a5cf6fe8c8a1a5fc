"""The print view: envelope first, then the actor table and the couplings with agreements."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy import select

from app import models as m
from app.graph.analyse import analyse
from app.graph.classify import classify
from app.graph.examples import claus_foer, claus_nu, prototype_3
from tests.helpers.clients import Api
from tests.helpers.documents import sixty_actors, thirty_actors
from tests.helpers.html import all_text, one, parse, text_of


def test_print_case_shows_envelope_actors_and_agreements(api: Api, browser: TestClient) -> None:
    case_id, _ = api.create(claus_nu())
    response = browser.get(f"/cases/{case_id}/print")
    assert response.status_code == 200
    html = response.text
    assert "Prototype 2" in html and "Claus, 22 (nu)" in html
    envelope = html.split('<section class="envelope"')[1].split("</section>")[0]
    svg = ET.fromstring(envelope[envelope.index("<svg"):])
    assert svg.tag.endswith("svg")
    page = parse(html)
    in_order = [e.tag if e.tag == "svg" else text_of(e) for e in page.xpath("//svg | //h2")]
    assert in_order.index("svg") < in_order.index("Aktører")
    for actor in claus_nu().actors:
        assert actor.label in html
    assert "Ambulant behandling to gange om ugen" in html
    assert "senest 01.12.2026" in html
    assert "Koordinerende sagsbehandler (koordinator)" in html
    assert 'href="/static/print.css"' in html


def test_print_case_escapes_labels(api: Api, browser: TestClient) -> None:
    doc = claus_nu().model_dump(mode="json", exclude_none=True)
    doc["actors"][1]["label"] = "<script>alert(1)</script>"
    doc["actors"][1]["contribution"] = '<img src=x onerror="alert(2)">'
    case_id, _ = api.create(doc)
    html = browser.get(f"/cases/{case_id}/print").text
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_print_case_pseudonymised_hides_network(api: Api, browser: TestClient) -> None:
    case_id, _ = api.create(prototype_3())
    html = browser.get(f"/cases/{case_id}/print", params={"pseudonymise": "true"}).text
    assert "Moster" not in html and "Søn, 15" not in html
    assert "Pseudonymiseret" in html


def test_print_other_teams_case_is_not_found(other_team: Api, browser: TestClient) -> None:
    case_id, _ = other_team.create(claus_nu())
    response = browser.get(f"/cases/{case_id}/print")
    assert response.status_code == 404
    assert "Claus" not in response.text


def test_print_case_is_audited_for_the_user(api: Api, browser: TestClient, db: Any) -> None:
    case_id, _ = api.create(claus_nu())
    browser.get(f"/cases/{case_id}/print")
    with db.session() as session:
        entries = session.scalars(select(m.AuditEntry).where(
            m.AuditEntry.case_id == case_id, m.AuditEntry.action == "print")).all()
    assert [e.principal for e in entries] == [f"user:{browser.username}"]  # type: ignore[attr-defined]
    assert entries[0].channel == "web"


def test_list_cases_page_links_to_print(api: Api, browser: TestClient) -> None:
    case_id, _ = api.create(claus_nu())
    html = browser.get("/cases").text
    assert f'href="/cases/{case_id}/print"' in html


def test_print_case_shows_reasons_and_warnings(api: Api, browser: TestClient) -> None:
    case_id, _ = api.create(claus_foer())
    html = browser.get(f"/cases/{case_id}/print").text
    tables = one(html, "section.tables")
    headings = all_text(tables, "h2")
    assert "Klassifikation: prototype 2" in headings
    assert "Advarsler" in headings
    for line in [*classify(claus_foer()).reasons,
                 *(w.message for w in analyse(claus_foer()).warnings)]:
        assert " ".join(line.split()) in text_of(tables), line
    assert headings.index("Klassifikation: prototype 2") < headings.index("Advarsler")


def test_print_case_without_warnings_says_so(api: Api, browser: TestClient) -> None:
    case_id, _ = api.create(claus_nu())
    assert "Ingen advarsler." in all_text(browser.get(f"/cases/{case_id}/print"), "li")


def test_print_case_in_english_translates_reasons_and_warnings(api: Api,
                                                               browser: TestClient) -> None:
    case_id, _ = api.create(claus_foer())
    browser.cookies.set("kuvert_lang", "en")
    html = browser.get(f"/cases/{case_id}/print").text
    headings = all_text(html, "h2")
    assert "Classification: prototype 2" in headings and "Warnings" in headings
    assert "4 professions (" in html and "gives level 2." in html
    assert "Claus is the only link between «UU-vejleder» and «Ydelsesrådgiver»" in \
        text_of(one(html, "section.tables"))
    for warning in analyse(claus_foer()).warnings:  # no Danish warning text left
        assert escape(warning.message) not in html


def test_print_case_pseudonymised_names_no_one_in_warnings(api: Api, browser: TestClient) -> None:
    case_id, _ = api.create(prototype_3())
    html = browser.get(f"/cases/{case_id}/print", params={"pseudonymise": "true"}).text
    warnings = html[html.index('<ul class="warnings">'):]
    assert "«" in warnings  # the warnings name actors, by their shown labels
    assert "Moster" not in warnings and "Søn, 15" not in warnings


def test_print_page_offers_a3_when_a4_would_print_names_too_small(
        api: Api, browser: TestClient) -> None:
    """Up to about 30 actors every name prints at 8 pt on A4; a larger network cannot, so
    the page says so and links to the same page set for landscape A3 (issue 12 item 4)."""
    large, _ = api.create(sixty_actors())
    page = parse(browser.get(f"/cases/{large}/print").text)
    hint = one(page, "#paper-hint")
    assert "A3" in text_of(hint) and "8 pt" in text_of(hint)
    link = one(hint, "a")
    assert link.get("href") == f"/cases/{large}/print?paper=a3"
    assert not page.cssselect('link[href="/static/print-a3.css"]')

    on_a3 = parse(browser.get(f"/cases/{large}/print", params={"paper": "a3"}).text)
    assert on_a3.cssselect('link[href="/static/print-a3.css"]')
    assert not on_a3.cssselect("#paper-hint")
    assert "A3" in text_of(one(on_a3, ".print-head .no-print"))

    small, _ = api.create(thirty_actors())
    assert not parse(browser.get(f"/cases/{small}/print").text).cssselect("#paper-hint")


def test_print_page_keeps_paper_and_pseudonym_together(api: Api, browser: TestClient) -> None:
    case_id, _ = api.create(sixty_actors())
    page = parse(browser.get(f"/cases/{case_id}/print", params={"pseudonymise": "true"}).text)
    assert one(page, "#paper-hint a").get("href") == (
        f"/cases/{case_id}/print?pseudonymise=true&paper=a3")


def test_print_page_refuses_an_unknown_paper(api: Api, browser: TestClient) -> None:
    case_id, _ = api.create(claus_nu())
    response = browser.get(f"/cases/{case_id}/print", params={"paper": "letter"})
    assert response.status_code == 422


def test_print_case_pseudonymised_in_english_names_roles_in_english(
        api: Api, browser: TestClient) -> None:
    """The page's heading and tables say the same role names as its envelope: English."""
    case_id, _ = api.create(prototype_3())
    browser.cookies.set("kuvert_lang", "en")
    try:
        html = browser.get(f"/cases/{case_id}/print", params={"pseudonymise": "true"}).text
    finally:
        browser.cookies.delete("kuvert_lang")
    assert all_text(html, "h1") == ["Citizen's case"]
    tables = text_of(one(html, "section.tables"))
    assert "Citizen" in tables and "Network 1" in tables
    assert "Borger" not in tables and "Netværk" not in tables
