"""``kuvert --help`` in the language ``KUVERT_LANG`` names, argparse's own words too."""

from __future__ import annotations

import argparse
import os
import subprocess
from collections.abc import Iterator

from babel.messages.pofile import read_po

from app import i18n
from app.cli import parser
from tests.helpers.server import KUVERT


def _help(*args: str, lang: str | None = None) -> str:
    env = {**{k: v for k, v in os.environ.items() if k != "KUVERT_LANG"},
           "COLUMNS": "200",  # argparse wraps to the terminal: one text, one line
           **({"KUVERT_LANG": lang} if lang else {})}
    done = subprocess.run([KUVERT, *args, "--help"], env=env, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_help_is_danish_by_default() -> None:
    top = _help()
    assert top.startswith("brug: kuvert ")
    assert "Den digitale Kuvertmodel." in top
    assert "positionelle argumenter:" in top and "tilvalg:" in top
    assert "vis denne hjælp og afslut" in top
    assert "opdatér databasen" in top and "sikkerhedskopiér databasen" in top
    create = _help("user", "create")
    assert create.startswith("brug: kuvert user create ")
    assert "må også se log uden team (fx mislykkede logins)" in create
    assert "usage" not in top + create and "options:" not in top + create


def test_help_is_english_when_kuvert_lang_says_so() -> None:
    top = _help(lang="en")
    assert top.startswith("usage: kuvert ")
    assert "The digital Kuvert model." in top
    assert "positional arguments:" in top and "options:" in top
    assert "show this help message and exit" in top
    assert "update the database" in top and "back up the database" in top
    create = _help("user", "create", lang="en")
    assert create.startswith("usage: kuvert user create ")
    assert "may also see the log outside teams (e.g. failed logins)" in create
    assert "databasen" not in top and "tilvalg" not in top + create


def _helps(p: argparse.ArgumentParser) -> Iterator[str]:
    """Every text ``--help`` shows for ``p`` and its subcommands, recursively."""
    yield from (t for t in (p.description, p._positionals.title, p._optionals.title) if t)
    for action in p._actions:
        if action.help:
            yield action.help
        if isinstance(action, argparse._SubParsersAction):
            yield from (a.help for a in action._choices_actions if a.help)
            for sub in action.choices.values():
                yield from _helps(sub)


def _said_in(lang: i18n.Lang) -> list[str]:
    told = i18n.current.set(lang)
    try:
        return list(_helps(parser()))
    finally:
        i18n.current.reset(told)


def test_every_help_text_comes_from_the_catalogue() -> None:
    """Each text is a msgid of the English catalogue and said as it translates it."""
    with (i18n.LOCALES / "en" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        english = {m.id: m.string for m in read_po(po) if isinstance(m.id, str) and m.id}
    danish, said = _said_in("da"), _said_in("en")
    assert len(danish) == len(said) > 40
    assert [(d, e) for d, e in zip(danish, said, strict=True) if english.get(d) != e] == []
