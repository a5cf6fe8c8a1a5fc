"""Small edits of a graph document: pure functions from a document to a new document.

Every function takes the document as JSON (``dict``), leaves it untouched and returns
the changed copy; whether the result is a *valid* document is checked afterwards, as a
whole, by :func:`app.graph.document.parse_document`. An edit that cannot be made
(an actor that is not there, two actors coupled twice) raises :class:`NoSuchPart` or
:class:`EditRefused`; the service layer turns them into 404 and 409.

>>> doc = {"label": "Claus", "target_group": "unge", "couplings": [],
...        "actors": [{"key": "claus", "kind": "citizen", "label": "Claus"}]}
>>> doc = add_actor(doc, {"kind": "professional", "label": "UU-vejleder"})
>>> doc = couple(doc, {"source": "claus", "target": "uu-vejleder"})
>>> doc = set_coordinator(doc, "uu-vejleder")
>>> [a["key"] for a in doc["actors"]], doc["coordinator"]
(['claus', 'uu-vejleder'], 'uu-vejleder')
>>> remove_actor(doc, "uu-vejleder")["couplings"]
[]
"""

from __future__ import annotations

import re
from typing import Any

from app.graph.document import first_free
from app.graph.errors import N_, GraphError

__all__ = [
    "EditRefused",
    "NoSuchPart",
    "add_actor",
    "add_agreement",
    "change_actor",
    "change_coupling",
    "clone",
    "couple",
    "find_actor",
    "find_coupling",
    "label_of",
    "move_actor",
    "new_key",
    "remove_actor",
    "set_coordinator",
    "uncouple",
]

Doc = dict[str, Any]

#: The fields of an actor a caseworker may change after adding it (not key, not kind).
ACTOR_FIELDS = ("label", "profession", "sector", "organisation", "panel", "ring",
                "contribution", "contact")
#: The fields of a coupling besides its two ends and its agreements.
COUPLING_FIELDS = ("state", "topic")


class NoSuchPart(GraphError):
    """The edit names an actor or coupling the document does not have."""

    code = "not_found"


class EditRefused(GraphError):
    """The edit contradicts the document as it is (a second coupling of one pair, ...)."""

    code = "conflict"


