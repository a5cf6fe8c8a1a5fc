"""Bring a document stored under older, looser rules up to today's rules.

Migration 0010 runs this over every stored document (each version in the history and
every snapshot) and the rows beside them, so that nothing stored stops being readable
when the rules get stricter:

- an actor key that is not safe in a URL (``.``, ``..``, only dots and hyphens) gets a
  new key, the same for the same old key wherever it appears (couplings, agreements,
  the coordinator), so the versions of a case still compare;
- invisible characters (zero-width spaces, direction overrides) are taken out of texts;
- a text that the stricter CPR check recognises has the number replaced by
  ``[CPR fjernet]``: Kuvert must never store one.

Pure functions on JSON-like dicts, so the migration need not know the models.
"""

from __future__ import annotations

import re
from typing import Any

from app.graph.document import KEY_PATTERN, first_free
from app.graph.text import _CPR, _INVISIBLE, normalise_for_cpr

__all__ = ["REDACTED", "clean_document", "clean_text", "safe_key"]

_KEY = re.compile(KEY_PATTERN)
_TEXT_FIELDS = ("label", "profession", "sector", "organisation", "contribution", "contact")
REDACTED = "[CPR fjernet]"


def safe_key(key: str, taken: set[str]) -> str:
    """``key`` if it is safe, else a new readable key not in ``taken`` (which gets it).

    >>> safe_key("..", {"claus"})
    'punktum_punktum'
    >>> safe_key("uu", set())
    'uu'
    """
    if _KEY.match(key):
        return key
    base = "_".join({".": "punktum", "-": "streg"}.get(ch, "tegn") for ch in key)[:56] or "aktoer"
    new = first_free(base, taken, sep="_")
    taken.add(new)
    return new


def clean_text(value: Any) -> Any:
    """``value`` without invisible characters and with any CPR number blanked out."""
    if not isinstance(value, str):
        return value
    cleaned = _INVISIBLE.sub("", value)
    if _CPR.search(normalise_for_cpr(cleaned)):
        cleaned = _CPR.sub(REDACTED, normalise_for_cpr(cleaned))
    return cleaned


def clean_document(doc: dict[str, Any], renames: dict[str, str]) -> dict[str, Any]:
    """A cleaned copy of ``doc``; ``renames`` (old key -> new key) is used and extended,
    so passing the same dict for every version of one case renames consistently."""
    out = dict(doc)
    actors = [dict(a) for a in doc.get("actors", []) if isinstance(a, dict)]
    taken: set[str] = {a["key"] for a in actors if isinstance(a.get("key"), str)}
    taken |= set(renames.values())

    def rename(key: Any) -> Any:
        if not isinstance(key, str):
            return key
        if key not in renames:
            new = safe_key(key, taken)
            if new != key:
                renames[key] = new
        return renames.get(key, key)

    for actor in actors:
        actor["key"] = rename(actor.get("key"))
        for field in _TEXT_FIELDS:
            if field in actor:
                actor[field] = clean_text(actor[field])
    out["actors"] = actors
    couplings = []
    for c in doc.get("couplings", []):
        coupling = dict(c)
        coupling["source"] = rename(c.get("source"))
        coupling["target"] = rename(c.get("target"))
        if "topic" in coupling:
            coupling["topic"] = clean_text(coupling["topic"])
        coupling["agreements"] = [
            {**a, "who": rename(a.get("who")), "what": clean_text(a.get("what"))}
            for a in c.get("agreements", []) or []
        ]
        if "agreements" not in c:
            del coupling["agreements"]
        couplings.append(coupling)
    if "couplings" in doc:
        out["couplings"] = couplings
    if doc.get("coordinator") is not None:
        out["coordinator"] = rename(doc["coordinator"])
    if "label" in doc:
        out["label"] = clean_text(doc["label"])
    return out
