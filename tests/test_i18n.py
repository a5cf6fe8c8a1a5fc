"""Danish first, English complete: every UI text has an English translation.

The Danish source texts are the msgids; the catalogue template (messages.pot) must list
every one of them and the English catalogue must translate every one.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

import app
from app.config import ROOT
from app.diagram import reason_texts, warning_texts
from app.errors import ServiceError
from app.graph import pseudonym
from app.graph.analyse import WARNING_CODES, analyse
from app.graph.classify import Thresholds, classify
from app.graph.document import GraphDocument
from app.graph.errors import GraphError
from app.graph.examples import claus_foer
from app.i18n import LOCALES, translations, words_for
from tests.helpers.html import all_text, parse

# As the Makefile's `make messages` reads them: a context is the first argument of NC_
# and pgettext.
KEYWORDS: dict[str, Any] = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None,
                            "NC_": ((1, "c"), 2), "pgettext": ((1, "c"), 2)}

Text = tuple[str | None, str]  # (context, msgid)


def _texts() -> set[Text]:
    # shown through _() by their code
    found: set[Text] = {(None, text) for text in WARNING_CODES.values()}
    for folder, method in (("app", "python"), ("templates", "jinja2")):
        for _file, _line, message, _comments, context in extract_from_dir(
            ROOT / folder, method_map=[("**.py" if method == "python" else "**.html", method)],
            keywords=KEYWORDS,
        ):
            found.add((context, message[0] if isinstance(message, tuple) else message))
    return found


def _named(texts: list[Text]) -> str:
    return ", ".join(f"{text} ({context})" if context else text for context, text in texts)


def _catalog(path: str, locale: str | None = None) -> Catalog:
    with (LOCALES / path).open("rb") as po:
        return read_po(po, locale=locale)


def test_catalogue_template_lists_every_text() -> None:
    listed = {(m.context, m.id[0] if isinstance(m.id, tuple) else m.id)
              for m in _catalog("messages.pot")}
    missing = sorted(_texts() - listed, key=str)
    assert missing == [], "run `make messages`: " + _named(missing)


def test_every_ui_text_has_an_english_translation() -> None:
    catalog = _catalog("en/LC_MESSAGES/messages.po", "en")
    translated: dict[Text, str] = {}
    for message in catalog:
        if message.id and "fuzzy" not in message.flags:
            key = message.id[0] if isinstance(message.id, tuple) else message.id
            value = message.string[0] if isinstance(message.string, tuple) else message.string
            translated[(message.context, key)] = value
    missing = sorted((t for t in _texts() if not translated.get(t)), key=str)
    assert missing == [], "run `make messages` and translate: " + _named(missing)


def test_same_words_in_a_context_mean_something_else() -> None:
    """The pseudonym "Borgerforløb" is one citizen's case; the menu's, all of them: one
    msgid, two contexts, two English words, and the context is what the catalogue uses."""
    english = translations("en")
    assert english.gettext("Borgerforløb") == "Cases"
    assert english.pgettext(pseudonym.CONTEXT, pseudonym.CASE) == "Citizen's case"
    assert words_for("en").in_context(pseudonym.CONTEXT, pseudonym.CITIZEN) == "Citizen"
    assert words_for("da").in_context(pseudonym.CONTEXT, pseudonym.CASE) == "Borgerforløb"


def test_choose_english_then_danish(client: TestClient) -> None:
    response = client.post("/lang", data={"lang": "en", "next": "/login"},
                           follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    english = client.get("/login")
    assert "Log in to Kuvert" in english.text and parse(english).get("lang") == "en"
    client.post("/lang", data={"lang": "da", "next": "https://evil.example"},
                follow_redirects=False)
    danish = client.get("/login")
    assert "Log ind i Kuvert" in danish.text and parse(danish).get("lang") == "da"


def _subclasses(cls: type) -> list[type]:
    return [c for sub in cls.__subclasses__() for c in (sub, *_subclasses(sub))]


def test_every_refusal_says_its_message_in_english() -> None:
    """Each ServiceError's own Danish message is a catalogue text, so the API can say it."""
    for module in pkgutil.walk_packages(app.__path__, "app."):
        importlib.import_module(module.name)
    english = translations("en").gettext
    untranslated = [f"{cls.__module__}.{cls.__name__}" for cls in _subclasses(ServiceError)
                    if english(cls.message) == cls.message]
    assert untranslated == [], "mark the message with N_() and run `make messages`"


@pytest.mark.parametrize("error", [
    ServiceError("Teamet «%(name)s» findes ikke.", params={"name": "Syd"}),
    GraphError("Aktøren «%(key)s» findes ikke i borgerforløbet.", key="uu"),
])
def test_refusal_keeps_its_values_in_either_language(error: ServiceError | GraphError) -> None:
    danish, english = error.say(lambda t: t), error.say(translations("en").gettext)
    assert danish == error.message and danish != english
    assert ("Syd" in danish and "Syd" in english) or ("uu" in danish and "uu" in english)