def clone(value: Any) -> Any:
    """A copy of a JSON value that shares nothing mutable with it.

    ``copy.deepcopy`` does the same for any object, at several times the cost (it keeps a
    memo for cycles a JSON document cannot have): it was a tenth of an edit's time.

    >>> doc = {"actors": [{"key": "a", "ring": 1}]}
    >>> new = clone(doc)
    >>> new["actors"][0]["ring"] = 2
    >>> doc == {"actors": [{"key": "a", "ring": 1}]}, new == doc
    (True, False)
    """
    if isinstance(value, dict):
        return {k: clone(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clone(v) for v in value]
    return value


def _copy(doc: Doc) -> Doc:
    new: Doc = clone(doc)
    new.setdefault("actors", [])
    new.setdefault("couplings", [])
    return new


def find_actor(doc: Doc, key: str) -> dict[str, Any]:
    """The actor with ``key`` (the document's own dict, not a copy).

    Raises
    ------
    NoSuchPart
        When no actor has that key.

    Examples
    --------
    >>> find_actor({"actors": [{"key": "a", "label": "A"}]}, "a")["label"]
    'A'
    >>> find_actor({"actors": []}, "b")
    Traceback (most recent call last):
    ...
    app.graph.edit.NoSuchPart: Aktøren «b» findes ikke i borgerforløbet.
    """
    for actor in doc.get("actors", []):
        if actor["key"] == key:
            return actor  # type: ignore[no-any-return]
    raise NoSuchPart(N_("Aktøren «%(key)s» findes ikke i borgerforløbet."), key=key)


def label_of(doc: Doc, key: str) -> str:
    """What an actor is called, for people: its label, or the key if it has none.

    >>> label_of({"actors": [{"key": "uu", "label": "UU-vejleder"}]}, "uu")
    'UU-vejleder'
    >>> label_of({"actors": []}, "gone")
    'gone'
    """
    for actor in doc.get("actors", []):
        if actor["key"] == key:
            return str(actor.get("label") or key)
    return key


def find_coupling(doc: Doc, a: str, b: str) -> dict[str, Any]:
    """The coupling between ``a`` and ``b``, found in either order.

    >>> doc = {"couplings": [{"source": "a", "target": "b", "state": "weak"}]}
    >>> find_coupling(doc, "b", "a")["state"]
    'weak'
    """
    for coupling in doc.get("couplings", []):
        if {coupling["source"], coupling["target"]} == {a, b}:
            return coupling  # type: ignore[no-any-return]
    raise NoSuchPart(N_("Der er ingen kobling mellem «%(a)s» og «%(b)s»."),
                     a=label_of(doc, a), b=label_of(doc, b))


def new_key(label: str, taken: set[str] | frozenset[str]) -> str:
    """A readable key from a label, unique among ``taken``.

    Keys appear in addresses, so only letters, digits, ``-``, ``_`` and ``.`` are kept,
    and never a key of dots only.

    Examples
    --------
    >>> new_key("UU-vejleder", set())
    'uu-vejleder'
    >>> new_key("Psykolog", {"psykolog", "psykolog-2"})
    'psykolog-3'
    >>> new_key("..", set())
    'aktoer'
    """
    base = re.sub(r"[^\w.-]+", "-", label.casefold()).strip("-.")[:40].strip("-.") or "aktoer"
    return first_free(base, taken)


def add_actor(doc: Doc, actor: dict[str, Any]) -> Doc:
    """Add ``actor``; without a ``key`` it gets a new one made from its label.

    Raises
    ------
    EditRefused
        When the given key is taken.

    Examples
    --------
    >>> doc = {"actors": [{"key": "psykolog", "kind": "professional", "label": "Psykolog"}]}
    >>> add_actor(doc, {"kind": "professional", "label": "Psykolog"})["actors"][1]["key"]
    'psykolog-2'
    >>> len(doc["actors"])  # the document given is not changed
    1
    """
    new = _copy(doc)
    taken = {a["key"] for a in new["actors"]}
    added = {k: v for k, v in actor.items() if v is not None}
    if "key" not in added:
        added["key"] = new_key(str(added.get("label", "")), taken)
    elif added["key"] in taken:
        raise EditRefused(N_("Der findes allerede en aktør med nøglen «%(key)s»."),
                          key=added["key"])
    new["actors"].append(added)
    return new


def change_actor(doc: Doc, key: str, fields: dict[str, Any]) -> Doc:
    """Set the actor's ``fields``; a value of ``None`` clears the field.

    >>> doc = {"actors": [{"key": "a", "kind": "network", "label": "A", "contact": "x"}]}
    >>> change_actor(doc, "a", {"label": "Mor", "contact": None})["actors"][0]
    {'key': 'a', 'kind': 'network', 'label': 'Mor'}
    """
    new = _copy(doc)
    actor = find_actor(new, key)
    for name, value in fields.items():
        if value is None:
            actor.pop(name, None)
        else:
            actor[name] = value
    return new


def move_actor(doc: Doc, key: str, panel: str | None, ring: int | None) -> Doc:
    """Move an actor to another part of the envelope and distance from the citizen.

    >>> doc = {"actors": [{"key": "a", "kind": "network", "label": "A", "ring": 1}]}
    >>> move_actor(doc, "a", "netvaerk", 3)["actors"][0]
    {'key': 'a', 'kind': 'network', 'label': 'A', 'ring': 3, 'panel': 'netvaerk'}
    """
    return change_actor(doc, key, {"panel": panel, "ring": ring})


def remove_actor(doc: Doc, key: str) -> Doc:
    """Remove an actor with its couplings and agreements; if it coordinated, nobody does.

    Raises
    ------
    EditRefused
        For the citizen: a case is always about its citizen.

    Examples
    --------
    >>> doc = {"coordinator": "b", "actors": [
    ...     {"key": "a", "kind": "citizen", "label": "A"},
    ...     {"key": "b", "kind": "professional", "label": "B"}],
    ...     "couplings": [{"source": "a", "target": "b", "agreements": []}]}
    >>> remove_actor(doc, "b")
    {'actors': [{'key': 'a', 'kind': 'citizen', 'label': 'A'}], 'couplings': []}
    """
    new = _copy(doc)
    actor = find_actor(new, key)
    if actor.get("kind") == "citizen":
        raise EditRefused(N_("Borgeren kan ikke fjernes fra sit eget forløb."))
    new["actors"].remove(actor)
    new["couplings"] = [c for c in new["couplings"] if key not in (c["source"], c["target"])]
    for coupling in new["couplings"]:
        coupling["agreements"] = [g for g in coupling.get("agreements", []) if g["who"] != key]
    if new.get("coordinator") == key:
        new.pop("coordinator")
    return new


def couple(doc: Doc, coupling: dict[str, Any]) -> Doc:
    """Couple two actors; a pair is coupled at most once, in either order.

    >>> doc = {"couplings": [{"source": "a", "target": "b"}]}
    >>> couple(doc, {"source": "b", "target": "a"})
    Traceback (most recent call last):
    ...
    app.graph.edit.EditRefused: «b» og «a» er allerede koblet.
    """
    new = _copy(doc)
    pair = {coupling["source"], coupling["target"]}
    if len(pair) == 2 and any({c["source"], c["target"]} == pair for c in new["couplings"]):
        raise EditRefused(N_("«%(a)s» og «%(b)s» er allerede koblet."),
                          a=label_of(new, coupling["source"]), b=label_of(new, coupling["target"]))
    new["couplings"].append({k: v for k, v in coupling.items() if v is not None})
    return new


def change_coupling(doc: Doc, a: str, b: str, fields: dict[str, Any]) -> Doc:
    """Set fields of the coupling between ``a`` and ``b``; ``None`` clears one.

    >>> doc = {"couplings": [{"source": "a", "target": "b", "state": "needed"}]}
    >>> change_coupling(doc, "b", "a", {"state": "weak"})["couplings"]
    [{'source': 'a', 'target': 'b', 'state': 'weak'}]
    """
    new = _copy(doc)
    coupling = find_coupling(new, a, b)
    for name, value in fields.items():
        if value is None:
            coupling.pop(name, None)
        else:
            coupling[name] = value
    return new


def uncouple(doc: Doc, a: str, b: str) -> Doc:
    """Remove the coupling between ``a`` and ``b`` with its agreements.

    >>> uncouple({"couplings": [{"source": "a", "target": "b"}]}, "a", "b")["couplings"]
    []
    """
    new = _copy(doc)
    new["couplings"].remove(find_coupling(new, a, b))
    return new


def set_coordinator(doc: Doc, key: str | None) -> Doc:
    """Name the coordinator, or nobody (``None``).

    >>> doc = {"actors": [{"key": "a", "kind": "professional", "label": "A"}]}
    >>> set_coordinator(doc, "a")["coordinator"]
    'a'
    >>> "coordinator" in set_coordinator({"coordinator": "a"}, None)
    False
    """
    new = _copy(doc)
    if key is None:
        new.pop("coordinator", None)
    else:
        find_actor(new, key)
        new["coordinator"] = key
    return new


def add_agreement(doc: Doc, a: str, b: str, agreement: dict[str, Any]) -> Doc:
    """Write down an agreement (who does what, by when) on the coupling of ``a`` and ``b``.

    >>> doc = {"couplings": [{"source": "a", "target": "b"}]}
    >>> add_agreement(doc, "a", "b", {"who": "a", "what": "Ringer", "due": None})["couplings"]
    [{'source': 'a', 'target': 'b', 'agreements': [{'who': 'a', 'what': 'Ringer'}]}]
    """
    new = _copy(doc)
    coupling = find_coupling(new, a, b)
    coupling.setdefault("agreements", []).append(
        {k: v for k, v in agreement.items() if v is not None})
    return new
