"""The user's actions on a case's network, as edits the service layer applies.

Each function returns an :class:`Edit`: the kind of event it writes, the pure change of
the document (from :mod:`app.graph.edit`) and the summary the history shows, with the
actors' labels, not their keys ("Kobling ændret: Psykiatrisk sygeplejerske – UU-vejleder:
aftale tilføjet").

A summary is a :class:`Message`: a Danish template marked for the catalogue and its
values. The event keeps both, so the history can say it in the reader's language, and
its Danish sentence too (``Event.summary``), for exports and whatever reads it raw.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from app.graph import edit as g
from app.graph.errors import N_
from app.graph.words import STATE_NAMES, Message, Value, in_danish

__all__ = ["CASE_FIELD_WORDS", "FIELD_WORDS", "Edit", "Message", "Summary", "Value",
           "add_actor", "add_agreement", "case_changed", "case_created", "change_actor",
           "change_coupling", "couple", "graph_replaced", "in_danish", "message_of",
           "move_actor", "remove_actor", "set_coordinator", "summary_of", "uncouple",
           "undo_summary"]

Doc = dict[str, Any]

# Words for a changed field, as the history says them (Danish msgids, said where shown).
FIELD_WORDS = {
    "label": N_("navn"), "profession": N_("faggruppe"), "sector": N_("sektor"),
    "organisation": N_("organisation"), "panel": N_("placering"), "ring": N_("afstand"),
    "contribution": N_("kan bidrage med"), "contact": N_("kontakt"), "state": N_("status"),
    "topic": N_("emne"),
}
# The case's own facts, as the history says them when they change.
CASE_FIELD_WORDS = {
    "label": N_("navn"), "target_group": N_("målgruppe"), "external_ref": N_("sagsreference"),
    "status": N_("status"), "consent": N_("samtykke"),
}
UNDO = N_("Fortrudt: %(change)s")
REDO = N_("Gjort igen: %(change)s")
# How an undo was written before summaries were messages (its Danish text only).
_OLD_UNDO, _OLD_REDO = "Fortrudt: ", "Gjort igen: "


Summary = Message | Callable[[Doc, Doc], Message]


@dataclass(frozen=True)
class Edit:
    """One user action: the event ``kind``, the pure ``change``, the ``summary``.

    ``summary`` is a message, or a function of the document before and after the change.
    """

    kind: str
    change: Callable[[Doc], Doc]
    summary: Summary


class _Event(Protocol):
    @property
    def kind(self) -> str: ...

    @property
    def summary(self) -> str: ...

    @property
    def summary_message(self) -> dict[str, Any] | None: ...


def _word(table: Mapping[str, str], name: str) -> str | Message:
    """A field's name as a message, or its code as it is if the table has no word for it."""
    return Message(table[name]) if name in table else name


def _pair(doc: Doc, a: str, b: str) -> dict[str, Value]:
    return {"a": g.label_of(doc, a), "b": g.label_of(doc, b)}


def _changed(before: dict[str, Any], after: dict[str, Any], names: Any) -> list[str]:
    return [name for name in names if before.get(name) != after.get(name)]


def case_created(label: str) -> Message:
    """The first event of every case (also written in bulk by ``kuvert populate``)."""
    return Message(N_("Borgerforløb oprettet: %(label)s"), {"label": label})


def graph_replaced() -> Message:
    return Message(N_("Hele netværket erstattet"))


def case_changed(fields: list[str]) -> Message:
    """The case's own facts changed (label, target group, reference, status, consent)."""
    return Message(N_("Oplysninger om forløbet ændret: %(fields)s"),
                   {"fields": tuple(_word(CASE_FIELD_WORDS, name) for name in sorted(fields))})


def add_actor(actor: dict[str, Any]) -> Edit:
    return Edit("actor_added", lambda doc: g.add_actor(doc, actor),
                Message(N_("Aktør tilføjet: %(label)s"), {"label": actor.get("label", "")}))


def change_actor(key: str, fields: dict[str, Any]) -> Edit:
    def summary(before: Doc, after: Doc) -> Message:
        old, new = g.find_actor(before, key), g.find_actor(after, key)
        changed = _changed(old, new, fields)
        name = g.label_of(before, key)
        if "label" in changed:
            name = f"{name} → {g.label_of(after, key)}"
        return Message(N_("Aktør ændret: %(label)s: %(fields)s"), {
            "label": name, "fields": tuple(_word(FIELD_WORDS, n) for n in changed)})

    return Edit("actor_changed", lambda doc: g.change_actor(doc, key, fields), summary)


def move_actor(key: str, panel: str | None, ring: int | None) -> Edit:
    return Edit("actor_changed", lambda doc: g.move_actor(doc, key, panel, ring),
                lambda before, _after: Message(N_("Aktør flyttet: %(label)s"),
                                               {"label": g.label_of(before, key)}))


def remove_actor(key: str) -> Edit:
    return Edit("actor_removed", lambda doc: g.remove_actor(doc, key),
                lambda before, _after: Message(N_("Aktør fjernet: %(label)s"),
                                               {"label": g.label_of(before, key)}))


