"""The user's actions on a case's network, as edits the service layer applies.

Each function returns an :class:`Edit`: the kind of event it writes, the pure change of
the document (from :mod:`app.graph.edit`) and the summary the history shows, in plain
Danish words with the actors' labels, not their keys ("Kobling ændret: Psykiatrisk
sygeplejerske – UU-vejleder: aftale tilføjet").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from app.graph import edit as g

Doc = dict[str, Any]
Summary = str | Callable[[Doc, Doc], str]

# Words for a changed field, as the history says them (stored Danish, like every summary).
FIELD_WORDS = {
    "label": "navn", "profession": "faggruppe", "sector": "sektor",
    "organisation": "organisation", "panel": "placering", "ring": "afstand",
    "contribution": "kan bidrage med", "contact": "kontakt", "state": "status",
    "topic": "emne",
}
STATE_WORDS = {"needed": "skal etableres", "established": "etableret", "weak": "svag",
               "strained": "anstrengt"}
UNDO = "Fortrudt: "
REDO = "Gjort igen: "


@dataclass(frozen=True)
class Edit:
    """One user action: the event ``kind``, the pure ``change``, the ``summary``.

    ``summary`` is words, or a function of the document before and after the change.
    """

    kind: str
    change: Callable[[Doc], Doc]
    summary: Summary


class _Event(Protocol):
    kind: str
    summary: str


def _pair(doc: Doc, a: str, b: str) -> str:
    return f"{g.label_of(doc, a)} – {g.label_of(doc, b)}"


def _changed(before: dict[str, Any], after: dict[str, Any], names: Any) -> list[str]:
    return [name for name in names if before.get(name) != after.get(name)]


def add_actor(actor: dict[str, Any]) -> Edit:
    return Edit("actor_added", lambda doc: g.add_actor(doc, actor),
                f"Aktør tilføjet: {actor.get('label', '')}")


def change_actor(key: str, fields: dict[str, Any]) -> Edit:
    def summary(before: Doc, after: Doc) -> str:
        old, new = g.find_actor(before, key), g.find_actor(after, key)
        changed = _changed(old, new, fields)
        name = g.label_of(before, key)
        if "label" in changed:
            name = f"{name} → {g.label_of(after, key)}"
        return f"Aktør ændret: {name}: " + ", ".join(FIELD_WORDS.get(n, n) for n in changed)

    return Edit("actor_changed", lambda doc: g.change_actor(doc, key, fields), summary)


def move_actor(key: str, panel: str | None, ring: int | None) -> Edit:
    return Edit("actor_changed", lambda doc: g.move_actor(doc, key, panel, ring),
                lambda before, _after: f"Aktør flyttet: {g.label_of(before, key)}")


def remove_actor(key: str) -> Edit:
    return Edit("actor_removed", lambda doc: g.remove_actor(doc, key),
                lambda before, _after: f"Aktør fjernet: {g.label_of(before, key)}")


def couple(coupling: dict[str, Any]) -> Edit:
    return Edit("coupling_added", lambda doc: g.couple(doc, coupling),
                lambda before, _after: "Kobling tilføjet: "
                + _pair(before, coupling["source"], coupling["target"]))


def change_coupling(a: str, b: str, fields: dict[str, Any]) -> Edit:
    def summary(before: Doc, after: Doc) -> str:
        old, new = g.find_coupling(before, a, b), g.find_coupling(after, a, b)
        words = []
        for name in _changed(old, new, fields):
            if name == "state":
                words.append(f"status {STATE_WORDS.get(str(old.get('state')), '')} → "
                             f"{STATE_WORDS.get(str(new.get('state')), '')}")
            elif name == "agreements":
                words.append("aftaler")
            else:
                words.append(FIELD_WORDS.get(name, name))
        return f"Kobling ændret: {_pair(before, a, b)}: " + ", ".join(words)

    return Edit("coupling_changed", lambda doc: g.change_coupling(doc, a, b, fields), summary)


def uncouple(a: str, b: str) -> Edit:
    return Edit("coupling_removed", lambda doc: g.uncouple(doc, a, b),
                lambda before, _after: f"Kobling fjernet: {_pair(before, a, b)}")


def add_agreement(a: str, b: str, agreement: dict[str, Any]) -> Edit:
    return Edit("coupling_changed", lambda doc: g.add_agreement(doc, a, b, agreement),
                lambda before, _after: f"Kobling ændret: {_pair(before, a, b)}: "
                "aftale tilføjet")


def set_coordinator(key: str | None) -> Edit:
    def summary(before: Doc, _after: Doc) -> str:
        if key is None:
            was = before.get("coordinator")
            return "Ingen koordinator" + (f" (før: {g.label_of(before, was)})" if was else "")
        return f"Koordinator udpeget: {g.label_of(before, key)}"

    return Edit("coordinator_named", lambda doc: g.set_coordinator(doc, key), summary)


def undo_summary(last: _Event) -> str:
    """What undoing ``last`` is called: undoing an undo brings the change back.

    >>> from types import SimpleNamespace as E
    >>> undo_summary(E(kind="actor_added", summary="Aktør tilføjet: Mentor"))
    'Fortrudt: Aktør tilføjet: Mentor'
    >>> undo_summary(E(kind="undone", summary="Fortrudt: Aktør tilføjet: Mentor"))
    'Gjort igen: Aktør tilføjet: Mentor'
    >>> undo_summary(E(kind="undone", summary="Gjort igen: Aktør tilføjet: Mentor"))
    'Fortrudt: Aktør tilføjet: Mentor'
    """
    if last.kind != "undone":
        return UNDO + last.summary
    if last.summary.startswith(UNDO):
        return REDO + last.summary.removeprefix(UNDO)
    return UNDO + last.summary.removeprefix(REDO)
