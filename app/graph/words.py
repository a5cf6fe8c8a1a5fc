"""The words the pure library adds to what it draws, said in the caller's language.

The library's own texts (legend, title block, the drawing's description) are Danish
and marked with ``N_``, so the one catalogue (``app/locales``) collects them with the
pages' texts. The library never reads a catalogue: a caller that wants another language
passes :class:`Words` with its gettext, as :func:`app.i18n.words` makes them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["DANISH", "Words"]


def _as_is(text: str) -> str:
    return text


@dataclass(frozen=True)
class Words:
    """A language: its code (the drawing's ``lang`` attribute) and how to say a Danish
    text in it.

    Examples
    --------
    >>> DANISH("Signaturforklaring"), Words("en", {"Bånd": "Bands"}.get)("Bånd")
    ('Signaturforklaring', 'Bands')
    """

    lang: str = "da"
    say: Callable[[str], str | None] = _as_is

    def __call__(self, text: str) -> str:
        return self.say(text) or text


DANISH = Words()
