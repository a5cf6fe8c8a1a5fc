"""Danish first, English on request: gettext catalogues read with Babel.

The source strings are Danish (the language of the users and the seeds);
``app/locales/en/LC_MESSAGES/messages.po`` holds the English. The catalogue is
read from the .po file at start-up, so there is no build step to forget.

Pages follow the ``kuvert_lang`` cookie; the API (``/api/…``) follows
``Accept-Language`` and then the cookie: the web layer sets :data:`current` once per
request (``app/web/language.py``) and installs the templates' gettext
(``app/web/template_gettext.py``); here is only what the services need, with or
without a request. Errors and problems, warnings and a classification's reasons carry a
Danish template with parameters and are said in the request's language at the edge
(:func:`say`, :func:`say_analysis`, :func:`say_classification`).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from functools import cache, partial
from typing import Literal, Protocol

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from app.config import ROOT
from app.graph.analyse import Analysis
from app.graph.classify import Classification
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


def say_analysis(analysis: Analysis) -> Analysis:
    """The analysis with its warnings' messages in the request's language."""
    return analysis.model_copy(update={"warnings": [
        w.model_copy(update={"message": w.say(gettext)}) for w in analysis.warnings]})


def say_classification(classification: Classification) -> Classification:
    """The classification with its reasons in the request's language."""
    return classification.model_copy(update={
        "reasons": [reason.say(gettext) for reason in classification.said]})
