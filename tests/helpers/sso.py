"""Single sign-on tests' shared pieces: the settings that point Kuvert at the test
identity providers, an HTTP relay in front of the OpenID Connect provider that can alter
the ID token, signing on through the login page, and the audit entries the server wrote."""

from __future__ import annotations

import base64
import json
import re
import secrets
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app import models as m
from app.db import Database
from tests.sso.saml_idp import Person, SamlIdp

CLIENT_ID = "kuvert"
CLIENT_SECRET = "en-hemmelighed-kun-til-test"
TEAM = "Jobcenter Vest"
ROLE_MAP = [
    {"value": "kuvert-laeser", "team": TEAM, "role": "reader"},
    {"value": "kuvert-redaktoer", "team": TEAM, "role": "editor"},
    {"value": "kuvert-admin", "team": "Kuvert-administration", "role": "admin"},
]


# OIOSAML 3 and ADFS attribute names: mapped by the settings above, no code knows them.
OIOSAML_EMAIL = "https://data.gov.dk/model/core/eid/email"
OIOSAML_LOA = "https://data.gov.dk/concept/core/nsis/loa"
ADFS_GROUPS = "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups"

OIDC_BUTTON = "Log ind med kommunens login (OpenID Connect)"
SAML_BUTTON = "Log ind med kommunens login (SAML)"


# --- Kuvert, configured for the providers ------------------------------------------------


def sso_settings(issuer: str) -> dict[str, str]:
    return {
        "KUVERT_ENVIRONMENT": "development",
        "KUVERT_SECRET_KEY": secrets.token_hex(32),
        "KUVERT_OIDC_ISSUER": issuer,
        "KUVERT_OIDC_CLIENT_ID": CLIENT_ID,
        "KUVERT_OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "KUVERT_SSO_GROUP_ATTRIBUTES": json.dumps(["groups", ADFS_GROUPS]),
        "KUVERT_SSO_USERNAME_ATTRIBUTES": json.dumps(["preferred_username", OIOSAML_EMAIL]),
        "KUVERT_SSO_ROLE_MAP": json.dumps(ROLE_MAP),
        "KUVERT_SSO_ASSURANCE_ATTRIBUTES": json.dumps(["loa", OIOSAML_LOA]),
        "KUVERT_SSO_MIN_ASSURANCE": "Substantiel",
    }


# --- the OpenID Connect provider, behind a relay that can alter the ID token -------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def tamper(id_token: str) -> str:
    """The provider's signed token with one claim changed afterwards: the signature stays."""
    header, payload, signature = id_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["groups"] = ["kuvert-admin"]
    return f"{header}.{_b64(json.dumps(claims).encode())}.{signature}"


def unsign(id_token: str) -> str:
    """The provider's token re-sent as ``alg: none`` without a signature."""
    _header, payload, _signature = id_token.split(".")
    return f"{_b64(json.dumps({'alg': 'none', 'typ': 'JWT'}).encode())}.{payload}."


@dataclass
class Relay:
    """An HTTP relay in front of the provider. ``alter`` (None, ``tamper`` or ``unsign``)
    is applied to the ID token of the next token answers."""

    upstream: str
    alter: Any = None
    server: ThreadingHTTPServer | None = None
    seen: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"


def relay_handler(relay: Relay) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: Any) -> None:
            pass

        def _pass(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k: v for k, v in self.headers.items()
                       if k.lower() not in ("content-length", "connection", "accept-encoding")}
            answer = httpx.request(self.command, relay.upstream + self.path, headers=headers,
                                   content=body, trust_env=False, follow_redirects=False)
            content = answer.content
            if self.path.startswith("/oauth2/token") and relay.alter and answer.is_success:
                data = answer.json()
                data["id_token"] = relay.alter(data["id_token"])
                content = json.dumps(data).encode()
            relay.seen.append(self.path)
            self.send_response(answer.status_code)
            for key, value in answer.headers.items():
                if key.lower() not in ("content-length", "connection", "content-encoding",
                                       "transfer-encoding"):
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        do_GET = do_POST = do_PUT = _pass

    return Handler


def provider_user(relay: Relay, claims: dict[str, Any]) -> str:
    """A new person at the provider with these claims; returns their subject."""
    sub = f"person-{secrets.token_hex(4)}"
    answer = httpx.put(f"{relay.url}/users/{sub}", json=claims, trust_env=False)
    assert answer.status_code == 204, answer.text
    return sub


def oidc_sign_on(page: Page, subject: str) -> None:
    """Click the sign-on button and log in at the provider as ``subject``."""
    page.goto("/login")
    page.get_by_role("link", name=OIDC_BUTTON).click()
    page.get_by_placeholder("sub").fill(subject)
    page.get_by_role("button", name="Authorize").click()


def oidc_refused(page: Page, message: str) -> None:
    expect(page).to_have_url(re.compile(r"/login/oidc/callback"))
    expect(page.get_by_role("alert")).to_contain_text(message)
    page.goto("/cases")
    expect(page).to_have_url(re.compile(r"/login\?next="))


# --- the SAML identity provider ----------------------------------------------------------


def saml_person(idp: SamlIdp, groups: tuple[str, ...] = ("kuvert-laeser",),
                loa: str = "Substantial", fault: str = "") -> str:
    """A caseworker at the IdP; returns the username (also the NameID)."""
    username = f"sb{secrets.token_hex(4)}@kommune.dk"
    idp.people[username] = Person(
        attributes={OIOSAML_EMAIL: [username], ADFS_GROUPS: list(groups), OIOSAML_LOA: [loa]},
        fault=fault)
    return username


def saml_sign_on(page: Page, username: str) -> None:
    page.goto("/login")
    page.get_by_role("link", name=SAML_BUTTON).click()
    page.get_by_label("Brugernavn").fill(username)
    page.get_by_role("button", name="Log ind hos kommunen").click()
    page.get_by_role("button", name="Fortsæt til Kuvert").click()


# --- what the server wrote ---------------------------------------------------------------


@dataclass
class AuditLog:
    """The audit entries the server wrote, read straight from its database."""

    database_url: str

    def entries(self, subject: str) -> list[tuple[str, str]]:
        db = Database(self.database_url)
        try:
            with db.session() as session:
                rows = session.execute(
                    select(m.AuditEntry.action, m.AuditEntry.detail)
                    .where(m.AuditEntry.detail.contains(f"subject={subject}"))
                    .order_by(m.AuditEntry.id)).all()
        finally:
            db.dispose()
        return [(action, detail or "") for action, detail in rows]
