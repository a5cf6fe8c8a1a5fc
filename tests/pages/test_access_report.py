"""The access report a citizen may ask for: every use of the case's data."""

from __future__ import annotations

import io
from typing import Any

from fastapi.testclient import TestClient
from pypdf import PdfReader

from app.graph.examples import claus_nu
from tests.helpers.clients import Api
from tests.helpers.html import markup, one, parse, text_of


def test_access_report_lists_reads_changes_and_exports(api: Api, browser: TestClient) -> None:
    case_id, version = api.create(claus_nu())
    api.get(f"/api/v1/cases/{case_id}/graph")
    api.patch(f"/api/v1/cases/{case_id}", json={"label": "Claus, 23", "version": version})
    api.get(f"/api/v1/cases/{case_id}/export.csv")
    browser.get(f"/cases/{case_id}/print")
    html = browser.get(f"/cases/{case_id}/access-report").text
    report = one(html, "#access-report")
    table = text_of(report)
    for words in ("oprettede forløbet", "så forløbet", "ændrede forløbet",
                  "eksporterede forløbet", "udskrev forløbet", "hentede denne rapport"):
        assert words in table, words
    assert browser.username in table  # type: ignore[attr-defined]
    assert "system «test-write»" in table
    assert "kvt_" not in markup(report)  # never a token's secret


def test_access_report_pdf_has_the_lines(api: Api, browser: TestClient) -> None:
    case_id, _ = api.create(claus_nu())
    response = browser.get(f"/cases/{case_id}/access-report.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "Adgangsrapport: Claus, 22 (nu)" in text and "oprettede forløbet" in text


def test_access_report_of_other_team_is_not_found(other_team: Api, browser: TestClient) -> None:
    case_id, _ = other_team.create(claus_nu())
    assert browser.get(f"/cases/{case_id}/access-report").status_code == 404
    assert browser.get(f"/cases/{case_id}/access-report.pdf").status_code == 404


# --- issue 10, item 7: every action named in the citizen's words, in pages ----------------


def _actions_in_source() -> set[str]:
    """Every action name the code writes to the audit log for a case."""
    import re

    from app.config import ROOT

    calls = re.compile(r'(?:audit|read_case|read_document|_stored|open_link)\('
                       r'(?:[^()]|\([^()]*\))*?"([a-z_]+(?::[a-z_]+)?)"', re.S)
    found: set[str] = set()
    for path in (ROOT / "app").rglob("*.py"):
        found |= set(calls.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_case_action_has_a_name_in_danish_and_english() -> None:
    from app import i18n, reports

    actions = _actions_in_source() | {"read", "print", "print:pseudonymised", "render_svg",
                                      "render_pdf", "watch", "embed_watch",
                                      "embed_watch_check", "export:csv",
                                      "export:graphml:pseudonymised"}
    not_case = {"login", "login_failed", "login_locked", "login_throttled", "logout",
                "account_locked", "search", "export_all", "reclassify"}
    assert {"embed_view", "read_live", "create_snapshot", "access_report"} <= actions
    for action in sorted(actions - not_case):
        if action.startswith("admin:"):
            continue
        danish = reports.what_was_done(action)
        assert "_" not in danish and danish != action, action
        token = i18n.current.set("en")
        try:
            english = reports.what_was_done(action)
        finally:
            i18n.current.reset(token)
        assert english != danish and "_" not in english, action


def test_access_report_is_paged_in_html_and_whole_in_pdf(api: Api, browser: TestClient) -> None:
    case_id, _ = api.create(claus_nu())
    for _ in range(130):
        api.get(f"/api/v1/cases/{case_id}/graph")
    first = browser.get(f"/cases/{case_id}/access-report")
    rows = len(one(first, "#access-report").cssselect("tr"))
    assert rows == 1 + reports_page_size()  # header and one page
    assert f"/cases/{case_id}/access-report?page=2" in first.text
    second = browser.get(f"/cases/{case_id}/access-report?page=2")
    assert second.status_code == 200 and "oprettede forløbet" not in second.text
    assert browser.get(f"/cases/{case_id}/access-report?page=0").status_code == 422
    pdf = browser.get(f"/cases/{case_id}/access-report.pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert text.count("så forløbet") >= 130 and "oprettede forløbet" in text


def reports_page_size() -> int:
    from app import reports

    return reports.PAGE_SIZE


def test_access_report_in_english(api: Api, browser: TestClient) -> None:
    case_id, _ = api.create(claus_nu())
    browser.cookies.set("kuvert_lang", "en")
    try:
        html = browser.get(f"/cases/{case_id}/access-report").text
        pdf = browser.get(f"/cases/{case_id}/access-report.pdf")
    finally:
        browser.cookies.delete("kuvert_lang")
    table = text_of(one(html, "#access-report"))
    assert "oprettede forløbet" not in table and "created the case" in table
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "created the case" in text


def test_one_entry_per_embed_view_with_its_duration(api: Api, client: TestClient, db: Any,
                                                    browser: TestClient) -> None:
    import time

    from sqlalchemy import select

    from app import models as m

    case_id, _ = api.create(claus_nu())
    link = api.post(f"/api/v1/cases/{case_id}/embeds", json={"days": 1}).json()
    shown = client.get(link["url"])
    sources = [str(v) for v in parse(shown).xpath('//@*[contains(., "/events?view=")]')]
    assert sources
    view = sources[0].split("/events?view=")[1]
    for _ in range(3):  # the envelope fetched again on each change: part of the view
        assert client.get(f"{link['url']}/envelope?view={view}").status_code == 200
    with client.stream("GET", f"{link['url']}/events?view={view}") as stream:
        assert stream.status_code == 200
        next(stream.iter_lines())

    def entries() -> list[m.AuditEntry]:
        with db.session() as session:
            return list(session.scalars(select(m.AuditEntry).where(
                m.AuditEntry.case_id == case_id, m.AuditEntry.channel == "embed")))

    for _ in range(100):
        if all((e.detail or "").startswith("duration=") for e in entries()):
            break
        time.sleep(0.05)
    found = entries()
    assert [(e.action, (e.detail or "")[:9]) for e in found] == [("embed_view", "duration=")]
    # a forged or foreign view reference is not trusted: that fetch is audited by itself
    assert client.get(f"{link['url']}/envelope?view={found[0].id}.forged").status_code == 200
    assert [e.action for e in entries()] == ["embed_view", "embed_view_live"]
    table = text_of(one(browser.get(f"/cases/{case_id}/access-report"), "#access-report"))
    assert "så indlejret visning (" in table
