"""SAML 2.0 sign-on against a real pysaml2 IdP, through the login page in Chromium.

The IdP (tests/sso/saml_idp.py) speaks ADFS and OIOSAML 3 attribute names, which only
Kuvert's settings map. Each fault below is produced by the IdP library itself (see its
docstring); every refusal shows a Danish alert and leaves an audit entry.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.helpers.sso import AuditLog, saml_person, saml_sign_on
from tests.sso.saml_idp import SamlIdp


def refused(page: Page, message: str) -> None:
    expect(page).to_have_url(re.compile(r"/saml/acs$"))
    expect(page.get_by_role("alert")).to_contain_text(message)
    page.goto("/cases")
    expect(page).to_have_url(re.compile(r"/login\?next="))


def last_refusal(audit_log: AuditLog) -> str:
    rows = [d for a, d in audit_log.entries("") if a == "login_refused" and "method=saml" in d]
    assert rows
    return rows[-1]


def test_saml_sign_on_maps_adfs_group_to_reader(page: Page, saml_idp: SamlIdp,
                                                 audit_log: AuditLog) -> None:
    username = saml_person(saml_idp)
    saml_sign_on(page, username)
    expect(page).to_have_url(re.compile(r"/cases$"))
    expect(page.get_by_text(f"Logget ind som {username}")).to_be_visible()
    expect(page.get_by_role("button", name="Opret forløb")).to_have_count(0)  # reader
    logins = [d for a, d in audit_log.entries(username) if a == "login"]
    assert logins and "method=saml" in logins[-1] and "assurance=Substantial" in logins[-1]


def test_saml_replayed_answer_is_refused(page: Page, saml_idp: SamlIdp,
                                         audit_log: AuditLog) -> None:
    username = saml_person(saml_idp)
    saml_sign_on(page, username)
    expect(page).to_have_url(re.compile(r"/cases$"))
    page.context.clear_cookies()
    page.goto(f"{saml_idp.url}/last")  # the same signed answer, posted again
    page.get_by_role("button", name="Fortsæt til Kuvert").click()
    refused(page, "allerede brugt én gang")
    assert "reason=replay" in last_refusal(audit_log)


def test_saml_faulty_answers_are_refused(page: Page, saml_idp: SamlIdp,
                                         audit_log: AuditLog) -> None:
    cases = [("audience", "ikke udstedt til Kuvert"),
             ("expired", "er udløbet"),
             ("unsigned", "ikke underskrevet"),
             ("tamper", "underskrift passer ikke"),
             ("issuer", "ikke fra den login-tjeneste")]
    reasons = {"tamper": "signature"}
    for fault, message in cases:
        page.context.clear_cookies()
        saml_sign_on(page, saml_person(saml_idp, fault=fault))
        refused(page, message)
        assert f"reason={reasons.get(fault, fault)}" in last_refusal(audit_log), fault


def test_saml_missing_group_is_refused(page: Page, saml_idp: SamlIdp,
                                       audit_log: AuditLog) -> None:
    username = saml_person(saml_idp, groups=("en-helt-anden-gruppe",))
    saml_sign_on(page, username)
    refused(page, "ikke i en gruppe eller rolle, der giver adgang til Kuvert")
    assert "code=sso_no_access" in [d for a, d in audit_log.entries(username)][-1]


def test_saml_low_assurance_is_refused(page: Page, saml_idp: SamlIdp,
                                       audit_log: AuditLog) -> None:
    username = saml_person(saml_idp, loa="Low")
    saml_sign_on(page, username)
    refused(page, "kræver sikringsniveau Substantiel (NSIS), men du loggede ind på niveau Low")
    assert "code=sso_assurance_too_low" in [d for a, d in audit_log.entries(username)][-1]
