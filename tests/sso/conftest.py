"""Real identity providers for the sign-on tests, a real ``kuvert serve`` configured for
them, and Debian's Chromium to log in through the pages.

The OpenID Connect provider is ``oidc-provider-mock`` (a real Authlib-based provider
serving HTTP on a thread). It is reached through :class:`Relay`, a plain HTTP relay
in the test process that passes everything on unchanged, except when a test asks it to
alter the ID token in the provider's token answer: the only way to produce a tampered
or unsigned token from a provider that, like any real one, signs what it issues.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import oidc_provider_mock
import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright
from sqlalchemy import select

from app import models as m
from app.db import Database
from bench.serving import KuvertServer
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, LOCALE, NO_CHROMIUM, ON_CI, TIMEOUT_MS
from tests.sso.saml_idp import SamlIdp, key_and_certificate

HERE = Path(__file__).resolve().parent

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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without Chromium the browser tests here are skipped (failed on CI), as in tests/browser."""
    if CHROMIUM.exists() or ON_CI:
        return
    skip = pytest.mark.skip(reason=NO_CHROMIUM)
    for item in items:
        if item.path.is_relative_to(HERE) and "page" in getattr(item, "fixturenames", ()):
            item.add_marker(skip)


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


def _relay_handler(relay: Relay) -> type[BaseHTTPRequestHandler]:
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


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[Relay]:
    """The provider on its own port, and the relay everyone (Kuvert, Chromium) talks to."""
    with oidc_provider_mock.run_server_in_thread() as provider:
        relay = Relay(upstream=f"http://localhost:{provider.server_port}")
        relay.server = ThreadingHTTPServer(("127.0.0.1", 0), _relay_handler(relay))
        thread = threading.Thread(target=relay.server.serve_forever, daemon=True)
        thread.start()
        yield relay
        relay.server.shutdown()
        relay.server.server_close()


def provider_user(relay: Relay, claims: dict[str, Any]) -> str:
    """A new person at the provider with these claims; returns their subject."""
    sub = f"person-{secrets.token_hex(4)}"
    answer = httpx.put(f"{relay.url}/users/{sub}", json=claims, trust_env=False)
    assert answer.status_code == 204, answer.text
    return sub


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


@pytest.fixture(scope="session")
def saml_idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SamlIdp]:
    idp = SamlIdp(folder=tmp_path_factory.mktemp("idp"))
    idp.start()
    yield idp
    idp.stop()


@pytest.fixture(scope="session")
def kuvert(database_url: str, oidc_provider: Relay, saml_idp: SamlIdp,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``kuvert serve`` on the test database, signing on with both providers above."""
    folder = tmp_path_factory.mktemp("sso")
    key, cert = key_and_certificate(folder, "kuvert-sp")
    settings = sso_settings(oidc_provider.url) | {
        "KUVERT_SAML_IDP_METADATA": str(saml_idp.metadata_file()),
        "KUVERT_SAML_SP_KEY_FILE": str(key), "KUVERT_SAML_SP_CERT_FILE": str(cert),
    }
    with KuvertServer(database_url, log=folder / "server.log", settings=settings) as server:
        metadata = httpx.get(f"{server.base}/saml/metadata", trust_env=False)
        assert metadata.status_code == 200, metadata.text
        (folder / "sp-metadata.xml").write_bytes(metadata.content)
        saml_idp.trust(folder / "sp-metadata.xml")
        yield server.base


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


@pytest.fixture
def audit_log(database_url: str) -> AuditLog:
    return AuditLog(database_url)


# --- the browser -------------------------------------------------------------------------


@pytest.fixture(scope="package")
def playwright_session() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="package")
def browser(playwright_session: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"CI=true and {NO_CHROMIUM}")
    chromium = playwright_session.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS, timeout=30_000)
    yield chromium
    chromium.close()


@pytest.fixture
def page(browser: Browser, kuvert: str) -> Iterator[Page]:
    """A fresh browser context (no cookies, Danish) on the sign-on server."""
    context = browser.new_context(base_url=kuvert, locale=LOCALE)
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


@pytest.fixture
def browser_pair(browser: Browser, kuvert: str) -> Iterator[tuple[Page, Page]]:
    """Two separate browsers' worth of cookies: the same person on two machines."""
    contexts = [browser.new_context(base_url=kuvert, locale=LOCALE) for _ in range(2)]
    for context in contexts:
        context.set_default_timeout(TIMEOUT_MS)
    yield contexts[0].new_page(), contexts[1].new_page()
    for context in contexts:
        context.close()
