"""Danish first, English on request: gettext catalogues read with Babel.

The source strings are Danish (the language of the users and the seeds);
``app/locales/en/LC_MESSAGES/messages.po`` holds the English. The catalogue is
read from the .po file at start-up, so there is no build step to forget.
"""

from __future__ import annotations

import io
from contextvars import ContextVar
from functools import cache
from http.cookies import SimpleCookie
from typing import Literal

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from starlette.types import ASGIApp, Receive, Scope, Send

from app.config import ROOT

Lang = Literal["da", "en"]
LANGS: tuple[Lang, ...] = ("da", "en")
LANG_COOKIE = "kuvert_lang"
LOCALES = ROOT / "app" / "locales"

current: ContextVar[Lang] = ContextVar("lang", default="da")


@cache
def translations(lang: Lang) -> NullTranslations:
    path = LOCALES / lang / "LC_MESSAGES" / "messages.po"
    if lang == "da" or not path.exists():
        return NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=lang)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def gettext(message: str) -> str:
    return translations(current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current.get()).ngettext(singular, plural, n)


def pick(value: str | None) -> Lang:
    return "en" if value == "en" else "da"


class Language:
    """Sets the request's language from the ``kuvert_lang`` cookie (Danish if none)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        cookie = SimpleCookie()
        for name, value in scope.get("headers", []):
            if name == b"cookie":
                cookie.load(value.decode("latin-1"))
        morsel = cookie.get(LANG_COOKIE)
        token = current.set(pick(morsel.value if morsel else None))
        try:
            await self.app(scope, receive, send)
        finally:
            current.reset(token)
