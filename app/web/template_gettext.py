"""Templates say their texts through the catalogue, in the request's language.

``_()``/``gettext()``/``{% trans %}`` are Jinja's newstyle gettext (parameters escaped)
fed from :mod:`app.i18n`. Jinja's own newstyle callable rebuilds and re-escapes the
text on every call; a case page with 80 actors says a few thousand texts, which cost a
third of its time. The same texts without parameters are kept once per language
instead (bounded, since a template may also translate a value).
"""

from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment, pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup

from app.i18n import Lang, current, gettext, ngettext, translations

__all__ = ["install"]


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


def install(env: Environment) -> None:
    """Templates of ``env`` translate with ``_()``/``gettext()``/``{% trans %}`` from the
    request's language, the texts without parameters from a cache."""
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext, ngettext, newstyle=True)
    env.globals["gettext"] = env.globals["_"] = _template_gettext