def couple(coupling: dict[str, Any]) -> Edit:
    return Edit("coupling_added", lambda doc: g.couple(doc, coupling),
                lambda before, _after: Message(
                    N_("Kobling tilføjet: %(a)s – %(b)s"),
                    _pair(before, coupling["source"], coupling["target"])))


def _state(state: Any) -> str | Message:
    return Message(STATE_NAMES[state]) if state in STATE_NAMES else ""


def change_coupling(a: str, b: str, fields: dict[str, Any]) -> Edit:
    def summary(before: Doc, after: Doc) -> Message:
        old, new = g.find_coupling(before, a, b), g.find_coupling(after, a, b)
        changes: list[str | Message] = []
        for name in _changed(old, new, fields):
            if name == "state":
                changes.append(Message(N_("status %(before)s → %(after)s"), {
                    "before": _state(old.get("state")), "after": _state(new.get("state"))}))
            elif name == "agreements":
                changes.append(Message(N_("aftaler")))
            else:
                changes.append(_word(FIELD_WORDS, name))
        return Message(N_("Kobling ændret: %(a)s – %(b)s: %(what)s"),
                       {**_pair(before, a, b), "what": tuple(changes)})

    return Edit("coupling_changed", lambda doc: g.change_coupling(doc, a, b, fields), summary)


def uncouple(a: str, b: str) -> Edit:
    return Edit("coupling_removed", lambda doc: g.uncouple(doc, a, b),
                lambda before, _after: Message(N_("Kobling fjernet: %(a)s – %(b)s"),
                                               _pair(before, a, b)))


def add_agreement(a: str, b: str, agreement: dict[str, Any]) -> Edit:
    return Edit("coupling_changed", lambda doc: g.add_agreement(doc, a, b, agreement),
                lambda before, _after: Message(
                    N_("Kobling ændret: %(a)s – %(b)s: %(what)s"),
                    {**_pair(before, a, b), "what": Message(N_("aftale tilføjet"))}))


def set_coordinator(key: str | None) -> Edit:
    def summary(before: Doc, _after: Doc) -> Message:
        if key is None:
            was = before.get("coordinator")
            if was:
                return Message(N_("Ingen koordinator (før: %(label)s)"),
                               {"label": g.label_of(before, was)})
            return Message(N_("Ingen koordinator"))
        return Message(N_("Koordinator udpeget: %(label)s"), {"label": g.label_of(before, key)})

    return Edit("coordinator_named", lambda doc: g.set_coordinator(doc, key), summary)


def message_of(event: _Event) -> Message | None:
    """The event's summary as a message, or None for an event stored as Danish text only
    (written before summaries were messages, or imported so)."""
    if event.summary_message is None:
        return None
    try:
        return Message.from_json(event.summary_message)
    except ValueError:
        return None


def summary_of(event: _Event, gettext: Callable[[str], str | None] = in_danish) -> str:
    """What the history says about ``event``, in the language of ``gettext``.

    An event without a (readable) message says its stored Danish text, whatever the
    language: that is all it has.
    """
    message = message_of(event)
    if message is None:
        return event.summary
    try:
        return message.say(gettext)
    except (KeyError, TypeError, ValueError):  # a translation whose placeholders differ
        return event.summary


def undo_summary(last: _Event) -> Message:
    """What undoing ``last`` is called: undoing an undo brings the change back.

    The undone change is kept as a value, never as words glued in front, so an undo of
    an undo says "Gjort igen", not "Fortrudt: Fortrudt:", in every language.

    >>> from types import SimpleNamespace as E
    >>> added = Message("Aktør tilføjet: %(label)s", {"label": "Mentor"})
    >>> undone = undo_summary(E(kind="actor_added", summary=added.danish,
    ...                         summary_message=added.as_json()))
    >>> undone.danish
    'Fortrudt: Aktør tilføjet: Mentor'
    >>> redone = undo_summary(E(kind="undone", summary=undone.danish,
    ...                         summary_message=undone.as_json()))
    >>> redone.danish, redone.params["change"] == added
    ('Gjort igen: Aktør tilføjet: Mentor', True)
    >>> undo_summary(E(kind="undone", summary=redone.danish,
    ...                summary_message=redone.as_json())).danish
    'Fortrudt: Aktør tilføjet: Mentor'

    An event from before summaries were messages is undone by its Danish text:

    >>> undo_summary(E(kind="undone", summary="Fortrudt: Aktør tilføjet: Mentor",
    ...                summary_message=None)).danish
    'Gjort igen: Aktør tilføjet: Mentor'
    """
    message = message_of(last)
    if message is None:
        if last.kind != "undone":
            return Message(UNDO, {"change": last.summary})
        if last.summary.startswith(_OLD_UNDO):
            return Message(REDO, {"change": last.summary.removeprefix(_OLD_UNDO)})
        return Message(UNDO, {"change": last.summary.removeprefix(_OLD_REDO)})
    if last.kind == "undone" and message.template in (UNDO, REDO) and "change" in message.params:
        return Message(REDO if message.template == UNDO else UNDO,
                       {"change": message.params["change"]})
    return Message(UNDO, {"change": message})
