"""The words the pure library adds to what it draws, said in the caller's language.

The library's own texts (legend, title block, the drawing's description) are Danish
and marked with ``N_``, so the one catalogue (``app/locales``) collects them with the
pages' texts. The library never reads a catalogue: a caller that wants another language
passes :class:`Words` with its gettext, as :func:`app.i18n.words_for` makes them.

A text with values in it (a warning, a classification's reason, a history summary) is a
:class:`Message`: its Danish template and the values, said by the edge with the
catalogue's gettext, so every language gets the same sentence.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from app.graph.errors import N_, words

__all__ = ["DANISH", "KIND_NAMES", "PROTOTYPE_NAMES", "STATE_NAMES", "TARGET_GROUP_NAMES",
           "Message", "Value", "Words", "in_danish"]

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


def in_danish(text: str) -> str:
    """A Danish template as it is: the gettext of the summaries' own language."""
    return text


#: What fills a placeholder: the user's own words, a message, or a list of them.
Value: TypeAlias = "str | Message | tuple[str | Message, ...]"


@dataclass(frozen=True)
class Message:
    """A Danish template (a catalogue msgid) and the values that fill it: a text the
    library (a warning, a classification's reason) or the edge (a history event's
    summary) makes, said in the reader's language where it is shown.

    A ``str`` value is said as it is: it is the user's own words, such as an actor's
    label, which no catalogue may change. A :class:`Message` value (a field's name, the
    change an undo undid) is said in the same language as the template, and a tuple of
    values is said as a list ("navn, faggruppe").

    Examples
    --------
    >>> said = Message("Aktør ændret: %(label)s: %(fields)s",
    ...                {"label": "Mor", "fields": (Message("navn"), Message("kontakt"))})
    >>> said.danish
    'Aktør ændret: Mor: navn, kontakt'
    >>> said.say({"Aktør ændret: %(label)s: %(fields)s": "Changed %(label)s: %(fields)s",
    ...           "navn": "name", "Mor": "Mother"}.get)
    'Changed Mor: name, kontakt'
    >>> Message.from_json(said.as_json()) == said
    True
    """

    template: str
    params: Mapping[str, Value] = field(default_factory=dict)

    def say(self, gettext: Callable[[str], str | None] = in_danish) -> str:
        """The text in the language of ``gettext`` (Danish when it says texts as they are)."""
        values = {name: _say(value, gettext) for name, value in self.params.items()}
        return words(gettext(self.template) or self.template, values)

    @property
    def danish(self) -> str:
        return self.say()

    def as_json(self) -> dict[str, Any]:
        """Plain JSON, nested as the values are (a history event stores this,
        ``Event.summary_message``)."""
        return {"template": self.template,
                "params": {name: _as_json(value) for name, value in self.params.items()}}

    @classmethod
    def from_json(cls, data: Any) -> Message:
        """The message :meth:`as_json` stored; ValueError for anything else (a hand-made
        import), so the caller can fall back to the stored Danish text."""
        if not isinstance(data, dict) or not isinstance(data.get("template"), str):
            raise ValueError("not a stored message")
        params = data.get("params", {})
        if not isinstance(params, dict):
            raise ValueError("a stored message's params are not an object")
        return cls(data["template"], {str(k): _from_json(v) for k, v in params.items()})


def _say(value: Value, gettext: Callable[[str], str | None]) -> str:
    if isinstance(value, Message):
        return value.say(gettext)
    if isinstance(value, tuple):
        return ", ".join(_say(part, gettext) for part in value)
    return value


def _as_json(value: Value) -> Any:
    if isinstance(value, Message):
        return value.as_json()
    if isinstance(value, tuple):
        return [_as_json(part) for part in value]
    return value


def _from_json(value: Any) -> Value:
    if isinstance(value, list):
        parts: list[str | Message] = []
        for part in value:
            said = _from_json(part)
            if isinstance(said, tuple):
                raise ValueError("a list inside a list")
            parts.append(said)
        return tuple(parts)
    if isinstance(value, dict):
        return Message.from_json(value)
    if isinstance(value, str):
        return value
    raise ValueError("a stored message's value is neither text, a message nor a list")
