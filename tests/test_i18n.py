"""Danish first, English complete: every UI text has an English translation."""

from __future__ import annotations

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from app.config import ROOT
from app.graph.analyse import WARNING_CODES
from app.i18n import LOCALES

KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}


def _texts() -> set[str]:
    found: set[str] = set(WARNING_CODES.values())  # shown through _() by their code
    for folder, method in (("app", "python"), ("templates", "jinja2")):
        for _file, _line, message, _comments, _ctx in extract_from_dir(
            ROOT / folder, method_map=[("**.py" if method == "python" else "**.html", method)],
            keywords=KEYWORDS,
        ):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_ui_text_has_an_english_translation() -> None:
    with (LOCALES / "en" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po, locale="en")
    translated = {}
    for message in catalog:
        if message.id and "fuzzy" not in message.flags:
            key = message.id[0] if isinstance(message.id, tuple) else message.id
            value = message.string[0] if isinstance(message.string, tuple) else message.string
            translated[key] = value
    missing = sorted(t for t in _texts() if not translated.get(t))
    assert missing == [], "run `make messages` and translate: " + ", ".join(missing)


def test_choose_english_then_danish(client: TestClient) -> None:
    response = client.post("/lang", data={"lang": "en", "next": "/login"},
                           follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    english = client.get("/login")
    assert "Log in to Kuvert" in english.text and '<html lang="en">' in english.text
    client.post("/lang", data={"lang": "da", "next": "https://evil.example"},
                follow_redirects=False)
    danish = client.get("/login")
    assert "Log ind i Kuvert" in danish.text and '<html lang="da">' in danish.text
