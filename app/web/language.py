"""The request's language, set once per request before anything is said.

Pages follow the ``kuvert_lang`` cookie; the API (``/api/…``, and ``/healthz``) follows
``Accept-Language`` and then the cookie. What the language means (catalogues, the
current language, :func:`app.i18n.accepted`) is in ``app/i18n.py``, which the services
use without any request.
"""

from __future__ import annotations

from http.cookies import SimpleCookie

from starlette.types import ASGIApp, Receive, Scope, Send

from app.i18n import LANG_COOKIE, Lang, accepted, current, pick

__all__ = ["Language"]


class Language:
    """Sets the request's language: for the API from ``Accept-Language`` if it names one
    of ours, otherwise (and for pages always) from the ``kuvert_lang`` cookie; Danish if
    neither says."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        cookie = SimpleCookie()
        asked: Lang | None = None
        api = scope["path"].startswith("/api/") or scope["path"] == "/healthz"
        for name, value in scope.get("headers", []):
            if name == b"cookie":
                cookie.load(value.decode("latin-1"))
            elif name == b"accept-language" and api:
                asked = accepted(value.decode("latin-1"))
        morsel = cookie.get(LANG_COOKIE)
        token = current.set(asked or pick(morsel.value if morsel else None))
        try:
            await self.app(scope, receive, send)
        finally:
            current.reset(token)
