"""A deleted case leaves nothing another case could inherit, nor its citizen's name.

Issue 10, items 2 and 6. Team A creates a case, reads, prints, snapshots and
searches for it, has an admin search the audit log for the name, and deletes it
while a live stream is open on it. Then team B creates a case: it gets a new id
(SQLite used to hand out the deleted one), B's access report (HTML and PDF) shows
nothing of A's, the open stream hears nothing of B's, and the audit log keeps
who did what when of A's case but no longer the free text that named the citizen.
"""

from __future__ import annotations

import asyncio
import io
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import or_, select

from app import accounts, live
from app import models as m
from app.config import Settings
from app.db import Database
from app.main import create_app
from tests.helpers.clients import PASSWORD, Api, log_in
from tests.helpers.html import markup, one


def _browser(settings: Settings, db: Database, team: str, role: str) -> Iterator[TestClient]:
    username = f"{role}-{secrets.token_hex(4)}"
    with db.session() as session:
        accounts.create_user(session, username, PASSWORD, team, role)
    app = create_app(settings)
    with TestClient(app) as c:
        assert log_in(c, username).status_code == 303
        c.username = username  # type: ignore[attr-defined]
        yield c
    app.state.db.dispose()


@pytest.fixture
def browser_a(settings: Settings, db: Database, api: Api) -> Iterator[TestClient]:
    yield from _browser(settings, db, api.team, "coordinator")


@pytest.fixture
def admin_a(settings: Settings, db: Database, api: Api) -> Iterator[TestClient]:
    yield from _browser(settings, db, api.team, "admin")


@pytest.fixture
def browser_b(settings: Settings, db: Database, other_team: Api) -> Iterator[TestClient]:
    yield from _browser(settings, db, other_team.team, "coordinator")


def _case(label: str) -> dict[str, Any]:
    return {"label": label, "target_group": "voksne",
            "actors": [{"key": "b", "kind": "citizen", "label": "Borgeren"}]}


def _pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _audit(db: Database, *where: Any) -> list[m.AuditEntry]:
    with db.session() as session:
        return list(session.scalars(select(m.AuditEntry).where(*where)
                                    .order_by(m.AuditEntry.id)))


