"""Templates translate through one cached callable; it must say exactly what Jinja's
own newstyle gettext says: parameters escaped, ``%%`` as ``%``, the request's language."""

from __future__ import annotations

import pytest
from jinja2 import Environment

from app import i18n
from app.web import template_gettext


def _env(autoescape: bool) -> Environment:
    env = Environment(autoescape=autoescape)
    template_gettext.install(env)
    return env


@pytest.mark.parametrize("autoescape", [True, False])
def test_the_cached_gettext_says_what_jinjas_own_says(autoescape: bool) -> None:
    ours = _env(autoescape)
    jinjas = Environment(autoescape=autoescape, extensions=["jinja2.ext.i18n"])
    jinjas.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext, i18n.ngettext, newstyle=True)
    source = ('{{ _("Tilføj") }}|{{ _("100%% <b>") }}|{{ _("%(n)s & co", n=who) }}|'
              '{% trans %}Gem{% endtrans %}|{{ ngettext("%(num)s aktør", "%(num)s aktører", 2) }}')
    for lang in i18n.LANGS:
        token = i18n.current.set(lang)
        try:
            for _ in range(2):  # the second time from the cache
                assert (ours.from_string(source).render(who="<Ole>")
                        == jinjas.from_string(source).render(who="<Ole>"))
        finally:
            i18n.current.reset(token)


def test_the_language_of_the_request_decides_even_for_a_cached_text() -> None:
    template = _env(True).from_string('{{ _("Tilføj") }}')
    said = {}
    for lang in ("da", "en", "da"):
        token = i18n.current.set(lang)
        try:
            said.setdefault(lang, set()).add(template.render())
        finally:
            i18n.current.reset(token)
    assert said["da"] == {"Tilføj"}
    assert said["en"] == {i18n.translations("en").gettext("Tilføj")} != {"Tilføj"}
