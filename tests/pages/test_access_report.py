"""The access report a citizen may ask for: every use of the case's data."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from pypdf import PdfReader

from app.graph.examples import claus_nu
from tests.conftest import Api


def test_access_report_lists_reads_changes_and_exports(api: Api, browser: TestClient) -> None:
    case_id, version = api.create(claus_nu())
    api.get(f"/api/v1/cases/{case_id}/graph")
    api.patch(f"/api/v1/cases/{case_id}", json={"label": "Claus, 23", "version": version})
    api.get(f"/api/v1/cases/{case_id}/export.csv")
    browser.get(f"/cases/{case_id}/print")
    html = browser.get(f"/cases/{case_id}/access-report").text
    table = html.split('id="access-report"')[1]
    for words in ("oprettede forløbet", "så forløbet", "ændrede forløbet",
                  "eksporterede forløbet", "udskrev forløbet", "hentede denne rapport"):
        assert words in table, words
    assert browser.username in table  # type: ignore[attr-defined]
    assert "system «test-write»" in table
    assert "kvt_" not in table  # never a token's secret


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
