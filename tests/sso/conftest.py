"""Real identity providers for the sign-on tests, a real ``kuvert serve`` configured for
them, and Debian's Chromium to log in through the pages.

The OpenID Connect provider is ``oidc-provider-mock`` (a real Authlib-based provider
serving HTTP on a thread). It is reached through :class:`Relay`, a plain HTTP relay
in the test process that passes everything on unchanged, except when a test asks it to
alter the ID token in the provider's token answer: the only way to produce a tampered
or unsigned token from a provider that, like any real one, signs what it issues.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import httpx
import oidc_provider_mock
import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from tests.helpers.browser import CHROMIUM, CHROMIUM_ARGS, LOCALE, NO_CHROMIUM, ON_CI, TIMEOUT_MS
from tests.helpers.server import KuvertServer
from tests.helpers.sso import AuditLog, Relay, relay_handler, sso_settings
from tests.sso.saml_idp import SamlIdp, key_and_certificate

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without Chromium the browser tests here are skipped (failed on CI), as in tests/browser."""
    if CHROMIUM.exists() or ON_CI:
        return
    skip = pytest.mark.skip(reason=NO_CHROMIUM)
    for item in items:
        if item.path.is_relative_to(HERE) and "page" in getattr(item, "fixturenames", ()):
            item.add_marker(skip)


# --- the OpenID Connect provider, behind a relay that can alter the ID token -------------


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[Relay]:
    """The provider on its own port, and the relay everyone (Kuvert, Chromium) talks to."""
    with oidc_provider_mock.run_server_in_thread() as provider:
        relay = Relay(upstream=f"http://localhost:{provider.server_port}")
        relay.server = ThreadingHTTPServer(("127.0.0.1", 0), relay_handler(relay))
        thread = threading.Thread(target=relay.server.serve_forever, daemon=True)
        thread.start()
        yield relay
        relay.server.shutdown()
        relay.server.server_close()


# --- Kuvert, configured for the providers ------------------------------------------------


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
