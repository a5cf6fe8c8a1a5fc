"""The admin pages: users, API tokens and the catalogue, for admins of their own teams only."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from app import models as m
from app.config import Settings
from app.db import Database
from app.main import create_app
from tests.helpers.clients import PASSWORD, Api, find_team_id, log_in, new_user, post_form
from tests.helpers.html import csrf_token, has, one, parse, text_of


def _app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def admin(settings: Settings, db: Database, api: Api) -> Iterator[TestClient]:
    """A logged-in browser of an admin of ``api``'s team."""
    username = new_user(db, api.team, "admin", "admin")
    app = _app(settings)
    with TestClient(app) as c:
        assert log_in(c, username).status_code == 303
        c.username = username
        yield c
    app.state.db.dispose()


@pytest.fixture
def coordinator(settings: Settings, db: Database, api: Api) -> Iterator[TestClient]:
    """A logged-in browser of a coordinator (not an admin) of ``api``'s team."""
    app = _app(settings)
    with TestClient(app) as c:
        assert log_in(c, new_user(db, api.team, "coordinator")).status_code == 303
        yield c
    app.state.db.dispose()


def _csrf(client: TestClient, url: str = "/admin/users") -> str:
    html: str = client.get(url).text
    return csrf_token(html)


def _user(db: Database, username: str) -> m.User:
    with db.session() as session:
        user = session.scalar(select(m.User).where(m.User.username == username))
        assert user is not None
        user.memberships  # noqa: B018  (loaded while the session is open)
        return user


def _actions(db: Database, principal: str) -> list[str]:
    with db.session() as session:
        return list(session.scalars(select(m.AuditEntry.action).where(
            m.AuditEntry.principal == principal).order_by(m.AuditEntry.id)))


def test_show_admin_pages(admin: TestClient, api: Api) -> None:
    for url in ("/admin", "/admin/users", "/admin/tokens", "/admin/catalogue"):
        response = admin.get(url)
        assert response.status_code == 200, url
        assert has(response, "h1") and has(response, '[aria-current="page"]')
    assert api.team in admin.get("/admin").text
    assert admin.username in admin.get("/admin/users").text


