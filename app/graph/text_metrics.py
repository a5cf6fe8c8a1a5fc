"""How wide a label's text is and where it breaks into lines.

The SVG is drawn in whatever sans font the viewer's machine has, so widths cannot be
measured, only estimated: per character, a little above DejaVu Sans (the widest of
the usual system sans fonts), in em of the font size. A box sized by these estimates
never clips its text in any of those fonts, and the layout stays pure arithmetic.
"""

from __future__ import annotations

import unicodedata

from app.graph.geometry import rounded

__all__ = ["LINE_EM", "MAX_LINES", "text_width", "widest_word", "wrap_label"]

#: Label text is wrapped to this many em per line and at most this many lines.
LINE_EM = 13.0
MAX_LINES = 3

# Characters estimated at 0.42 em and at 1 em; the rest by their Unicode properties.
_NARROW = frozenset(" !'(),./:;I[]`fijlrt|ı")
_WIDE = frozenset("mwMWæÆœŒ@%")

# Every character's estimate, once: each layout measures every label many times.
_EM_CACHE: dict[str, float] = {}


def _char_em(ch: str) -> float:
    em = _EM_CACHE.get(ch)
    if em is None:
        em = _EM_CACHE[ch] = _measure_char(ch)
    return em


def _measure_char(ch: str) -> float:
    if ch in _NARROW:
        return 0.42
    if ch in _WIDE:
        return 1.0
    if unicodedata.combining(ch):
        return 0.0
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 1.05
    if ch.isupper():
        return 0.8
    return 0.64


def text_width(text: str, font_size: float = 1.0, *, bold: bool = False) -> float:
    """A conservative estimate of the rendered width of ``text``.

    The widths are a little above DejaVu Sans (the widest of the usual system sans
    fonts), so a box sized by this never clips its text in any of them.

    Examples
    --------
    >>> text_width("Mor", 10)
    20.6
    >>> text_width("Mor", 10) < text_width("Mor", 10, bold=True)
    True
    """
    return rounded(_em(text) * font_size * (1.1 if bold else 1.0), 2)


def widest_word(text: str) -> float:
    """``max(text_width(word) for word in text.split())``, 0 for no words: the widest
    word's width in em (rounding to hundredths keeps the order, so the widest is
    rounded once).

    Examples
    --------
    >>> widest_word("Mor og far"), widest_word("")
    (2.06, 0.0)
    """
    return rounded(max(map(_em, text.split()), default=0.0), 2)


def _em(text: str) -> float:
    """The width of ``text`` in em, unrounded: the sum of its characters' estimates."""
    try:  # the common case: every character measured before
        return sum(map(_EM_CACHE.__getitem__, text))
    except KeyError:
        return sum(_char_em(ch) for ch in text)


def wrap_label(text: str, max_em: float = LINE_EM, max_lines: int = MAX_LINES) -> tuple[str, ...]:
    """Break ``text`` into at most ``max_lines`` lines of at most ``max_em`` em.

    Words longer than a line are cut; text that does not fit ends in an ellipsis,
    so a 200-character label still gets a readable, bounded box.

    Examples
    --------
    >>> wrap_label("Koordinerende sagsbehandler")
    ('Koordinerende', 'sagsbehandler')
    >>> wrap_label("a " * 60, max_em=3, max_lines=2)
    ('a a a', 'a a …')
    """
    words: list[tuple[str, float]] = []  # with each word its width in em, unrounded
    for word in text.split():
        em = _em(word)
        while rounded(em, 2) > max_em:  # text_width(word) > max_em
            cut = _fit_prefix(word, max_em)
            words.append((word[:cut], _em(word[:cut])))
            word = word[cut:]
            em = _em(word)
        if word:
            words.append((word, em))
    lines: list[str] = []
    current, current_em = "", 0.0
    space = _char_em(" ")
    for word, em in words:
        if not current:
            candidate, candidate_em = word, em
            fits = rounded(em, 2) <= max_em
        else:
            # A line's width is its words' and spaces' widths added up: unless that
            # sum is within a hair of the limit, it decides, and the line is not
            # measured again character by character (the sums differ in the last
            # bits at most, the rounding to hundredths by at most 0.005).
            candidate, candidate_em = f"{current} {word}", current_em + space + em
            if candidate_em + 0.006 < max_em:
                fits = True
            elif candidate_em - 0.006 > max_em:
                fits = False
            else:
                fits = text_width(candidate) <= max_em
        if fits:
            current, current_em = candidate, candidate_em
        else:
            lines.append(current)
            current, current_em = word, em
    if current or not lines:
        lines.append(current)
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and text_width(last + " …") > max_em:
            last = last[:-1].rstrip()
        lines = [*lines[: max_lines - 1], f"{last} …" if last else "…"]
    return tuple(lines)


def _fit_prefix(word: str, max_em: float) -> int:
    """How many leading characters of ``word`` fit in ``max_em``; at least one, so
    cutting a long word always makes progress."""
    width = 0.0
    for i, ch in enumerate(word):
        width += _char_em(ch)
        if width > max_em:
            return max(i, 1)
    return len(word)

