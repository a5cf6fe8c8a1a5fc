"""Behind the municipality's reverse proxy: X-Forwarded-For and X-Forwarded-Proto count
only when they come from a proxy in KUVERT_TRUSTED_PROXIES, so the login throttle and the
audit see the real client, cookies are Secure over HTTPS, and nobody else can choose the
address they are counted under by sending the headers themselves."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import select

from app import accounts
from app import models as m
from app.config import Settings
from app.main import create_app
from tests.helpers.clients import PASSWORD, Api, client_address, log_in
from tests.helpers.html import csrf_token

PROXY = "10.0.0.5"
STRANGER = "198.51.100.7"  # connects directly, not a proxy


def _behind_proxy(settings: Settings, **extra: Any) -> Settings:
    return settings.model_copy(update={"trusted_proxies": f"{PROXY}, 10.9.0.0/24", **extra})


def _failed_from(db: Any, username: str) -> list[str | None]:
    """The addresses the audit log noted for the username's failed logins."""
    with db.session() as session:
        return list(session.scalars(select(m.AuditEntry.detail).where(
            m.AuditEntry.principal == f"user:{username}",
            m.AuditEntry.action == "login_failed").order_by(m.AuditEntry.id)))


def _fail(client: TestClient, username: str, headers: dict[str, str]) -> int:
    form = client.get("/login", headers=headers)
    csrf = csrf_token(form.text)
    return client.post("/login", headers=headers, follow_redirects=False, data={
        "username": username, "password": "forkert-forkert", "csrf": csrf}).status_code


@pytest.mark.parametrize(("peer", "forwarded", "counted"), [
    (PROXY, "203.0.113.9", "203.0.113.9"),                    # the proxy says who
    ("10.9.0.77", "203.0.113.9", "203.0.113.9"),              # a proxy of a trusted network
    (PROXY, "6.6.6.6, 203.0.113.9", "203.0.113.9"),           # the client's own claim is
    (PROXY, f"6.6.6.6, 203.0.113.9, {PROXY}", "203.0.113.9"),  # skipped: the nearest
    (STRANGER, "203.0.113.9", STRANGER),                      # untrusted hop counts
    ("127.0.0.1", "203.0.113.9", "127.0.0.1"),                # localhost is no exception
])
def test_client_address_from_trusted_proxies_only(settings: Settings, db: Any, peer: str,
                                                  forwarded: str, counted: str) -> None:
    username = f"nobody-{secrets.token_hex(4)}"
    with TestClient(create_app(_behind_proxy(settings)), client=(peer, 4000)) as c:
        assert _fail(c, username, {"X-Forwarded-For": forwarded}) == 401
    assert _failed_from(db, username) == [f"ip={counted}"]


def test_no_proxy_is_trusted_unless_configured(settings: Settings, db: Any) -> None:
    assert settings.trusted_proxies == ""
    username = f"nobody-{secrets.token_hex(4)}"
    with TestClient(create_app(settings), client=("127.0.0.1", 4000)) as c:
        assert _fail(c, username, {"X-Forwarded-For": "203.0.113.9"}) == 401
    assert _failed_from(db, username) == ["ip=127.0.0.1"]


def test_throttle_behind_the_proxy_counts_each_real_client(settings: Settings, db: Any,
                                                           api: Api) -> None:
    """Everyone comes through one proxy; the attacker's address waits, the others not."""
    strict = _behind_proxy(settings, login_ip_max_failures=3)
    username = f"user-{secrets.token_hex(4)}"
    with db.session() as session:
        accounts.create_user(session, username, PASSWORD, api.team, "editor")
    attacker = {"X-Forwarded-For": client_address()}
    colleague = {"X-Forwarded-For": client_address()}
    with TestClient(create_app(strict), client=(PROXY, 4000)) as c:
        for i in range(3):
            assert _fail(c, f"nobody-{i}-{secrets.token_hex(2)}", attacker) == 401
        assert _fail(c, username, attacker) == 429
        c.headers.update(colleague)
        assert log_in(c, username).status_code == 303


def test_an_untrusted_client_cannot_dodge_the_throttle(settings: Settings, db: Any) -> None:
    """A new X-Forwarded-For with every attempt changes nothing when sent directly."""
    strict = _behind_proxy(settings, login_ip_max_failures=3)
    with TestClient(create_app(strict), client=(client_address(), 4000)) as c:
        answers = [_fail(c, f"nobody-{secrets.token_hex(4)}", {"X-Forwarded-For": client_address()})
                   for _ in range(5)]
    assert answers == [401, 401, 401, 429, 429]


@pytest.mark.parametrize(("peer", "secure"), [(PROXY, True), (STRANGER, False)])
def test_https_from_the_proxy_makes_cookies_secure(settings: Settings, db: Any, api: Api,
                                                   peer: str, secure: bool) -> None:
    """The proxy ends TLS and says so; the session cookie then never goes over plain HTTP."""
    username = f"user-{secrets.token_hex(4)}"
    with db.session() as session:
        accounts.create_user(session, username, PASSWORD, api.team, "editor")
    https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    with TestClient(create_app(_behind_proxy(settings)), client=(peer, 4000),
                    base_url="http://kuvert.test") as c:
        form = c.get("/login", headers=https)
        assert ("secure" in form.headers["set-cookie"].lower()) is secure
        csrf = csrf_token(form.text)
        # over plain http the test client would hold a Secure cookie back; the browser
        # (on https) sends it
        c.cookies.set("kuvert_login_csrf", form.cookies.get("kuvert_login_csrf") or "")
        answer = c.post("/login", headers=https, follow_redirects=False,
                        data={"username": username, "password": PASSWORD, "csrf": csrf})
    assert answer.status_code == 303
    session_cookie = next(h for h in answer.headers.get_list("set-cookie")
                          if h.startswith("kuvert_session="))
    assert ("secure" in session_cookie.lower()) is secure
    assert answer.headers["location"] == "/cases"  # relative: the browser keeps https
    with db.session() as session:  # and the audit log names the real client
        detail = session.scalar(select(m.AuditEntry.detail).where(
            m.AuditEntry.principal == f"user:{username}", m.AuditEntry.action == "login"))
    assert detail == f"method=password ip={'203.0.113.9' if secure else peer}"


@pytest.mark.parametrize("value", ["*", "proxy.kommune.dk", "10.0.0.300", "10.0.0.0/33"])
def test_trusted_proxies_must_be_addresses_or_networks(value: str) -> None:
    with pytest.raises(ValidationError, match="KUVERT_TRUSTED_PROXIES"):
        Settings(trusted_proxies=value)


def test_trusted_proxies_are_read_as_a_list() -> None:
    settings = Settings(trusted_proxies=" 10.0.0.5, 10.1.0.7/24 ,::1")
    assert settings.trusted_proxy_list == ["10.0.0.5", "10.1.0.0/24", "::1"]


@pytest.mark.parametrize(("peer", "scheme"), [(PROXY, "https"), (STRANGER, "http")])
def test_absolute_redirects_keep_the_forwarded_scheme(settings: Settings, peer: str,
                                                      scheme: str) -> None:
    """A URL the app builds itself (here: a trailing slash taken off) is https when the
    trusted proxy says the client came over https; a stranger's header changes nothing."""
    with TestClient(create_app(_behind_proxy(settings)), client=(peer, 4000),
                    base_url="http://kuvert.test") as c:
        answer = c.get("/healthz/", headers={"X-Forwarded-Proto": "https"},
                       follow_redirects=False)
    assert answer.status_code == 307
    assert answer.headers["location"] == f"{scheme}://kuvert.test/healthz"
