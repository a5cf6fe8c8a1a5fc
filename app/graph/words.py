"""The words the pure library adds to what it draws, said in the caller's language.

The library's own texts (legend, title block, the drawing's description) are Danish
and marked with ``N_``, so the one catalogue (``app/locales``) collects them with the
pages' texts. The library never reads a catalogue: a caller that wants another language
passes :class:`Words` with its gettext, as :func:`app.i18n.words` makes them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.graph.errors import N_

__all__ = ["DANISH", "KIND_NAMES", "PROTOTYPE_NAMES", "STATE_NAMES", "TARGET_GROUP_NAMES",
           "Words"]

#: The document's vocabulary as a caseworker says it: one place for the drawing and the
#: pages (``app.web.pages``), so both say a coupling's state with the same word.
STATE_NAMES: dict[str, str] = {
    "established": N_("etableret"), "needed": N_("skal etableres"), "weak": N_("svag"),
    "strained": N_("anstrengt"),
}
KIND_NAMES: dict[str, str] = {
    "citizen": N_("borger"), "professional": N_("fagperson"),
    "organisation": N_("organisation"), "network": N_("netværk"), "volunteer": N_("frivillig"),
}
TARGET_GROUP_NAMES: dict[str, str] = {
    "boern": N_("børn"), "unge": N_("unge"), "voksne": N_("voksne"), "familie": N_("familie"),
}
PROTOTYPE_NAMES: dict[int, str] = {
    1: N_("enkle problemstillinger"), 2: N_("svære problemstillinger"),
    3: N_("meget komplekse problemstillinger"),
}


def _as_is(text: str) -> str:
    return text


def _as_is_in(_context: str, text: str) -> str:
    return text


@dataclass(frozen=True)
class Words:
    """A language: its code (the drawing's ``lang`` attribute) and how to say a Danish
    text in it, with or without a context (``say_in(context, text)``, a pgettext, for
    a text marked with ``NC_``).

    Examples
    --------
    >>> DANISH("Signaturforklaring"), Words("en", {"Bånd": "Bands"}.get)("Bånd")
    ('Signaturforklaring', 'Bands')
    >>> DANISH.in_context("pseudonym", "Borger")
    'Borger'
    """

    lang: str = "da"
    say: Callable[[str], str | None] = _as_is
    say_in: Callable[[str, str], str | None] = _as_is_in

    def __call__(self, text: str) -> str:
        return self.say(text) or text

    def in_context(self, context: str, text: str) -> str:
        """``text`` as it is said in ``context`` (the ``NC_`` it was marked with)."""
        return self.say_in(context, text) or text


DANISH = Words()
