"""One check for every text a person types, whichever door it comes in by.

The graph document's fields, snapshot names, token names and catalogue entries all
pass :func:`text_problem`: no NUL character (PostgreSQL cannot store it, and no
caseworker types one), no invisible characters that hide or reorder what
is shown (zero-width spaces, right-to-left overrides: a label must read as it is), and
nothing shaped like a Danish CPR number, however it is written.

The CPR check first brings the text to one form (:func:`normalise_for_cpr`): Unicode
NFKC (full-width digits become 0-9, a non-breaking hyphen a hyphen), format characters
dropped (a zero-width space inside a number does not hide it). Then it looks for
``ddmmyy`` and four digits with at most one separator (space, any dash, dot, slash,
underscore, with or without spaces around it) between the groups, with a real day and
month. A digit right before or after the match rules it out, so phone numbers
(``12 34 56 78``), dates (``01.02.2003``) and case numbers (``sag-2024-099880``) pass.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from typing import Annotated, Any

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from app.graph.errors import N_

__all__ = [
    "TEXT_CODES",
    "CheckedText",
    "check_text",
    "looks_like_cpr",
    "normalise_for_cpr",
    "text_problem",
]

# Every dash Unicode knows (category Pd), the minus sign, and the other separators people
# put in a CPR number.
_DASHES = "".join(chr(c) for c in range(sys.maxunicode + 1)
                  if unicodedata.category(chr(c)) == "Pd") + "\u2212"
_SEP_CHARS = re.escape(_DASHES + "./_\\")
_SEP = rf"[^\S\n]*[{_SEP_CHARS}]?[^\S\n]*"
_CPR = re.compile(
    rf"(?<!\d)(0[1-9]|[12]\d|3[01]){_SEP}(0[1-9]|1[0-2]){_SEP}(\d\d){_SEP}(\d{{4}})(?!\d)"
)

# Characters that are not shown but change what is shown: zero-width spaces and joiners,
# direction marks, embeddings, overrides and isolates, the word joiner and invisible
# operators, the byte order mark, the Arabic letter mark.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u061c]")


def normalise_for_cpr(text: str) -> str:
    """``text`` in NFKC, without format characters (zero-width spaces and the like).

    >>> normalise_for_cpr("０１０２０３\u200b-1234")
    '010203-1234'
    """
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def looks_like_cpr(text: str) -> bool:
    """Whether ``text`` contains something shaped like a Danish CPR number.

    No modulus-11 check: CPR numbers issued since 2007 need not satisfy it.

    >>> looks_like_cpr("Claus 01.02.03 – 1234")
    True
    >>> looks_like_cpr("tlf. 12 34 56 78, sag-2024-099880, født 01.02.2003")
    False
    """
    return _CPR.search(normalise_for_cpr(text)) is not None


TEXT_CODES: dict[str, str] = {
    "nul_character": N_("Teksten indeholder et NUL-tegn (\\u0000)."),
    "invisible_character": N_("Teksten indeholder usynlige tegn (fx mellemrum uden bredde "
                              "eller tegn, der vender skriveretningen). Skriv teksten igen "
                              "uden dem."),
    "cpr_number": N_("Teksten ligner et CPR-nummer. Kuvert gemmer aldrig CPR-numre; "
                     "brug et pseudonym eller sagens eget nummer uden CPR."),
}
"""The machine codes of :func:`text_problem` and their Danish words."""


def text_problem(value: str) -> str | None:
    """The code of the first thing wrong with ``value`` (see :data:`TEXT_CODES`), or None."""
    if "\x00" in value:
        return "nul_character"
    if _INVISIBLE.search(value):
        return "invisible_character"
    if looks_like_cpr(value):
        return "cpr_number"
    return None


def check_text(value: Any) -> Any:
    """Pydantic validator: ``value`` unchanged, or a Danish error with a machine code."""
    if isinstance(value, str):
        code = text_problem(value)
        if code is not None:
            raise PydanticCustomError(code, TEXT_CODES[code])
    return value


CheckedText = Annotated[str, AfterValidator(check_text)]
"""A text that passed :func:`check_text`; add length limits where it is used."""
