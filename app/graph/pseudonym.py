"""Pseudonymisation: a copy of a document that can leave the team.

What a data-protection officer would expect of a map shown outside the team
(teaching, a steering group, a research partner) is that the private persons in
it are known by their role only, while the professional structure, which is the
point of the map, stays readable. So:

* **Replaced**: the citizen's label and key (``"Borger"``, ``"borger"``), each
  network person's label and key (``"Netværk 1"``, ``"netvaerk-1"``... in
  document order) and the case label (``"Borgerforløb"``). Keys are replaced
  too because they are often names (``claus``, ``mor``); couplings,
  agreements and the coordinator follow the new keys.
* **Cleared**: for the citizen and network persons every descriptive field
  (profession, organisation, contribution, contact), since any of them can
  point at the person; for everyone the ``contact``, which is not needed
  outside the team and may be a private phone number.
* **Kept**: kinds, sectors, panels, rings, the professionals', organisations'
  and volunteers' labels and fields (roles, not private persons), the target
  group, coupling states, topics and agreements with their due dates.
* **Scrubbed**: kept free text (topics, agreements, contributions, labels) can
  still name a person ("Claus er skrevet op"), so every whole-word occurrence
  of a replaced label is replaced by its pseudonym. This catches the names the
  document knows, not a nickname or a name typed only in free text; the
  caseworker remains responsible for what free text says.

The result is validated like any document (a pseudonymised document is a
document), and the same document always gives the same pseudonyms.

The role names are Danish, marked for the catalogue with a context (``NC_``), and said
in the caller's language through the :class:`~app.graph.words.Words` it passes (the
library reads no catalogue); the keys are made from them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from app.graph.document import LIMITS, GraphDocument, first_free, parse_document
from app.graph.errors import NC_, words
from app.graph.words import DANISH, Words

__all__ = ["CASE", "CITIZEN", "CONTEXT", "NETWORK", "pseudonymise"]

#: The catalogue's context of the role names: "Borgerforløb" here is one citizen's case
#: (in English "Citizen's case"), where the menu's "Borgerforløb" is all of them ("Cases").
CONTEXT = "pseudonym"
CITIZEN = NC_("pseudonym", "Borger")
NETWORK = NC_("pseudonym", "Netværk %(n)s")
CASE = NC_("pseudonym", "Borgerforløb")

_PLAIN = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa"})

_PRIVATE_FIELDS = ("profession", "organisation", "contribution", "contact")
_TEXT_FIELDS = ("label", "profession", "sector", "organisation", "contribution")


def _said(say: Words, template: str, number: int) -> str:
    """A numbered role name ("Netværk 2") in the language of ``say``."""
    return words(say.in_context(CONTEXT, template), {"n": number})


def _scrubber(names: dict[str, str]) -> Callable[[str], str]:
    """Replace each whole-word, case-insensitive occurrence of a name by its pseudonym.

    Longest names first, so "Mor (borger)" is replaced before "Mor".
    """
    if not names:
        return lambda text: text
    ordered = sorted(names, key=len, reverse=True)
    pattern = re.compile(
        r"(?<!\w)(?:" + "|".join(re.escape(name) for name in ordered) + r")(?!\w)",
        re.IGNORECASE,
    )
    lowered = {name.casefold(): pseudonym for name, pseudonym in names.items()}
    return lambda text: pattern.sub(lambda m: lowered.get(m.group(0).casefold(), "…"), text)


def _key(label: str, taken: set[str]) -> str:
    """A pseudonym's key, made from its role name in plain letters, as the keys of
    pseudonyms have always been ("Netværk 1" is ``netvaerk-1``, "Citizen" ``citizen``);
    unique among ``taken``, which gets it.

    >>> _key("Netværk 1", {"netvaerk-1"})
    'netvaerk-1-2'
    """
    base = re.sub(r"[^\w.-]+", "-", label.casefold().translate(_PLAIN)).strip("-.") or "aktoer"
    key = first_free(base, taken)
    taken.add(key)
    return key


def pseudonymise(doc: GraphDocument, *, words: Words = DANISH) -> GraphDocument:
    """A copy of ``doc`` where the citizen and network persons are known by role only.

    See the module docstring for exactly what is replaced, cleared, kept and
    scrubbed, and why.

    Parameters
    ----------
    doc : GraphDocument
        The document to pseudonymise; it is not changed.
    words : Words
        The language of the role names (``"Borger"``, or ``"Citizen"`` from the
        English catalogue); the keys are made from them.

    Returns
    -------
    GraphDocument
        A new, validated document.

    Examples
    --------
    >>> from app.graph.examples import prototype_2
    >>> doc = pseudonymise(prototype_2())
    >>> doc.label, [(a.key, a.label) for a in doc.actors if a.kind in ("citizen", "network")]
    ('Borgerforløb', [('borger', 'Borger'), ('netvaerk-1', 'Netværk 1')])
    >>> [(c.source, c.target) for c in doc.couplings][:3]
    [('borger', 'uu'), ('borger', 'raadgiver'), ('borger', 'netvaerk-1')]
    >>> english = {"Borger": "Citizen"}
    >>> pseudonymise(prototype_2(), words=Words("en", say_in=lambda _c, t: english.get(t))
    ...              ).citizen.key
    'citizen'
    """
    private = [a for a in doc.actors if a.kind in ("citizen", "network")]
    taken = {a.key for a in doc.actors} - {a.key for a in private}

    new_key: dict[str, str] = {}
    new_label: dict[str, str] = {}
    number = 0
    for actor in private:
        if actor.kind == "citizen":
            new_label[actor.key] = words.in_context(CONTEXT, CITIZEN)
        else:
            number += 1
            new_label[actor.key] = _said(words, NETWORK, number)
        new_key[actor.key] = _key(new_label[actor.key], taken)

    scrub_text = _scrubber({a.label: new_label[a.key] for a in private})

    def scrub(text: str | None, limit: int) -> str | None:
        return None if text is None else scrub_text(text)[:limit]

    actors: list[dict[str, Any]] = []
    for actor in doc.actors:
        data = actor.model_dump()
        data["contact"] = None
        if actor.key in new_key:
            data.update(key=new_key[actor.key], label=new_label[actor.key],
                        **dict.fromkeys(_PRIVATE_FIELDS))
        else:
            for name in _TEXT_FIELDS:
                limit = LIMITS.long_text if name == "contribution" else LIMITS.text
                data[name] = scrub(data[name], limit)
        actors.append(data)

    couplings: list[dict[str, Any]] = []
    for coupling in doc.couplings:
        data = coupling.model_dump()
        data["source"] = new_key.get(coupling.source, coupling.source)
        data["target"] = new_key.get(coupling.target, coupling.target)
        data["topic"] = scrub(coupling.topic, LIMITS.long_text)
        for agreement in data["agreements"]:
            agreement["who"] = new_key.get(agreement["who"], agreement["who"])
            agreement["what"] = scrub(agreement["what"], LIMITS.long_text)
        couplings.append(data)

    coordinator = doc.coordinator
    return parse_document({
        "label": words.in_context(CONTEXT, CASE),
        "target_group": doc.target_group,
        "actors": actors,
        "couplings": couplings,
        "coordinator": new_key.get(coordinator, coordinator) if coordinator else None,
    })
