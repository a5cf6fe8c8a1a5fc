"""The hot reads (app/reads.py, app/read_audit.py): fast, and still checked and audited.

Behaviour only; how fast they are is measured by ``make bench``.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select, update

from app import models as m
from app.db import Database
from app.graph.examples import claus_foer, claus_nu
from app.read_audit import ReadAudit, row
from app.security import hash_token
from tests.helpers.clients import Api


def _audit(db: Database, case_id: int, action: str) -> list[m.AuditEntry]:
    with db.session() as session:
        return list(session.scalars(select(m.AuditEntry).where(
            m.AuditEntry.case_id == case_id, m.AuditEntry.action == action)
            .order_by(m.AuditEntry.id)))


def test_every_graph_read_is_audited(api: Api, db: Database) -> None:
    case_id, _ = api.create(claus_nu())
    for _ in range(5):
        assert api.get(f"/api/v1/cases/{case_id}/graph").status_code == 200
    entries = _audit(db, case_id, "read")
    assert len(entries) == 5
    assert all(e.principal.startswith("token:") and e.channel == "api" for e in entries)
    assert all(e.team_id is not None for e in entries)


def test_hot_read_names_the_principal_as_every_other_route(api: Api, db: Database) -> None:
    """app/reads.py spells the token's principal itself; it must match app.auth's."""
    case_id, _ = api.create(claus_nu())
    api.get(f"/api/v1/cases/{case_id}/graph")
    with db.session() as session:
        names = set(session.scalars(select(m.AuditEntry.principal).where(
            m.AuditEntry.case_id == case_id)))
    assert len(names) == 1 and next(iter(names)).startswith("token:")


def test_every_svg_read_is_audited_cache_hits_and_304s_too(api: Api, db: Database) -> None:
    case_id, _ = api.create(claus_nu())
    first = api.get(f"/api/v1/cases/{case_id}/envelope.svg")
    second = api.get(f"/api/v1/cases/{case_id}/envelope.svg")  # from the cache
    assert first.text == second.text
    unchanged = api.get(f"/api/v1/cases/{case_id}/envelope.svg",
                        headers={"If-None-Match": first.headers["ETag"]})
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert unchanged.headers["ETag"] == first.headers["ETag"]
    assert len(_audit(db, case_id, "render_svg")) == 3


def test_svg_etag_follows_version_and_settings(api: Api) -> None:
    case_id, version = api.create(claus_foer())
    url = f"/api/v1/cases/{case_id}/envelope.svg"
    before = api.get(url)
    tag = before.headers["ETag"]
    assert tag.startswith(f'"{version}.')
    assert api.get(url, params={"lang": "en"}).headers["ETag"] != tag
    assert api.get(url, params={"pseudonymise": True}).headers["ETag"] != tag
    # The ETag still serves as If-Match for a change: its version leads.
    changed = api.put(f"/api/v1/cases/{case_id}/graph",
                      json=claus_nu().model_dump(mode="json", exclude_none=True),
                      headers={"If-Match": tag})
    assert changed.status_code == 200, changed.text
    after = api.get(url, headers={"If-None-Match": tag})
    assert after.status_code == 200 and after.headers["ETag"] != tag
    assert "Claus, 22 (nu)" in after.text and after.text != before.text


def test_revoked_token_is_refused_at_once(api: Api, db: Database) -> None:
    case_id, _ = api.create(claus_nu())
    assert api.get(f"/api/v1/cases/{case_id}/envelope.svg").status_code == 200  # cached now
    with db.session() as session:
        session.execute(update(m.ApiToken).where(m.ApiToken.token_hash == hash_token(api.token))
                        .values(revoked_at=datetime.now(UTC)))
        session.commit()
    for path in ("graph", "envelope.svg"):
        answer = api.get(f"/api/v1/cases/{case_id}/{path}")
        assert answer.status_code == 401, path
        assert answer.json()["error"]["code"] == "not_authenticated"


def test_no_token_and_other_teams_case(api: Api, other_team: Api) -> None:
    case_id, _ = api.create(claus_nu())
    for path in ("graph", "envelope.svg"):
        assert api.client.get(f"/api/v1/cases/{case_id}/{path}").status_code == 401
        assert api.client.get(f"/api/v1/cases/{case_id}/{path}",
                              headers={"Authorization": "Basic eDp5"}).status_code == 401
        assert other_team.get(f"/api/v1/cases/{case_id}/{path}").status_code == 404
        assert api.get(f"/api/v1/cases/999999/{path}").status_code == 404


def test_svg_keeps_security_headers(api: Api) -> None:
    case_id, _ = api.create(claus_nu())
    answer = api.get(f"/api/v1/cases/{case_id}/envelope.svg")
    assert "default-src 'self'" in answer.headers["Content-Security-Policy"]
    assert answer.headers["Cache-Control"] == "private, no-store"
    assert "nosniff" in answer.headers["X-Content-Type-Options"]


# --- the group-commit writer ----------------------------------------------------------


def _writer(tmp_path: Path) -> tuple[ReadAudit, object]:
    engine = create_engine(f"sqlite:///{tmp_path / 'audit.db'}")
    m.AuditEntry.__table__.create(engine)
    return ReadAudit(engine), engine


def _count(engine: object) -> int:
    with engine.connect() as conn:  # type: ignore[attr-defined]
        return int(conn.scalar(select(func.count()).select_from(m.AuditEntry)))


def test_group_commit_writes_every_row_before_answering(tmp_path: Path) -> None:
    audit, engine = _writer(tmp_path)

    async def many() -> None:
        await asyncio.gather(*(audit.record(row("token:1:t", "api", "read", i, 1))
                               for i in range(300)))
        assert _count(engine) == 300  # every awaited row is committed on return

    asyncio.run(many())
    assert audit.rows == 300 and 1 <= audit.commits <= 300
    audit.close()


def test_close_commits_what_is_queued(tmp_path: Path) -> None:
    audit, engine = _writer(tmp_path)

    async def queued_then_closed() -> None:
        waits = [asyncio.ensure_future(audit.record(row("token:1:t", "api", "read", i, 1)))
                 for i in range(50)]
        await asyncio.sleep(0)  # all 50 handed over
        await asyncio.to_thread(audit.close)
        await asyncio.gather(*waits)

    asyncio.run(queued_then_closed())
    assert _count(engine) == 50


def test_a_failed_commit_fails_the_read(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'none.db'}")  # no audit table
    audit = ReadAudit(engine)
    with pytest.raises(RuntimeError, match="audit"):
        asyncio.run(audit.record(row("token:1:t", "api", "read", 1, 1)))
    audit.close()


def test_case_list_page_search_is_audited(browser: Any, db: Database) -> None:
    """The list page hands its search row to the group-commit writer: still one row per
    page, committed before the page is answered."""
    who = f"user:{browser.username}"
    for q in ("claus", "mor"):
        assert browser.get("/cases", params={"q": q}).status_code == 200
    with db.session() as session:
        entries = list(session.scalars(select(m.AuditEntry).where(
            m.AuditEntry.principal == who, m.AuditEntry.action == "search")))
    assert len(entries) == 2
    assert any("q='claus'" in (e.detail or "") for e in entries)
    assert {e.term for e in entries} == {"claus", "mor"}  # kept apart, so it can be erased
