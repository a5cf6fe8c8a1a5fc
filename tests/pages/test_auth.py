"""Logging in and out in the browser: sessions, CSRF, lock-out, safe redirects."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from app import accounts
from app import models as m
from app.config import Settings
from app.main import create_app
from tests.conftest import PASSWORD, Api, log_in


def _user(db: Any, team: str) -> str:
    username = f"user-{secrets.token_hex(4)}"
    with db.session() as session:
        accounts.create_user(session, username, PASSWORD, team, "editor")
    return username


def test_page_without_login_goes_to_login(client: TestClient) -> None:
    response = client.get("/cases/1/print", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fcases%2F1%2Fprint"


def test_log_in_goes_to_next_page(settings: Settings, db: Any, api: Api) -> None:
    username = _user(db, api.team)
    with TestClient(create_app(settings)) as c:
        response = log_in(c, username, next="/cases?q=x")
        assert response.status_code == 303
        assert response.headers["location"] == "/cases?q=x"
        assert "kuvert_session" in response.cookies
        assert c.get("/cases").status_code == 200


def test_log_in_never_redirects_off_site(settings: Settings, db: Any, api: Api) -> None:
    username = _user(db, api.team)
    with TestClient(create_app(settings)) as c:
        for target in ("https://evil.example", "//evil.example", "/\\evil"):
            response = log_in(c, username, next=target)
            assert response.headers["location"] == "/cases"


def test_log_in_with_wrong_password_is_refused_in_danish(settings: Settings, db: Any,
                                                          api: Api) -> None:
    username = _user(db, api.team)
    with TestClient(create_app(settings)) as c:
        response = log_in(c, username, "forkert-forkert")
        assert response.status_code == 401
        assert "Forkert brugernavn eller adgangskode" in response.text
        assert c.get("/cases", follow_redirects=False).status_code == 303


def test_log_in_without_csrf_is_refused(settings: Settings, db: Any, api: Api) -> None:
    username = _user(db, api.team)
    with TestClient(create_app(settings)) as c:
        response = c.post("/login", data={"username": username, "password": PASSWORD,
                                           "csrf": "guess"}, follow_redirects=False)
        assert response.status_code == 403
        assert "kuvert_session" not in response.cookies


def test_repeated_failures_lock_the_account(settings: Settings, db: Any, api: Api) -> None:
    username = _user(db, api.team)
    with TestClient(create_app(settings)) as c:
        for _ in range(settings.login_max_failures):
            assert log_in(c, username, "forkert-forkert").status_code == 401
        locked = log_in(c, username)  # even the right password, while locked
        assert locked.status_code == 423
        assert "låst" in locked.text
    with db.session() as session:
        actions = session.scalars(select(m.AuditEntry.action).where(
            m.AuditEntry.principal == f"user:{username}")).all()
    assert "account_locked" in actions and "login_locked" in actions


def test_log_out_ends_the_session_on_the_server(browser: TestClient) -> None:
    page = browser.get("/cases")
    csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
    cookie = browser.cookies.get("kuvert_session")
    assert browser.post("/logout", data={"csrf": csrf},
                        follow_redirects=False).status_code == 303
    browser.cookies.set("kuvert_session", cookie or "")
    assert browser.get("/cases", follow_redirects=False).status_code == 303


def test_log_out_without_csrf_is_refused(browser: TestClient) -> None:
    assert browser.post("/logout", data={"csrf": "x"}).status_code == 403
    assert browser.get("/cases").status_code == 200


def test_idle_session_ends(browser: TestClient, db: Any, settings: Settings) -> None:
    from datetime import UTC, datetime, timedelta

    with db.session() as session:
        for row in session.scalars(select(m.WebSession)):
            row.last_seen_at = datetime.now(UTC) - timedelta(
                minutes=settings.session_idle_minutes + 1)
        session.commit()
    response = browser.get("/cases", follow_redirects=False)
    assert response.status_code == 303


def test_pages_carry_security_headers(client: TestClient) -> None:
    response = client.get("/login")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


def test_many_failures_from_one_address_must_wait(settings: Settings, db: Any,
                                                  api: Api) -> None:
    strict = settings.model_copy(update={"login_ip_max_failures": 3})
    username = _user(db, api.team)
    with TestClient(create_app(strict), client=("203.0.113.7", 5000)) as c:
        for i in range(3):
            assert log_in(c, f"nobody-{i}-{secrets.token_hex(2)}", "x" * 12).status_code == 401
        throttled = log_in(c, username)
        assert throttled.status_code == 429
        assert "Vent et kvarter" in throttled.text
    with TestClient(create_app(strict), client=("203.0.113.8", 5000)) as other:
        assert log_in(other, username).status_code == 303
