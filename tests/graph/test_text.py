"""One text check for every door (app/graph/text.py): CPR numbers however written,
NUL and invisible characters; and the things that must still pass."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.graph.document import Actor, parse_document
from app.graph.errors import DocumentInvalid
from app.graph.text import looks_like_cpr, text_problem

REFUSED = [
    "010203-1234", "0102031234", "010203 1234",
    "010203\u20131234",  # en dash
    "010203\u20111234",  # non-breaking hyphen (U+2011)
    "010203 - 1234", "01.02.03-1234", "01-02-03-1234", "01 02 03 1234",
    "\uff10\uff11\uff10\uff12\uff10\uff13-\uff11\uff12\uff13\uff14",  # full-width digits
    "0102\u200b03-1234",  # a zero-width space inside
    "010203/1234", "010203_1234", "010203\u22121234", "010203\u20141234",
    "Claus 22 010203-1234", "cpr:010203-1234.",
]
ACCEPTED = [
    "Claus, 22", "12 34 56 78", "tlf. 8940 2000", "+45 12 34 56 78", "sag-2024-099880",
    "01.02.2003", "2024-01-02", "født 1. februar 2003", "kl. 10.30-12.00", "99887766",
    "320203-1234",  # no 32nd day
    "011303-1234",  # no 13th month
    "010203-12345", "1010203-1234", "journal nr. 27.06.2024/17",
]


@pytest.mark.parametrize("text", REFUSED)
def test_cpr_written_any_way_is_recognised(text: str) -> None:
    assert looks_like_cpr(text)
    hidden = "\u200b" in text  # refused first for the invisible character
    assert text_problem(text) == ("invisible_character" if hidden else "cpr_number")
    with pytest.raises(DocumentInvalid) as caught:
        parse_document({"label": text, "target_group": "unge",
                        "actors": [{"key": "c", "kind": "citizen", "label": "C"}]})
    assert caught.value.problems[0].code == text_problem(text)


@pytest.mark.parametrize("text", ACCEPTED)
def test_phone_numbers_dates_and_case_numbers_pass(text: str) -> None:
    assert not looks_like_cpr(text)
    assert text_problem(text) is None


@pytest.mark.parametrize(("text", "code"), [
    ("Mor\x00", "nul_character"),
    ("Mor\u200bfar", "invisible_character"),  # zero-width space
    ("Mor\u202efar", "invisible_character"),  # right-to-left override
    ("\u2066Mor\u2069", "invisible_character"),  # isolates
    ("\ufeffMor", "invisible_character"),
])
def test_nul_and_invisible_characters_are_refused_in_labels(text: str, code: str) -> None:
    assert text_problem(text) == code
    with pytest.raises(ValidationError) as caught:
        Actor.model_validate({"key": "m", "kind": "network", "label": text})
    assert caught.value.errors()[0]["type"] == code


@pytest.mark.parametrize("key", [".", "..", "...", "-", ".-."])
def test_keys_that_are_steps_in_a_url_are_refused(key: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Actor.model_validate({"key": key, "kind": "network", "label": "M"})
    assert caught.value.errors()[0]["type"] == "string_pattern_mismatch"


@pytest.mark.parametrize("key", ["a", "a.b", "-x", "_", "mor-2", "æble", "x" * 64])
def test_ordinary_keys_pass(key: str) -> None:
    assert Actor.model_validate({"key": key, "kind": "network", "label": "M"}).key == key
