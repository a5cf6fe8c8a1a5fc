"""OpenID Connect sign-on with Authlib's Starlette client.

Authorization Code with PKCE (S256), ``state`` and ``nonce`` (Authlib makes and checks
both), the provider found by discovery. The ID token is checked here, not trusted:
signature against the provider's JWKS, issuer equal to the configured one, audience
containing our client id, expiry with the configured clock skew.

Key rotation: when the signature does not verify with the keys we hold, or the token
names a key id we do not hold, the JWKS is fetched again from the provider's
``jwks_uri`` and the token checked once more. Authlib does the second for an unknown
``kid`` only; a provider that swaps its key and signs without a ``kid`` (or with the
old one's) needs the first. A forced fetch happens at most once per
``JWKS_RELOAD_SECONDS`` per worker, so forged tokens cannot make us hammer the provider.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.starlette_client import OAuth, StarletteOAuth2App
from joserfc.errors import BadSignatureError, InvalidKeyIdError, JoseError
from starlette.requests import Request

from app.config import Settings
from app.sso.errors import InvalidResponse, SignOnUnavailable

__all__ = ["JWKS_RELOAD_SECONDS", "Client", "VerifiedLogin", "client_for", "finish",
           "logout_url"]

NAME = "kommune"
JWKS_RELOAD_SECONDS = 60.0  # at most one forced JWKS fetch per this many seconds


class Client(StarletteOAuth2App):  # type: ignore[misc]  # Authlib is untyped
    """Authlib's Starlette client, fetching the provider's keys again after a rotation."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.keys_forced_at: float | None = None  # time.monotonic() of the last forced fetch
        self._keys_lock = asyncio.Lock()

    async def fetch_jwk_set(self, force: bool = False) -> Any:
        """The cached key set; ``force`` fetches it again, unless that was done less than
        ``JWKS_RELOAD_SECONDS`` ago (then the cached set is the answer)."""
        if force:
            async with self._keys_lock:
                now = time.monotonic()
                if self.keys_forced_at is not None and \
                        now - self.keys_forced_at < JWKS_RELOAD_SECONDS:
                    return await super().fetch_jwk_set()
                self.keys_forced_at = now
                return await super().fetch_jwk_set(force=True)
        return await super().fetch_jwk_set()

    async def parse_id_token(self, token: Any, nonce: Any, claims_options: Any = None,
                             claims_cls: Any = None, leeway: int = 120) -> Any:
        """Authlib's check; when the signature fails with the keys we hold, once more with
        the key set fetched again (a key swapped without a new ``kid``)."""
        try:
            return await super().parse_id_token(token, nonce, claims_options, claims_cls,
                                                leeway)
        except (BadSignatureError, InvalidKeyIdError):
            held = self.server_metadata.get("jwks")
            if await self.fetch_jwk_set(force=True) is held:
                raise  # fetched too recently: the answer stands
            return await super().parse_id_token(token, nonce, claims_options, claims_cls,
                                                leeway)


class VerifiedLogin(dict[str, Any]):
    """The ID token's claims, merged with the UserInfo answer when the provider has one."""


def client_for(request: Request) -> Any:
    """The one Authlib client of this app, made at first use from the settings."""
    state = request.app.state
    if getattr(state, "oidc", None) is None:
        settings: Settings = state.settings
        oauth = OAuth()
        discovery = settings.oidc_discovery_url or (
            settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration")
        oauth.register(
            NAME, client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret or None,
            server_metadata_url=discovery, client_cls=Client,
            client_kwargs={"scope": settings.oidc_scopes, "code_challenge_method": "S256",
                           "timeout": 10.0, "trust_env": False},
        )
        state.oidc = oauth.create_client(NAME)
    return state.oidc


async def start(request: Request, redirect_uri: str) -> Any:
    """The redirect to the provider's login page (state, nonce and PKCE kept in the
    signed sign-on cookie)."""
    try:
        return await client_for(request).authorize_redirect(request, redirect_uri)
    except (httpx.HTTPError, ValueError, KeyError) as error:
        raise SignOnUnavailable(why=str(error)[:200]) from error


async def finish(request: Request, settings: Settings) -> tuple[VerifiedLogin, str]:
    """Exchange the code and verify the ID token; returns its claims and the raw ID token.

    Raises
    ------
    InvalidResponse
        wrong or reused state, a refused code, or an ID token that fails a check;
    SignOnUnavailable
        the provider does not answer.
    """
    client = client_for(request)
    options = {"iss": {"essential": True, "value": settings.oidc_issuer},
               "sub": {"essential": True}}
    try:
        token = await client.authorize_access_token(
            request, claims_options=options, leeway=settings.sso_clock_skew_seconds)
    except httpx.HTTPError as error:
        raise SignOnUnavailable(why=str(error)[:200]) from error
    except (AuthlibBaseError, JoseError, ValueError, KeyError) as error:
        raise InvalidResponse(_reason(error), why=f"{type(error).__name__}: {error}"[:300]) \
            from error
    claims = token.get("userinfo")
    if not claims or "id_token" not in token:
        raise InvalidResponse("unsigned", why="no ID token")
    login = VerifiedLogin(claims)
    if client.server_metadata.get("userinfo_endpoint"):
        try:  # groups and roles often come only from UserInfo; its sub must be the same
            extra = await client.userinfo(token=token)
        except (httpx.HTTPError, AuthlibBaseError):
            extra = {}
        if extra.get("sub") == login["sub"]:
            login = VerifiedLogin({**extra, **login})
    return login, str(token["id_token"])


def _reason(error: Exception) -> str:
    """Which check an Authlib or joserfc error stands for (see ``InvalidResponse.REASONS``)."""
    name = type(error).__name__
    claim = str(getattr(error, "claim", "") or "")
    text = str(error)
    if name == "ExpiredTokenError" or claim == "exp":
        return "expired"
    if claim in ("aud", "azp") or any(f"'{c}'" in text for c in ("aud", "azp")):
        return "audience"
    if claim == "iss" or "'iss'" in text:
        return "issuer"
    if name in ("BadSignatureError", "DecodeError", "InvalidKeyIdError",
                "UnsupportedAlgorithmError", "MissingKeyError"):
        return "signature"
    if name == "MismatchingStateError" or "state" in text.lower():
        return "state"
    if name == "OAuthError":
        return "provider"
    return "other"


async def logout_url(request: Request, id_token: str, after: str) -> str | None:
    """The provider's end-session address (RP-initiated logout), if it offers one."""
    client = client_for(request)
    try:
        metadata = await client.load_server_metadata()
    except httpx.HTTPError:
        return None
    if not metadata.get("end_session_endpoint"):
        return None
    made = await client.create_logout_url(post_logout_redirect_uri=after,
                                          id_token_hint=id_token,
                                          client_id=client.client_id)
    url: str = made["url"]
    return url
