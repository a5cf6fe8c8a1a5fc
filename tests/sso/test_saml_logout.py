"""SAML single logout against the real pysaml2 IdP of tests/sso/saml_idp.py.

Kuvert's logout sends the IdP a signed LogoutRequest (the IdP library checks it) and
takes the IdP's signed LogoutResponse at /saml/slo; the IdP's own LogoutRequest ends every
Kuvert session of that person and is answered. Forged logout messages end nothing: each is
refused with a Danish message and an audit entry. Browser flows in Chromium; the forged
messages are sent over plain HTTP, as an attacker would.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import httpx
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app import models as m
from app.config import Settings
from app.db import Database
from app.sso.saml import SamlSignOn
from tests.helpers.sso import AuditLog, saml_person, saml_sign_on
from tests.sso.saml_idp import SamlIdp


def signed_in(page: Page, idp: SamlIdp, username: str = "") -> str:
    """Sign on through the IdP (a new caseworker unless ``username`` is given)."""
    username = username or saml_person(idp)
    saml_sign_on(page, username)
    expect(page.get_by_text(f"Logget ind som {username}")).to_be_visible()
    return username


def _sp(kuvert: str) -> str:
    return f"{kuvert}/saml/metadata"


def _get(url: str) -> httpx.Response:
    return httpx.get(url, trust_env=False, follow_redirects=False)


def _refusals(audit_log: AuditLog) -> list[str]:
    return [d for a, d in audit_log.entries("-") if a == "logout_refused"]


def test_metadata_offers_single_logout(kuvert: str) -> None:
    metadata = _get(f"{kuvert}/saml/metadata").text
    assert re.search(r'SingleLogoutService[^>]*HTTP-Redirect[^>]*Location="[^"]*/saml/slo"',
                     metadata), metadata


def test_log_out_ends_the_login_at_the_idp_too(page: Page, saml_idp: SamlIdp, kuvert: str,
                                               audit_log: AuditLog) -> None:
    username = signed_in(page, saml_idp)
    answers: list[str] = []
    page.on("request", lambda r: answers.append(r.url) if "/saml/slo?" in r.url else None)
    page.get_by_role("button", name="Log ud").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Du er logget ud af Kuvert")
    page.get_by_role("link", name="Log også ud hos kommunens login").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Du er logget ud af Kuvert og kommunens login")
    assert saml_idp.logged_out[-1] == username  # the IdP took our signed request
    page.goto("/cases")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    actions = [(a, d) for a, d in audit_log.entries(username) if a.startswith("logout")]
    assert [a for a, _ in actions][-2:] == ["logout", "logout_confirmed"], actions
    assert all("method=saml" in d for _, d in actions[-2:])

    # The IdP's answer, altered or sent again, is refused.
    assert len(answers) == 1
    url = urlparse(answers[0])
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    base = f"{kuvert}/saml/slo?"
    cases = [
        ({k: v for k, v in query.items() if k not in ("Signature", "SigAlg")}, "unsigned",
         "ikke underskrevet"),
        ({**query, "Signature": query["Signature"][:-8] + "AAAAAAA="}, "signature",
         "underskrift passer ikke"),
        (query, "state", "har ikke bedt kommunens login om dette log ud"),
    ]
    for params, reason, message in cases:
        answer = _get(base + urlencode(params))
        assert answer.status_code == 400, reason
        assert message in answer.text, reason
        assert f"reason={reason}" in _refusals(audit_log)[-1], reason


def test_idp_that_cannot_log_out_is_told(page: Page, saml_idp: SamlIdp,
                                        audit_log: AuditLog) -> None:
    username = signed_in(page, saml_idp)
    page.get_by_role("button", name="Log ud").click()
    saml_idp.slo_fails = True
    try:
        page.get_by_role("link", name="Log også ud hos kommunens login").click()
        expect(page.get_by_role("alert")).to_contain_text(
            "Kommunens login kunne ikke logge dig ud")
    finally:
        saml_idp.slo_fails = False
    assert "reason=status" in _refusals(audit_log)[-1]
    page.goto("/cases")  # Kuvert's own session ended before the IdP was asked
    expect(page).to_have_url(re.compile(r"/login\?next="))
    assert [a for a, _ in audit_log.entries(username)][-1] == "logout"


def test_idp_logout_ends_every_kuvert_session(browser_pair: tuple[Page, Page],
                                              saml_idp: SamlIdp, kuvert: str,
                                              audit_log: AuditLog) -> None:
    first, second = browser_pair
    username = signed_in(first, saml_idp)
    signed_in(second, saml_idp, username)
    first.goto(saml_idp.logout_url(_sp(kuvert), username))
    expect(first.get_by_role("heading", level=1)).to_have_text(
        "Du er logget ud hos kommunens login")
    assert saml_idp.answers[-1] == (True, True)  # signed by Kuvert, Success
    for browser in (first, second):
        browser.goto("/cases")
        expect(browser).to_have_url(re.compile(r"/login\?next="))
    logout = [d for a, d in audit_log.entries(username) if a == "logout"][-1]
    assert "method=saml" in logout and "by=provider" in logout and "sessions=2" in logout


def test_idp_logout_of_someone_unknown_answers_unknown_principal(
        saml_idp: SamlIdp, kuvert: str, audit_log: AuditLog) -> None:
    answer = _get(saml_idp.logout_url(_sp(kuvert), "aldrig-set@kommune.dk"))
    assert answer.status_code == 303
    assert answer.headers["location"].startswith(f"{saml_idp.url}/slo?SAMLResponse=")
    back = _get(answer.headers["location"])
    assert back.status_code == 200, back.text
    assert saml_idp.answers[-1] == (True, False)  # signed, not Success
    logout = [d for a, d in audit_log.entries("aldrig-set@kommune.dk") if a == "logout"][-1]
    assert "sessions=0" in logout and "user=unknown" in logout


def test_forged_idp_logouts_end_nothing(page: Page, saml_idp: SamlIdp, kuvert: str,
                                        audit_log: AuditLog) -> None:
    username = signed_in(page, saml_idp)
    cases = [("unsigned", "unsigned", "ikke underskrevet"),
             ("tamper", "signature", "underskrift passer ikke"),
             ("issuer", "issuer", "ikke fra den login-tjeneste")]
    for fault, reason, message in cases:
        answer = _get(saml_idp.logout_url(_sp(kuvert), username, fault=fault))
        assert answer.status_code == 400, fault
        assert message in answer.text, fault
        assert f"reason={reason}" in _refusals(audit_log)[-1], fault
        page.goto("/cases")
        expect(page.get_by_text(f"Logget ind som {username}")).to_be_visible()

    # A genuine request works once; the same request again is refused.
    genuine = saml_idp.logout_url(_sp(kuvert), username)
    assert _get(genuine).status_code == 303
    again = _get(genuine)
    assert again.status_code == 400 and "allerede brugt én gang" in again.text
    assert "reason=replay" in _refusals(audit_log)[-1]


def test_without_idp_single_logout_logout_is_local_only(tmp_path: Path, database_url: str,
                                                        saml_idp: SamlIdp) -> None:
    no_slo = SamlIdp(folder=tmp_path, slo=False)
    no_slo.start()
    try:
        settings = Settings(saml_idp_metadata=str(no_slo.metadata_file()))
        saml = SamlSignOn(settings, "http://kuvert.test")
        assert saml.logout_location(no_slo.entity_id) is None
        db = Database(database_url)
        try:
            with db.session() as session:
                assert saml.start_logout(session, no_slo.entity_id, "x", "", "x") is None
                assert session.scalar(select(m.SamlRequest).where(
                    m.SamlRequest.next == "logout:x")) is None
        finally:
            db.dispose()
    finally:
        no_slo.stop()
