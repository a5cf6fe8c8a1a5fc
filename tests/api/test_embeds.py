"""Embed links: read-only, pseudonymised, expiring, revocable, framed only where allowed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from app import models as m
from app.config import Settings
from app.graph.examples import prototype_3
from app.main import create_app
from tests.helpers.clients import Api
from tests.helpers.html import has


def _embed(api: Api, case_id: int, **body: Any) -> Any:
    response = api.post(f"/api/v1/cases/{case_id}/embeds", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_embed_shows_pseudonymised_envelope_without_login(api: Api, client: TestClient) -> None:
    case_id, _ = api.create(prototype_3())
    link = _embed(api, case_id, days=7, note="Intranet")
    assert link["url"].startswith("/embed/") and link["pseudonymised"] is True
    page = client.get(link["url"])
    assert page.status_code == 200
    assert "<svg" in page.text and "Moster" not in page.text and "Jobkonsulent" in page.text
    assert "frame-ancestors 'self'" in page.headers["content-security-policy"]
    assert "x-frame-options" not in page.headers
    assert not has(page, "form")  # read-only: nothing to change


def test_embed_named_when_asked(api: Api, client: TestClient) -> None:
    case_id, _ = api.create(prototype_3())
    link = _embed(api, case_id, pseudonymise=False)
    assert "Moster" in client.get(link["url"]).text


def test_revoked_embed_is_gone(api: Api, client: TestClient) -> None:
    case_id, _ = api.create(prototype_3())
    link = _embed(api, case_id)
    assert api.delete(f"/api/v1/cases/{case_id}/embeds/{link['id']}").status_code == 204
    gone = client.get(link["url"])
    assert gone.status_code == 410 and "udløbet eller trukket tilbage" in gone.text
    assert client.get(link["url"] + "/envelope").status_code == 410
    assert client.get(link["url"] + "/events").status_code == 410
    listed = api.get(f"/api/v1/cases/{case_id}/embeds").json()
    assert listed[0]["revoked_at"] is not None and "url" not in listed[0]


def test_expired_embed_is_gone_and_unknown_is_not_found(api: Api, client: TestClient,
                                                         db: Any) -> None:
    case_id, _ = api.create(prototype_3())
    link = _embed(api, case_id, days=1)
    with db.session() as session:
        row = session.get(m.EmbedLink, link["id"])
        row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        session.commit()
    assert client.get(link["url"]).status_code == 410
    assert client.get("/embed/not-a-link").status_code == 404


def test_embed_views_are_audited(api: Api, client: TestClient, db: Any) -> None:
    case_id, _ = api.create(prototype_3())
    link = _embed(api, case_id)
    client.get(link["url"])
    with db.session() as session:
        entries = session.scalars(select(m.AuditEntry).where(
            m.AuditEntry.case_id == case_id, m.AuditEntry.channel == "embed")).all()
    assert [(e.principal, e.action) for e in entries] == [(f"embed:{link['id']}", "embed_view")]


def test_embed_refusals(api: Api, reader: Api, other_team: Api) -> None:
    case_id, _ = api.create(prototype_3())
    assert api.post(f"/api/v1/cases/{case_id}/embeds", json={"days": 400}).status_code == 422
    assert api.post(f"/api/v1/cases/{case_id}/embeds",
                    json={"note": "010190-1234"}).status_code == 422
    for note in ("Intra\x00net", "Intra\u200bnet", "\u202eten:artnI", "010190\u20111234"):
        answer = api.post(f"/api/v1/cases/{case_id}/embeds", json={"note": note})
        assert answer.status_code == 422, note
    assert api.get(f"/api/v1/cases/{case_id}/embeds").json() == []
    assert reader.post(f"/api/v1/cases/{case_id}/embeds", json={}).status_code == 403
    assert other_team.post(f"/api/v1/cases/{case_id}/embeds", json={}).status_code == 404
    assert other_team.get(f"/api/v1/cases/{case_id}/embeds").status_code == 404


def test_frame_ancestors_and_cors_from_configuration(settings: Settings, api: Api) -> None:
    case_id, _ = api.create(prototype_3())
    link = _embed(api, case_id)
    configured = settings.model_copy(update={
        "embed_frame_ancestors": "https://intra.example.dk",
        "cors_origins": ["https://bi.example.dk"]})
    with TestClient(create_app(configured)) as c:
        assert "frame-ancestors https://intra.example.dk" in c.get(
            link["url"]).headers["content-security-policy"]
        assert "frame-ancestors 'none'" in c.get("/login").headers["content-security-policy"]
        allowed = c.get("/api/v1/cases", headers={**api.headers(),
                                                  "Origin": "https://bi.example.dk"})
        assert allowed.headers["access-control-allow-origin"] == "https://bi.example.dk"
        other = c.get("/api/v1/cases", headers={**api.headers(), "Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers
