"""Danish first, English on request: gettext catalogues read with Babel.

The source strings are Danish (the language of the users and the seeds);
``app/locales/en/LC_MESSAGES/messages.po`` holds the English. The catalogue is
read from the .po file at start-up, so there is no build step to forget.

Pages follow the ``kuvert_lang`` cookie; the API (``/api/…``) follows
``Accept-Language`` and then the cookie. Errors and problems carry a Danish template
with parameters and are said in the request's language at the edge (:func:`say`).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from functools import cache, lru_cache, partial
from http.cookies import SimpleCookie
from typing import Literal, Protocol

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from jinja2 import Environment, pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup
from starlette.types import ASGIApp, Receive, Scope, Send

from app.config import ROOT
from app.graph.errors import Problem
from app.graph.words import Words

Lang = Literal["da", "en"]
LANGS: tuple[Lang, ...] = ("da", "en")
#: Each language by its own name (the switch offers the other one), never translated.
LANGUAGE_NAMES: dict[Lang, str] = {"da": "Dansk", "en": "English"}
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


@cache
def words_for(lang: Lang) -> Words:
    """The pure library's words (legend, title block, pseudonyms) in ``lang``, from the
    catalogue."""
    catalogue = translations(lang)
    return Words(lang, catalogue.gettext, partial(_in_context, catalogue))


def _in_context(catalogue: NullTranslations, context: str, message: str) -> str:
    """Babel types pgettext's answer loosely (``str | object``); it is the text said."""
    said = catalogue.pgettext(context, message)
    return said if isinstance(said, str) else message


def gettext(message: str) -> str:
    return translations(current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current.get()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """A text whose msgid also means something else elsewhere, said as ``context`` means
    it (marked ``NC_(context, message)`` or called as ``pgettext``; ``make messages``
    reads both as ``:1c,2``)."""
    return _in_context(translations(current.get()), context, message)


@lru_cache(maxsize=4096)
def _said(lang: Lang, message: str, markup: bool) -> str:
    """A template's text without parameters, as Jinja's newstyle gettext says it (a
    format string even without parameters, so ``%%`` is ``%``), once per language."""
    text = translations(lang).gettext(message)
    return (Markup(text) if markup else text) % {}


@pass_eval_context  # not pass_context: Jinja copies the whole context for those in loops
def _template_gettext(eval_ctx: EvalContext, message: str, /, **variables: object) -> str:
    if variables:
        text = translations(current.get()).gettext(message)
        return (Markup(text) if eval_ctx.autoescape else text) % variables
    return _said(current.get(), message, bool(eval_ctx.autoescape))


def install_gettext(env: Environment) -> None:
    """Templates translate with ``_()``/``gettext()``/``{% trans %}`` (Jinja's newstyle
    gettext, so parameters are escaped), from the request's language.

    Jinja's own newstyle callable rebuilds and re-escapes the text on every call; a case
    page with 80 actors says a few thousand texts, which cost a third of its time. The
    same texts without parameters are kept once per language instead (bounded, since a
    template may also translate a value).
    """
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext, ngettext, newstyle=True)
    env.globals["gettext"] = env.globals["_"] = _template_gettext


def pick(value: str | None) -> Lang:
    return "en" if value == "en" else "da"


def accepted(header: str) -> Lang | None:
    """The language ``Accept-Language`` prefers among ours, or None if it names neither.

    >>> accepted("en-GB,en;q=0.9,da;q=0.8")
    'en'
    >>> accepted("de, da;q=0.5, en;q=0.4")
    'da'
    >>> accepted("en;q=0, fr") is None
    True
    """
    ranked: list[tuple[float, int, Lang]] = []
    for i, part in enumerate(header.split(",")):
        tag, _, rest = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        quality = 1.0
        if rest.strip().startswith("q="):
            try:
                quality = float(rest.strip()[2:])
            except ValueError:
                continue
        if quality > 0 and primary in LANGS:
            ranked.append((-quality, i, "en" if primary == "en" else "da"))
    return min(ranked)[2] if ranked else None


class Sayable(Protocol):
    def say(self, gettext: Callable[[str], str]) -> str: ...


def say(error: Sayable) -> str:
    """An error's text (a ServiceError's or GraphError's) in the request's language."""
    return error.say(gettext)


def say_problems(problems: Iterable[Problem]) -> list[Problem]:
    """The problems with their messages in the request's language."""
    return [p.say(gettext) for p in problems]


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