def test_a_deleted_case_leaves_nothing_to_the_next(
    api: Api, browser_a: TestClient, admin_a: TestClient, other_team: Api,
    browser_b: TestClient, db: Database,
) -> None:
    marker = secrets.token_hex(4)
    name = f"Hemmelig Hansen {marker}"
    snapshot = f"Hansen før møde {marker}"
    a_id, version = api.create(_case(name))
    patched = api.patch(f"/api/v1/cases/{a_id}",
                        json={"external_ref": f"ref-{marker}", "version": version})
    assert patched.status_code == 200, patched.text
    version = patched.json()["version"]
    assert browser_a.get(f"/cases/{a_id}").status_code == 200
    assert browser_a.get(f"/cases/{a_id}/print").status_code == 200
    assert api.post(f"/api/v1/cases/{a_id}/snapshots",
                    json={"name": snapshot}).status_code == 201
    assert browser_a.get("/cases", params={"q": name}).status_code == 200
    assert api.get("/api/v1/cases", params={"q": f"hansen {marker}"}).status_code == 200
    assert browser_a.get("/cases", params={"q": f"ref-{marker}"}).status_code == 200
    assert admin_a.get("/admin/audit", params={"principal": f"Hansen {marker}"}
                       ).status_code == 200
    kept_search = f"Jensen {marker}"  # another citizen's name: not A's to erase
    assert browser_a.get("/cases", params={"q": kept_search}).status_code == 200

    async def delete_while_watched() -> list[tuple[str, str]]:
        sub = live.hub.subscribe(a_id, "a-watcher")
        deleted = api.delete(f"/api/v1/cases/{a_id}", headers={"If-Match": f'"{version}"'})
        assert deleted.status_code == 204, deleted.text
        await asyncio.sleep(0.05)
        b_case = other_team.create(_case(f"Team B {marker}"))
        live.announce_committed(a_id, 99)  # anything still said on the old id
        live.announce_committed(b_case[0], b_case[1])
        await asyncio.sleep(0.05)
        got = []
        while not sub.queue.empty():
            got.append(sub.queue.get_nowait())
        live.hub.unsubscribe(sub)
        nonlocal b_id
        b_id = b_case[0]
        return got

    b_id = 0
    heard = asyncio.run(delete_while_watched())
    # The deletion itself is the last thing the stream hears: nothing of B's after it.
    assert heard[-1] == ("deleted", ""), heard
    assert ("changed", "99") not in heard and ("changed", "1") not in heard

    # Never the same id again, on SQLite as on PostgreSQL.
    assert b_id > a_id

    html = browser_b.get(f"/cases/{b_id}/access-report")
    assert html.status_code == 200
    table = markup(one(html, "#access-report"))
    pdf = browser_b.get(f"/cases/{b_id}/access-report.pdf")
    assert pdf.status_code == 200
    for shown in (table, _pdf_text(pdf.content)):
        assert browser_a.username not in shown  # type: ignore[attr-defined]
        assert admin_a.username not in shown  # type: ignore[attr-defined]
        for words in ("slettede forløbet", "udskrev forløbet", "Hansen", marker[:4] + "x"):
            assert words not in shown, words
        assert "system «test-write»" in shown  # B's own token created it
    assert {e.principal for e in _audit(db, m.AuditEntry.case_id == b_id)} == {
        "token:" + str(_token_id(db, other_team)) + ":test-write",
        f"user:{browser_b.username}"}  # type: ignore[attr-defined]
    assert browser_a.get(f"/cases/{a_id}/access-report").status_code == 404

    # Who did what when with A's case stays; the free text that named the citizen goes.
    kept = _audit(db, m.AuditEntry.case_id == a_id)
    actions = [e.action for e in kept]
    for action in ("create", "read", "print", "create_snapshot", "delete"):
        assert action in actions, action
    assert all(e.detail is None and e.term is None for e in kept)
    naming = _audit(db, or_(m.AuditEntry.detail.contains(marker),
                            m.AuditEntry.term.contains(marker)))
    assert [e.term for e in naming] == [kept_search.casefold()], [
        (e.action, e.detail, e.term) for e in naming]
    searches = _audit(db, m.AuditEntry.action.in_(["search", "admin:audit_search"]),
                      m.AuditEntry.principal.in_([
                          f"user:{browser_a.username}",  # type: ignore[attr-defined]
                          f"user:{admin_a.username}",  # type: ignore[attr-defined]
                          "token:" + str(_token_id(db, api)) + ":test-write"]))
    # That the searches happened, and their other criteria, stay.
    assert len(searches) == 5
    assert sum("«slettet med forløbet»" in (e.detail or "") for e in searches) == 4
    assert all("offset=" in (e.detail or "") or "since=" in (e.detail or "")
               for e in searches)


def _token_id(db: Database, client: Api) -> int:
    with db.session() as session:
        team = accounts.find_team(session, client.team)
        found = session.scalar(select(m.ApiToken.id).where(
            m.ApiToken.team_id == team.id, m.ApiToken.name == "test-write"))
    assert found is not None
    return found


def test_purging_a_closed_case_erases_its_free_text_too(
    api: Api, db: Database, settings: Settings,
) -> None:
    from datetime import UTC, datetime, timedelta

    from app import retention

    marker = secrets.token_hex(4)
    case_id, version = api.create(_case(f"Gammel Olsen {marker}"))
    assert api.post(f"/api/v1/cases/{case_id}/snapshots",
                    json={"name": f"Olsen {marker}"}).status_code == 201
    assert api.get("/api/v1/cases", params={"q": f"olsen {marker}"}).status_code == 200
    assert api.patch(f"/api/v1/cases/{case_id}",
                     json={"status": "closed", "version": version}).status_code == 200
    later = datetime.now(UTC) + timedelta(days=settings.closed_case_retention_days + 1)
    with db.session() as session:
        gone = retention.purge_closed_cases(session, settings, apply=True, now=later)
    assert case_id in [item.case_id for item in gone]
    assert _audit(db, or_(m.AuditEntry.detail.contains(marker),
                          m.AuditEntry.term.contains(marker))) == []
    actions = [e.action for e in _audit(db, m.AuditEntry.case_id == case_id)]
    assert {"create", "create_snapshot", "purge"} <= set(actions)
