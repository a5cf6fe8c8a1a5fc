"""Every audit entry has an admin who can read it (issue 10, item 12).

Logins, failed logins, locks, catalogue changes and admins' own audit searches are
written without a team. An admin reads those of the users of the teams they
administer; a site admin (``kuvert user site-admin``) also reads those of no one's
team (an unknown name's failed login, system jobs). Another team's entries stay
with that team's admins.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app import accounts, admin, sessions
from app import models as m
from app.auth import SYSTEM
from app.config import Settings
from app.db import Database
from app.errors import ServiceError
from app.main import create_app
from tests.helpers.clients import PASSWORD, Api, log_in
from tests.helpers.html import HtmlElement, all_text, csrf_token, markup, one, text_of


def _user(db: Database, team: str, role: str, prefix: str) -> str:
    username = f"{prefix}-{secrets.token_hex(4)}"
    with db.session() as session:
        accounts.create_user(session, username, PASSWORD, team, role)
    return username


@pytest.fixture
def logged_in() -> Iterator[list[TestClient]]:
    """Browsers opened by :func:`_browser`, closed afterwards."""
    clients: list[TestClient] = []
    yield clients
    for c in clients:
        c.__exit__(None, None, None)
        c.app.state.db.dispose()  # type: ignore[attr-defined]


def _browser(settings: Settings, username: str, clients: list[TestClient]) -> TestClient:
    c = TestClient(create_app(settings))
    c.__enter__()
    clients.append(c)
    assert log_in(c, username).status_code == 303
    return c


def _shown(client: TestClient, **params: str) -> HtmlElement:
    """The audit log table of the search ``params``."""
    page = client.get("/admin/audit", params=params)
    assert page.status_code == 200, page.text
    return one(page, "#audit")


def _body(table: HtmlElement) -> str:
    """The table's rows below its heading, as HTML (attributes included)."""
    return "".join(markup(row) for row in table.xpath(".//tr[not(ancestor::thead)]"))


def _fail_logins(db: Database, settings: Settings, username: str, times: int) -> None:
    address = f"198.51.100.{secrets.randbelow(250)}-{secrets.token_hex(2)}"
    with db.session() as session:
        for _ in range(times):
            with pytest.raises(ServiceError):
                sessions.log_in(session, settings, username, "forkert-kodeord", address)


def test_admins_see_their_users_team_less_entries_and_site_admins_the_rest(
    api: Api, other_team: Api, db: Database, settings: Settings,
    logged_in: list[TestClient],
) -> None:
    member = _user(db, api.team, "editor", "member")
    outsider = _user(db, other_team.team, "editor", "outsider")
    unknown = f"ukendt-{secrets.token_hex(4)}"
    admin_a = _browser(settings, _user(db, api.team, "admin", "admin"), logged_in)
    _browser(settings, member, logged_in)  # login
    _browser(settings, outsider, logged_in)
    _fail_logins(db, settings, member, settings.login_max_failures + 1)  # failed, locked
    _fail_logins(db, settings, outsider, 1)
    _fail_logins(db, settings, unknown, 1)
    catalogue_name = f"Jobcenter {secrets.token_hex(3)}"
    csrf = csrf_token(admin_a.get("/admin/catalogue").text)
    assert admin_a.post("/admin/catalogue", data={"csrf": csrf, "kind": "organisation",
                                                  "name": catalogue_name},
                        follow_redirects=False).status_code == 303
    case_id, _ = api.create({"label": "Synlig", "target_group": "voksne", "actors": [
        {"key": "b", "kind": "citizen", "label": "B"}]})

    # Team A's admin: their own team's users, not team B's, not the unknown name.
    cells = all_text(_shown(admin_a, principal=member), "td")
    for action in ("login", "login_failed", "account_locked", "login_locked"):
        assert action in cells, action
    assert outsider not in markup(_shown(admin_a, principal=outsider))
    assert unknown not in markup(_shown(admin_a, principal=unknown))
    assert catalogue_name in text_of(_shown(admin_a, action="admin:catalogue"))
    assert "admin:audit_search" in text_of(_shown(admin_a, action="admin:audit_search"))

    # A site admin with no admin role anywhere: the page opens, shows what belongs to
    # no one's team, and still not another team's case data.
    site = _user(db, other_team.team, "reader", "site")
    with db.session() as session:
        admin.set_site_admin(session, SYSTEM, site, True)
    site_browser = _browser(settings, site, logged_in)
    assert unknown in text_of(_shown(site_browser, principal=unknown))
    assert "login_failed" in all_text(_shown(site_browser, principal=unknown), "td")
    assert catalogue_name in text_of(_shown(site_browser, action="admin:catalogue"))
    assert str(case_id) not in _body(_shown(site_browser, case_id=str(case_id)))
    assert site_browser.get("/admin/users").status_code == 200  # no team: nobody listed

    # A reader who is no site admin still gets 403.
    reader = _browser(settings, _user(db, api.team, "reader", "reader"), logged_in)
    assert reader.get("/admin/audit").status_code == 403


def test_no_team_less_entry_is_unseen(api: Api, db: Database, settings: Settings) -> None:
    """Every entry of no team is seen by someone: an admin of the user's team, or a site
    admin."""
    with db.session() as session:
        site = m.User(username=f"site-{secrets.token_hex(4)}", password_hash="x",
                      site_admin=True)
        session.add(site)
        session.commit()
        who = admin.Admin(principal=SYSTEM, team_ids=frozenset(), user_id=site.id,
                          site_admin=True)
        seen = set(session.scalars(select(m.AuditEntry.id).where(admin.visible_to(who))))
        teamless = set(session.scalars(select(m.AuditEntry.id)
                                       .where(m.AuditEntry.team_id.is_(None))))
    assert teamless and teamless <= seen


def test_site_admin_can_be_granted_and_withdrawn(db: Database, api: Api) -> None:
    username = _user(db, api.team, "reader", "grant")
    with db.session() as session:
        assert admin.set_site_admin(session, SYSTEM, username, True).site_admin
        assert not admin.set_site_admin(session, SYSTEM, username, False).site_admin
        actions = session.scalars(select(m.AuditEntry.action).where(
            m.AuditEntry.detail == f"user={username}")).all()
        with pytest.raises(ServiceError):
            admin.set_site_admin(session, SYSTEM, "findes-ikke-" + username, True)
    assert list(actions) == ["admin:site_admin_granted", "admin:site_admin_revoked"]
