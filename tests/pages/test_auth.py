"""Logging in and out in the browser: sessions, CSRF, lock-out, throttles, safe redirects,
and answers that do not tell which usernames exist."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import select

from app import accounts, security, sessions
from app import models as m
from app.config import Settings
from app.main import create_app
from tests.helpers.clients import PASSWORD, Api, client_address, log_in
from tests.helpers.html import csrf_token, one


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
        wrong = log_in(c, username, "forkert-forkert")
        for _ in range(settings.login_max_failures - 1):
            assert log_in(c, username, "forkert-forkert").status_code == 401
        locked = log_in(c, username)  # even the right password, while locked
        # answered like a wrong password: a lock must not tell that the account exists
        assert locked.status_code == 401
        assert _error(locked.text) == _error(wrong.text)
        assert "hvis den findes" in _error(locked.text)
        assert c.get("/cases", follow_redirects=False).status_code == 303
    with db.session() as session:
        actions = session.scalars(select(m.AuditEntry.action).where(
            m.AuditEntry.principal == f"user:{username}")).all()
    assert "account_locked" in actions and "login_locked" in actions


def _error(html: str) -> str:
    """The login page's error message."""
    return one(html, 'p.error[role="alert"]').text_content()


def test_unknown_wrong_locked_and_deactivated_answer_alike(settings: Settings, db: Any,
                                                           api: Api) -> None:
    """Same status, same Danish message: the form tells nobody which usernames exist."""
    wrong, locked, inactive = (_user(db, api.team) for _ in range(3))
    with db.session() as session:
        for name, change in ((locked, "lock"), (inactive, "deactivate")):
            user = session.scalar(select(m.User).where(m.User.username == name))
            assert user is not None
            if change == "lock":
                user.locked_until = datetime.now(UTC) + timedelta(minutes=15)
            else:
                user.active = False
        session.commit()
    with TestClient(create_app(settings)) as c:
        answers = {
            "unknown": log_in(c, f"nobody-{secrets.token_hex(4)}", PASSWORD),
            "wrong password": log_in(c, wrong, "forkert-forkert"),
            "locked": log_in(c, locked, PASSWORD),
            "deactivated": log_in(c, inactive, PASSWORD),
        }
    assert {name: a.status_code for name, a in answers.items()} == dict.fromkeys(answers, 401)
    messages = {name: _error(a.text) for name, a in answers.items()}
    assert len(set(messages.values())) == 1, messages
    assert messages["unknown"].startswith("Forkert brugernavn eller adgangskode.")
    for answer in answers.values():
        assert "kuvert_session" not in answer.cookies


class CountingHasher(PasswordHasher):
    """The real argon2 hasher, counting its verifications."""

    calls = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        CountingHasher.calls += 1
        return super().verify(hash, password)


@pytest.mark.parametrize("kind", ["unknown", "wrong password", "locked", "deactivated",
                                  "sign-on only", "right password"])
def test_every_login_runs_the_hasher_once(settings: Settings, db: Any, api: Api,
                                          monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    """The same argon2 work whether or not the account exists (no timing asserted: the
    work itself is what makes the times alike)."""
    username = _user(db, api.team)
    with db.session() as session:
        user = session.scalar(select(m.User).where(m.User.username == username))
        assert user is not None
        if kind == "locked":
            user.locked_until = datetime.now(UTC) + timedelta(minutes=15)
        elif kind == "deactivated":
            user.active = False
        elif kind == "sign-on only":
            user.password_hash = "!sso"
        session.commit()
    monkeypatch.setattr(security, "_hasher", CountingHasher())
    CountingHasher.calls = 0
    name = f"nobody-{secrets.token_hex(4)}" if kind == "unknown" else username
    password = "forkert-forkert" if kind == "wrong password" else PASSWORD
    with db.session() as session:
        if kind == "right password":
            assert sessions.log_in(session, settings, name, password, "192.0.2.1")
        else:
            with pytest.raises(sessions.LoginRefused):
                sessions.log_in(session, settings, name, password, "192.0.2.1")
    assert CountingHasher.calls == 1


def test_log_out_ends_the_session_on_the_server(browser: TestClient) -> None:
    page = browser.get("/cases")
    csrf = csrf_token(page.text)
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
    """Failures for many usernames from one address: that address waits, others do not."""
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


def test_hammering_one_account_blocks_only_that_account(settings: Settings, db: Any,
                                                        api: Api) -> None:
    """The throttle is keyed on the account too: someone hammering one account from an
    address others share (an office's NAT, a proxy) does not keep the others out."""
    strict = settings.model_copy(update={"login_account_ip_max_failures": 3,
                                         "login_ip_max_failures": 6})
    victim, colleague = f"nobody-{secrets.token_hex(4)}", _user(db, api.team)
    with TestClient(create_app(strict), client=(client_address(), 5000)) as c:
        for _ in range(3):
            assert log_in(c, victim, "x" * 12).status_code == 401
        for _ in range(10):  # throttled attempts cost no hashing and count for nothing
            assert log_in(c, victim, "x" * 12).status_code == 429
        assert log_in(c, colleague).status_code == 303
    with db.session() as session:
        actions = session.scalars(select(m.AuditEntry.action).where(
            m.AuditEntry.principal == f"user:{victim}")).all()
    assert actions.count("login_failed") == 3 and actions.count("login_throttled") == 10


def test_a_known_account_is_throttled_like_an_unknown_one(settings: Settings, db: Any,
                                                          api: Api) -> None:
    strict = settings.model_copy(update={"login_account_ip_max_failures": 2})
    known = _user(db, api.team)
    answers = {}
    with TestClient(create_app(strict), client=(client_address(), 5000)) as c:
        for name in (known, f"nobody-{secrets.token_hex(4)}"):
            answers[name] = [log_in(c, name, "x" * 12).status_code for _ in range(3)]
    assert list(answers.values()) == [[401, 401, 429], [401, 401, 429]]


def test_login_refusal_in_english(settings: Settings, db: Any) -> None:
    with TestClient(create_app(settings), client=(client_address(), 5000)) as c:
        c.cookies.set("kuvert_lang", "en")
        answer = log_in(c, f"nobody-{secrets.token_hex(4)}", "forkert-forkert")
    assert answer.status_code == 401
    assert _error(answer.text).startswith("Wrong username or password.")