def test_case_page_reasons_and_warnings_in_either_language(browser: TestClient,
                                                             api: Any) -> None:
    case_id, _ = api.create(claus_foer())
    danish = browser.get(f"/cases/{case_id}").text
    assert "over 2 og højst 5 giver niveau 2." in danish
    assert "Claus er eneste bindeled mellem «UU-vejleder» og «Ydelsesrådgiver»" in danish
    browser.post("/lang", data={"lang": "en", "next": "/cases"}, follow_redirects=False)
    try:
        english = browser.get(f"/cases/{case_id}").text
    finally:
        browser.post("/lang", data={"lang": "da", "next": "/cases"}, follow_redirects=False)
    assert "4 professions (Misbrugsbehandler, Pædagog, Socialrådgiver, UU-vejleder): more " \
        "than 2 and at most 5 gives level 2." in english
    # The citizen, both actors and the topic, as the Danish names them, in English words.
    assert "Claus is the only link between «UU-vejleder» and «Ydelsesrådgiver», who must " \
        "couple with each other (topic: Uddannelseshjælp hænger sammen med " \
        "uddannelsesplanen). The citizen thereby becomes the coordinator." in all_text(
            english, '[data-code="citizen_coordinates"]')
    assert all_text(english, 'button[name="lang"][value="da"][lang="da"]') == ["Dansk"]
    assert all_text(danish, 'button[name="lang"][value="en"][lang="en"]') == ["English"]


# Danish words the warnings and reasons are made of; none may be left in English.
DANISH_WORDS = ("eneste", " og ", "skal", "koble", "hinanden", "emne", "Borgeren", "ikke",
                "grupper", "fagperson", "Overvej", "gennem", "uden", "niveau", "højst",
                "over ", "giver", "faggruppe", "sektor", "aktør", "tæller", "Prototypen",
                "etableret", "anstrengt", "netværket", "koordinator", "Koblingen")


def _network(coordinator: str | None, topics: bool) -> GraphDocument:
    """Every warning code (one of no_coordinator and coordinator_unreachable), with
    names, professions and topics in no particular language."""
    return GraphDocument.model_validate({
        "label": "Test", "target_group": "voksne", "coordinator": coordinator,
        "actors": [{"key": "c", "kind": "citizen", "label": "Anna"},
                   {"key": "a", "kind": "professional", "label": "Ben", "profession": "Nurse",
                    "sector": "health"},
                   {"key": "b", "kind": "professional", "label": "Cleo",
                    "profession": "Teacher"},
                   {"key": "d", "kind": "volunteer", "label": "Dan"}],
        "couplings": [
            {"source": "c", "target": "a", "state": "established"},
            {"source": "c", "target": "b", "state": "strained",
             **({"topic": "housing"} if topics else {})},
            {"source": "a", "target": "b", "state": "needed",
             **({"topic": "school"} if topics else {})}],
    })


@pytest.mark.parametrize(("coordinator", "topics"), [(None, True), ("a", False)])
def test_every_warning_says_itself_in_english(coordinator: str | None, topics: bool) -> None:
    analysis = analyse(_network(coordinator, topics))
    english = warning_texts(analysis, "en")
    assert len(english) == len(analysis.warnings)
    for text in english:
        assert [word for word in DANISH_WORDS if word in text] == [], text
    assert warning_texts(analysis, "da") == [w.message for w in analysis.warnings]
    if topics:
        (central,) = [t for w, t in zip(analysis.warnings, english, strict=True)
                      if w.code == "citizen_coordinates"]
        assert central == ("Anna is the only link between «Ben» and «Cleo», who must couple "
                           "with each other (topic: school). The citizen thereby becomes "
                           "the coordinator.")


@pytest.mark.parametrize("thresholds", [
    Thresholds(),  # level 1: at most; one sector; one actor without a profession, two without
    Thresholds(professions_level1=0, professions_level2=1, sectors_level1=0, sectors_level2=5),
])
def test_every_reason_says_itself_in_english(thresholds: Thresholds) -> None:
    for doc in (_network(None, True), GraphDocument.model_validate(
            {"label": "Alone", "target_group": "voksne",
             "actors": [{"key": "c", "kind": "citizen", "label": "Anna"}]})):
        classification = classify(doc, thresholds)
        english = reason_texts(classification, "en")
        assert len(english) == len(classification.reasons)
        for text in english:
            assert [word for word in DANISH_WORDS if word in text] == [], text
        assert reason_texts(classification, "da") == classification.reasons


def test_reasons_in_english_name_counts_rules_and_actors() -> None:
    english = reason_texts(classify(_network(None, True)), "en")
    assert english == ["2 professions (Nurse, Teacher): at most 2 gives level 1.",
                       "1 actor without a profession is not counted («Dan»).",
                       "1 sector (health): at most 2 gives level 1.",
                       "2 actors without a sector are not counted («Cleo», «Dan»).",
                       "The prototype is the higher of the two: 1."]
    strict = Thresholds(professions_level1=0, professions_level2=1, sectors_level1=0,
                        sectors_level2=5)
    assert reason_texts(classify(_network(None, True), strict), "en")[::2] == [
        "2 professions (Nurse, Teacher): more than 1 gives level 3.",
        "1 sector (health): more than 0 and at most 5 gives level 2.",
        "The prototype is the higher of the two: 3."]
