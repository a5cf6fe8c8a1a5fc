"""Label measurement: the quick wrapping must break lines exactly where measuring every
candidate line did."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.graph.text_metrics import _fit_prefix, text_width, widest_word, wrap_label


def wrap_by_measuring(text: str, max_em: float, max_lines: int) -> tuple[str, ...]:
    """Every candidate line measured whole: what wrap_label must agree with."""
    words: list[str] = []
    for word in text.split():
        while text_width(word) > max_em:
            cut = _fit_prefix(word, max_em)
            words.append(word[:cut])
            word = word[cut:]
        if word:
            words.append(word)
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if text_width(candidate) <= max_em:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current or not lines:
        lines.append(current)
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and text_width(last + " …") > max_em:
            last = last[:-1].rstrip()
        lines = [*lines[: max_lines - 1], f"{last} …" if last else "…"]
    return tuple(lines)


words = st.lists(st.text("abcæøåIlmwMW.-(é漢 ", min_size=1, max_size=14), min_size=1,
                 max_size=10)


@settings(max_examples=400, deadline=None)
@given(words, st.floats(1.0, 16.0), st.integers(1, 3), st.integers(0, 9))
def test_wrap_label_breaks_where_measuring_every_line_does(parts: list[str], max_em: float,
                                                           max_lines: int, at: int) -> None:
    text = " ".join(parts)
    assert wrap_label(text, max_em, max_lines) == wrap_by_measuring(text, max_em, max_lines)
    # Limits at and a hair either side of a candidate line's width: the cases the
    # quick sums leave to measuring.
    exact = text_width(" ".join(text.split()[: at + 1]))
    for limit in (exact + delta for delta in (-0.006, -0.004, -0.001, 0.0, 0.001, 0.005)):
        assert wrap_label(text, limit, max_lines) == wrap_by_measuring(text, limit, max_lines)


@given(st.text("abcIlmwM漢 ", max_size=40))
def test_widest_word_is_the_widest_words_width(text: str) -> None:
    assert widest_word(text) == max((text_width(w) for w in text.split()), default=0.0)
