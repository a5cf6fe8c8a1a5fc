"""The OpenID Connect provider rotates its signing key between two logins: Kuvert, which
holds the old JWKS, fetches it again and lets the second login in. A real provider
(oidc-provider-mock), a real ``kuvert serve`` and Chromium, as in tests/sso.

oidc-provider-mock signs without a ``kid`` in the token header; Entra ID, ADFS and other
real providers name the key. One test makes the mock name it too (``kid_in_header``: the
new key id is unknown to Kuvert), the other leaves it out (the signature fails with the
old key). Forged tokens make Kuvert fetch the keys again at most once per
``JWKS_RELOAD_SECONDS``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import flask
import oidc_provider_mock
import pytest
from authlib import jose
from playwright.sync_api import Page, expect, sync_playwright

from app.cli import migrate
from tests.helpers.browser import CHROMIUM, CHROMIUM_ARGS, LOCALE, TIMEOUT_MS
from tests.helpers.server import KuvertServer
from tests.helpers.sso import (
    Relay,
    oidc_refused,
    oidc_sign_on,
    provider_user,
    relay_handler,
    sso_settings,
    tamper,
)

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is missing")


def _storage(provider: Any) -> Any:
    """The provider's own key store (it keeps its signing key there)."""
    app: flask.Flask = provider.app
    with app.test_request_context("/"):
        app.preprocess_request()
        return flask.g.oidc_provider_mock_storage


@pytest.fixture
def kid_in_header(monkeypatch: pytest.MonkeyPatch) -> None:
    """The mock's ID tokens name their key (``kid``), as real providers' tokens do."""
    from oidc_provider_mock._app import OpenIDCode

    original = OpenIDCode.get_jwt_config

    def with_kid(self: Any, grant: Any, client: Any = None) -> dict[str, Any]:
        config: dict[str, Any] = original(self, grant, client)
        return {**config, "kid": config["key"]["kid"]}

    monkeypatch.setattr(OpenIDCode, "get_jwt_config", with_kid)


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[Relay, Any, str]]:
    with oidc_provider_mock.run_server_in_thread() as provider:
        relay = Relay(upstream=f"http://localhost:{provider.server_port}")
        relay.server = ThreadingHTTPServer(("127.0.0.1", 0), relay_handler(relay))
        threading.Thread(target=relay.server.serve_forever, daemon=True).start()
        url = f"sqlite:///{tmp_path / 'kuvert.db'}"
        migrate(url)
        try:
            with KuvertServer(url, log=tmp_path / "server.log",
                              settings=sso_settings(relay.url)) as server:
                yield relay, _storage(provider), server.base
        finally:
            relay.server.shutdown()
            relay.server.server_close()


def _log_in(page: Page, relay: Relay, username: str) -> None:
    subject = provider_user(relay, {"preferred_username": username,
                                    "groups": ["kuvert-redaktoer"], "loa": "Substantiel"})
    oidc_sign_on(page, subject)
    expect(page).to_have_url(re.compile(r"/cases$"))
    expect(page.get_by_text(f"Logget ind som {username}")).to_be_visible()


@pytest.mark.usefixtures("kid_in_header")
def test_login_after_provider_rotates_its_signing_key(setup: tuple[Relay, Any, str]) -> None:
    _rotate_between_logins(*setup)


def test_login_after_unnamed_key_swap(setup: tuple[Relay, Any, str]) -> None:
    _rotate_between_logins(*setup)


def _rotate_between_logins(relay: Relay, storage: Any, base: str) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            first = browser.new_context(base_url=base, locale=LOCALE)
            first.set_default_timeout(TIMEOUT_MS)
            _log_in(first.new_page(), relay, "foer-skift")
            fetched = relay.seen.count("/jwks")
            assert fetched >= 1

            old = storage.jwk.as_dict()["kid"]
            storage.jwk = jose.RSAKey.generate_key(is_private=True)  # the rotation
            assert storage.jwk.as_dict()["kid"] != old

            second = browser.new_context(base_url=base, locale=LOCALE)
            second.set_default_timeout(TIMEOUT_MS)
            _log_in(second.new_page(), relay, "efter-skift")
            assert relay.seen.count("/jwks") > fetched  # the new key set was fetched
        finally:
            browser.close()


def test_forged_tokens_fetch_the_keys_again_at_most_once(setup: tuple[Relay, Any, str]) -> None:
    """Each tampered token fails its signature; only the first makes Kuvert ask the
    provider for its keys again, the next is refused with the keys it holds."""
    relay, _storage, base = setup
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(base_url=base, locale=LOCALE)
            context.set_default_timeout(TIMEOUT_MS)
            page = context.new_page()
            _log_in(page, relay, "foer-falsk")
            fetched = relay.seen.count("/jwks")
            relay.alter = tamper
            for name in ("falsk-1", "falsk-2", "falsk-3"):
                page.context.clear_cookies()
                subject = provider_user(relay, {"preferred_username": name,
                                                "groups": ["kuvert-redaktoer"],
                                                "loa": "Substantiel"})
                oidc_sign_on(page, subject)
                oidc_refused(page, "underskrift passer ikke")
            assert relay.seen.count("/jwks") == fetched + 1
        finally:
            browser.close()
