"""OpenID Connect sign-on against a real provider, through the login page in Chromium.

Every refusal shows a Danish alert on the login page and leaves an audit entry with
the method and the provider's subject (or, for an answer that fails the token checks,
the reason).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.helpers.sso import (
    AuditLog,
    Relay,
    oidc_refused,
    oidc_sign_on,
    provider_user,
    tamper,
    unsign,
)


@pytest.fixture
def relay(oidc_provider: Relay) -> Iterator[Relay]:
    yield oidc_provider
    oidc_provider.alter = None


def person(relay: Relay, **claims: object) -> tuple[str, str]:
    """A caseworker at the provider; returns (subject, username)."""
    username = f"cw{time.monotonic_ns()}"
    claims = {"preferred_username": username, "groups": ["kuvert-redaktoer"],
              "loa": "Substantiel", **claims}
    return provider_user(relay, claims), username


def test_sign_on_with_editor_group_opens_case_list(page: Page, relay: Relay,
                                                   audit_log: AuditLog) -> None:
    subject, username = person(relay)
    oidc_sign_on(page, subject)
    expect(page).to_have_url(re.compile(r"/cases$"))
    expect(page.get_by_text(f"Logget ind som {username}")).to_be_visible()
    expect(page.get_by_role("button", name="Opret forløb")).to_be_visible()
    actions = [a for a, _ in audit_log.entries(subject)]
    assert actions[:2] == ["user_created", "login"], actions
    assert "method=oidc" in audit_log.entries(subject)[1][1]


def test_sign_on_follows_role_change_at_next_login(page: Page, relay: Relay,
                                                   audit_log: AuditLog) -> None:
    subject, username = person(relay, groups=["kuvert-laeser"])
    oidc_sign_on(page, subject)
    expect(page).to_have_url(re.compile(r"/cases$"))
    expect(page.get_by_role("button", name="Opret forløb")).to_have_count(0)
    page.get_by_role("button", name="Log ud").click()
    provider_user_again(relay, subject, username, ["kuvert-redaktoer", "kuvert-admin"])
    oidc_sign_on(page, subject)
    expect(page).to_have_url(re.compile(r"/cases$"))
    expect(page.get_by_role("link", name="Administration")).to_be_visible()


def provider_user_again(relay: Relay, subject: str, username: str, groups: list[str]) -> None:
    import httpx

    answer = httpx.put(f"{relay.url}/users/{subject}", trust_env=False, json={
        "preferred_username": username, "groups": groups, "loa": "Substantiel"})
    assert answer.status_code == 204


def test_sign_on_without_group_is_refused_and_ends_sessions(
        browser_pair: tuple[Page, Page], relay: Relay, audit_log: AuditLog) -> None:
    first, second = browser_pair
    subject, username = person(relay)
    oidc_sign_on(first, subject)
    expect(first).to_have_url(re.compile(r"/cases$"))
    provider_user_again(relay, subject, username, ["en-helt-anden-gruppe"])
    oidc_sign_on(second, subject)
    oidc_refused(second, "ikke i en gruppe eller rolle, der giver adgang til Kuvert")
    first.goto("/cases")  # the session opened before the group went is gone too
    expect(first).to_have_url(re.compile(r"/login\?next="))
    assert ("login_refused" in [a for a, _ in audit_log.entries(subject)])
    assert "code=sso_no_access" in audit_log.entries(subject)[-1][1]


@pytest.mark.parametrize(("claims", "message", "reason"), [
    ({"aud": "et-andet-system"}, "ikke udstedt til Kuvert", "audience"),
    ({"iss": "https://falsk-login.example"}, "ikke fra den login-tjeneste", "issuer"),
    ({"exp": 1_000_000_000}, "er udløbet", "expired"),
], ids=["wrong-audience", "wrong-issuer", "expired"])
def test_sign_on_with_bad_id_token_is_refused(page: Page, relay: Relay, audit_log: AuditLog,
                                              claims: dict[str, object], message: str,
                                              reason: str) -> None:
    """The provider itself signs these tokens (claims given to it for the person)."""
    subject, _ = person(relay, **claims)
    oidc_sign_on(page, subject)
    oidc_refused(page, message)
    assert_refusal_audited(audit_log, reason)


@pytest.mark.parametrize(("alter", "message", "reason"), [
    (tamper, "underskrift passer ikke", "signature"),
    (unsign, "underskrift passer ikke", "signature"),
], ids=["tampered-signature", "unsigned"])
def test_sign_on_with_altered_id_token_is_refused(page: Page, relay: Relay, audit_log: AuditLog,
                                                  alter: object, message: str,
                                                  reason: str) -> None:
    """The provider's real token, altered on its way to Kuvert (by the relay)."""
    subject, _ = person(relay)
    relay.alter = alter
    oidc_sign_on(page, subject)
    oidc_refused(page, message)
    assert_refusal_audited(audit_log, reason)


def test_sign_on_with_too_low_assurance_is_refused(page: Page, relay: Relay,
                                                   audit_log: AuditLog) -> None:
    subject, _ = person(relay, loa="Lav")
    oidc_sign_on(page, subject)
    oidc_refused(page, "kræver sikringsniveau Substantiel (NSIS), men du loggede ind på niveau Lav")
    assert "code=sso_assurance_too_low" in audit_log.entries(subject)[-1][1]


def test_sign_on_with_a_username_the_rules_refuse_is_refused(page: Page, relay: Relay,
                                                             audit_log: AuditLog) -> None:
    """The provider's username meets the rule of every Kuvert user, or no user is made."""
    subject, _ = person(relay, preferred_username="Anna Andersen")
    oidc_sign_on(page, subject)
    oidc_refused(page, "Brugernavnet fra kommunens login kan ikke bruges i Kuvert")
    assert [a for a, _ in audit_log.entries(subject)] == ["login_refused"]
    assert "code=sso_username_invalid" in audit_log.entries(subject)[-1][1]


def test_sign_on_callback_used_twice_is_refused(page: Page, relay: Relay,
                                                audit_log: AuditLog) -> None:
    subject, _ = person(relay)
    callbacks: list[str] = []
    page.on("request", lambda r: callbacks.append(r.url) if "/login/oidc/callback" in r.url
            else None)
    oidc_sign_on(page, subject)
    expect(page).to_have_url(re.compile(r"/cases$"))
    page.context.clear_cookies()
    page.goto(callbacks[0])
    expect(page.get_by_role("alert")).to_contain_text("Log ind igen")
    assert_refusal_audited(audit_log, "state")


def assert_refusal_audited(audit_log: AuditLog, reason: str) -> None:
    rows = [d for a, d in audit_log.entries("-") if a == "login_refused"]
    assert rows and f"reason={reason}" in rows[-1] and "method=oidc" in rows[-1], rows


def test_log_out_ends_session_at_provider(page: Page, relay: Relay,
                                          audit_log: AuditLog) -> None:
    subject, _ = person(relay)
    oidc_sign_on(page, subject)
    expect(page).to_have_url(re.compile(r"/cases$"))
    relay.seen.clear()
    page.get_by_role("button", name="Log ud").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Du er logget ud af Kuvert")
    page.get_by_role("link", name="Log også ud hos kommunens login").click()
    page.wait_for_url(re.compile(r"/oauth2/end_session"))
    assert any(p.startswith("/oauth2/end_session") and "id_token_hint=" in p
               for p in relay.seen), relay.seen
    page.goto("/cases")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    logouts = [d for a, d in audit_log.entries("") if a == "logout"]
    assert logouts and "method=oidc" in logouts[-1] and f"subject={subject}" in logouts[-1]