def test_admin_page_without_login_goes_to_login(client: TestClient, settings: Settings) -> None:
    with TestClient(_app(settings)) as c:
        response = c.get("/admin/users", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fadmin%2Fusers"


def test_create_user_who_can_then_log_in(admin: TestClient, db: Database, api: Api,
                                         settings: Settings) -> None:
    username = f"ny-{secrets.token_hex(4)}"
    response = post_form(admin, "/admin/users", {"username": username, "password": "ti-tegn-mindst",
                                                 "team_id": find_team_id(db, api.team),
                                                 "role": "editor"})
    assert response.status_code == 303 and response.headers["location"] == "/admin/users"
    user = _user(db, username)
    assert [(ms.team_id, ms.role) for ms in user.memberships] == [
        (find_team_id(db, api.team), "editor")]
    assert username in admin.get("/admin/users").text
    with TestClient(_app(settings)) as c:
        assert log_in(c, username, "ti-tegn-mindst").status_code == 303
    assert "admin:user_created" in _actions(db, f"user:{admin.username}")
    with db.session() as session:
        entry = session.scalar(select(m.AuditEntry).where(
            m.AuditEntry.action == "admin:user_created",
            m.AuditEntry.detail == f"user={username} role=editor"))
        assert entry is not None
        assert (entry.principal, entry.team_id) == (f"user:{admin.username}",
                                                   find_team_id(db, api.team))


def test_create_user_with_bad_username_is_refused(admin: TestClient, db: Database,
                                                  api: Api) -> None:
    response = post_form(admin, "/admin/users", {"username": "anna andersen",
                                             "password": "ti-tegn-mindst",
                                             "team_id": find_team_id(db, api.team),
                                             "role": "editor"})
    assert response.status_code == 422
    assert "Brugernavnet skal være 1-100 tegn" in response.text
    with db.session() as session:
        assert session.scalar(select(m.User).where(m.User.username == "anna andersen")) is None


def test_create_user_with_short_password_is_refused(admin: TestClient, db: Database,
                                                    api: Api) -> None:
    username = f"kort-{secrets.token_hex(4)}"
    response = post_form(admin, "/admin/users", {"username": username, "password": "kort",
                                                 "team_id": find_team_id(db, api.team),
                                                 "role": "editor"})
    assert response.status_code == 422
    assert "Adgangskoden skal være mindst 10 tegn" in response.text
    assert f'value="{username}"' in response.text  # the form keeps what was typed
    with db.session() as session:
        assert session.scalar(select(m.User).where(m.User.username == username)) is None


def test_create_user_with_taken_username_is_refused(admin: TestClient, db: Database,
                                                    api: Api) -> None:
    taken = new_user(db, api.team, "reader")
    response = post_form(admin, "/admin/users", {"username": taken, "password": PASSWORD,
                                                 "team_id": find_team_id(db, api.team),
                                                 "role": "editor"})
    assert response.status_code == 409
    assert "allerede i brug" in response.text


def test_change_role(admin: TestClient, db: Database, api: Api) -> None:
    username = new_user(db, api.team, "editor")
    user = _user(db, username)
    response = post_form(admin, f"/admin/users/{user.id}/role",
                         {"team_id": find_team_id(db, api.team), "role": "reader"})
    assert response.status_code == 303
    assert [ms.role for ms in _user(db, username).memberships] == ["reader"]
    assert "admin:role_changed" in _actions(db, f"user:{admin.username}")


def test_change_role_to_unknown_role_is_refused(admin: TestClient, db: Database,
                                                api: Api) -> None:
    user = _user(db, new_user(db, api.team, "editor"))
    response = post_form(admin, f"/admin/users/{user.id}/role",
                         {"team_id": find_team_id(db, api.team), "role": "superuser"})
    assert response.status_code == 422
    assert [ms.role for ms in _user(db, user.username).memberships] == ["editor"]


def test_last_admin_cannot_step_down(admin: TestClient, db: Database, api: Api) -> None:
    me = _user(db, admin.username)
    response = post_form(admin, f"/admin/users/{me.id}/role",
                         {"team_id": find_team_id(db, api.team), "role": "editor"})
    assert response.status_code == 409
    assert "mindst én aktiv administrator" in response.text
    assert post_form(admin, f"/admin/users/{me.id}/deactivate").status_code == 409


def test_deactivate_user_ends_their_session_then_reactivate(
        admin: TestClient, db: Database, api: Api, settings: Settings) -> None:
    username = new_user(db, api.team, "editor")
    user = _user(db, username)
    with TestClient(_app(settings)) as other:
        assert log_in(other, username).status_code == 303
        assert post_form(admin, f"/admin/users/{user.id}/deactivate").status_code == 303
        assert not _user(db, username).active
        assert other.get("/cases", follow_redirects=False).status_code == 303
        assert log_in(other, username).status_code == 401
        assert post_form(admin, f"/admin/users/{user.id}/reactivate").status_code == 303
        assert _user(db, username).active
        assert log_in(other, username).status_code == 303


def test_unlock_user(admin: TestClient, db: Database, api: Api, settings: Settings) -> None:
    username = new_user(db, api.team, "editor")
    with db.session() as session:
        user = session.scalar(select(m.User).where(m.User.username == username))
        assert user is not None
        user.locked_until = datetime.now(UTC) + timedelta(minutes=15)
        user.failed_logins = 3
        session.commit()
        user_id = user.id
    assert "Låst efter forkerte forsøg" in admin.get("/admin/users").text
    with TestClient(_app(settings)) as other:
        assert log_in(other, username).status_code == 401  # locked: answered as refused
        assert post_form(admin, f"/admin/users/{user_id}/unlock").status_code == 303
        unlocked = _user(db, username)
        assert unlocked.locked_until is None and unlocked.failed_logins == 0
        assert log_in(other, username).status_code == 303


def test_create_token_shows_it_once_then_revoke(admin: TestClient, db: Database,
                                                api: Api) -> None:
    response = post_form(admin, "/admin/tokens", {"team_id": find_team_id(db, api.team),
                                                  "name": "intranet", "scope": "read"})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    shown = [v for v in parse(response).xpath("//@value") if str(v).startswith("kvt_")]
    assert shown
    secret = str(shown[0])
    listed = admin.get("/admin/tokens").text
    assert "intranet" in listed and secret[:8] in listed and secret not in listed

    cases = {"Authorization": f"Bearer {secret}"}
    assert admin.get("/api/v1/cases", headers=cases).status_code == 200
    with db.session() as session:
        token = session.scalar(select(m.ApiToken).where(m.ApiToken.prefix == secret[:8]))
        assert token is not None and token.scope == "read"
    assert post_form(admin, f"/admin/tokens/{token.id}/revoke",
                     csrf=_csrf(admin, "/admin/tokens")).status_code == 303
    assert admin.get("/api/v1/cases", headers=cases).status_code == 401
    actions = _actions(db, f"user:{admin.username}")
    assert "admin:token_created" in actions and "admin:token_revoked" in actions


def test_create_token_without_name_is_refused(admin: TestClient, db: Database,
                                              api: Api) -> None:
    response = post_form(admin, "/admin/tokens", {"team_id": find_team_id(db, api.team),
                                                  "name": "  ", "scope": "write"})
    assert response.status_code == 422
    assert "Giv nøglen et navn" in response.text


def test_add_and_remove_catalogue_entry(admin: TestClient, db: Database, api: Api) -> None:
    name = f"<b>Jobcenter {secrets.token_hex(3)}</b>"
    assert post_form(admin, "/admin/catalogue", {"kind": "organisation", "name": name,
                                                 "note": "Nord"}).status_code == 303
    page = admin.get("/admin/catalogue").text
    assert name not in page and name.replace("<", "&lt;").replace(">", "&gt;") in page
    assert name in api.get("/api/v1/catalogue").json()["organisation"]

    again = post_form(admin, "/admin/catalogue", {"kind": "organisation", "name": name})
    assert again.status_code == 409

    with db.session() as session:
        entry = session.scalar(select(m.CatalogueEntry).where(m.CatalogueEntry.name == name))
        assert entry is not None
        entry_id = entry.id
    assert post_form(admin, f"/admin/catalogue/{entry_id}/delete").status_code == 303
    assert name not in api.get("/api/v1/catalogue").json()["organisation"]
    actions = _actions(db, f"user:{admin.username}")
    assert "admin:catalogue_added" in actions and "admin:catalogue_removed" in actions


ROUTES = [
    ("get", "/admin"), ("get", "/admin/users"), ("get", "/admin/tokens"),
    ("get", "/admin/catalogue"), ("post", "/admin/users"), ("post", "/admin/users/1/role"),
    ("post", "/admin/users/1/deactivate"), ("post", "/admin/users/1/reactivate"),
    ("post", "/admin/users/1/unlock"), ("post", "/admin/tokens"),
    ("post", "/admin/tokens/1/revoke"), ("post", "/admin/catalogue"),
    ("post", "/admin/catalogue/1/delete"),
]


def test_coordinator_gets_403_on_every_admin_route(coordinator: TestClient, db: Database,
                                                   api: Api) -> None:
    csrf = _csrf(coordinator, "/cases")
    form = {"csrf": csrf, "team_id": find_team_id(db, api.team), "username": "x", "name": "x",
            "password": PASSWORD, "role": "admin", "scope": "write", "kind": "sector"}
    for method, url in ROUTES:
        if method == "get":
            response = coordinator.get(url)
        else:
            response = coordinator.post(url, data=form, follow_redirects=False)
        assert response.status_code == 403, (method, url)


def test_admin_post_without_csrf_is_refused(admin: TestClient, db: Database, api: Api) -> None:
    username = new_user(db, api.team, "editor")
    user = _user(db, username)
    for csrf in ("", "forkert"):
        response = admin.post(f"/admin/users/{user.id}/deactivate", data={"csrf": csrf},
                              follow_redirects=False)
        assert response.status_code == 403
    response = admin.post("/admin/catalogue", data={"kind": "sector", "name": "uden csrf"})
    assert response.status_code == 403
    assert _user(db, username).active


def test_admin_of_one_team_cannot_manage_another_teams_users(
        admin: TestClient, db: Database, other_team: Api) -> None:
    stranger = _user(db, new_user(db, other_team.team, "editor"))
    assert stranger.username not in admin.get("/admin/users").text
    for action in ("deactivate", "unlock"):
        assert post_form(admin, f"/admin/users/{stranger.id}/{action}").status_code == 404
    theirs = find_team_id(db, other_team.team)
    assert post_form(admin, f"/admin/users/{stranger.id}/role",
                     {"team_id": theirs, "role": "admin"}).status_code == 404
    created = post_form(admin, "/admin/users", {"username": f"snyd-{secrets.token_hex(3)}",
                                                "password": PASSWORD, "team_id": theirs,
                                                "role": "admin"})
    assert created.status_code == 403
    token = post_form(admin, "/admin/tokens", {"team_id": theirs, "name": "snyd", "scope": "write"})
    assert token.status_code == 403
    with db.session() as session:
        their_token = session.scalar(select(m.ApiToken).where(m.ApiToken.team_id == theirs))
        assert their_token is not None
        assert post_form(admin, f"/admin/tokens/{their_token.id}/revoke").status_code == 404
    assert _user(db, stranger.username).active
    assert [ms.role for ms in _user(db, stranger.username).memberships] == ["editor"]
    assert other_team.get("/api/v1/cases").status_code == 200


def test_admin_searches_and_exports_the_audit_log(admin: TestClient, api: Api,
                                                  coordinator: TestClient) -> None:
    case_id, _ = api.create({"label": "Logsag", "target_group": "voksne", "actors": [
        {"key": "b", "kind": "citizen", "label": "B"}]})
    api.get(f"/api/v1/cases/{case_id}/graph")
    page = admin.get("/admin/audit", params={"case_id": case_id})
    assert page.status_code == 200
    table = text_of(one(page, "#audit"))
    assert "create" in table and "read" in table
    exported = admin.get("/admin/audit.csv", params={"case_id": case_id, "action": "read"})
    lines = exported.text.strip().splitlines()
    assert lines[0] == "at,principal,team_id,case_id,action,channel,detail"
    assert len(lines) == 2 and ",read," in lines[1]
    assert admin.get("/admin/audit", params={"since": "yesterday"}).status_code == 422
    assert coordinator.get("/admin/audit").status_code == 403
