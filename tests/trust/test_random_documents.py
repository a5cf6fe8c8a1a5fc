"""Random graph documents, valid and broken, thrown at every endpoint that takes one.

Valid documents follow every rule of the graph document (README, "The graph
document"); broken ones break exactly one. Valid ones are classified, analysed,
drawn and stored, and the stored graph reads back as sent, normalised (texts
stripped, blank optional texts absent). Broken ones get 422 with ``problems``
naming the offending field, and the case's graph and ETag stay as they were.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.graph.document import (
    ACTOR_KINDS,
    COUPLING_STATES,
    LIMITS,
    PANELS,
    TARGET_GROUPS,
    GraphDocument,
    looks_like_cpr,
)
from app.graph.examples import claus_foer
from tests.helpers.clients import Api
from tests.trust import figures

Doc = dict[str, Any]

BOUNDED = settings(max_examples=40, deadline=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture,
                                          HealthCheck.too_slow])
STATELESS = ("/api/v1/classify", "/api/v1/analyse", "/api/v1/render.svg")

# Any printable text, padded now and then with whitespace the API must strip.
_letters = st.characters(codec="utf-8", categories=("L", "M", "N", "P", "S", "Zs"))
_pad = st.sampled_from(["", " ", "  ", "\t", "\n "])


def _padded(core: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(_pad, core, _pad).map("".join)


def _text(max_size: int) -> st.SearchStrategy[str]:
    core = st.text(_letters, min_size=1, max_size=max_size).filter(
        lambda t: t.strip() == t and not looks_like_cpr(t))
    return _padded(core)


_keys = st.text("abcdefghijklmnopqrstuvwxyzæøå0123456789_.-", min_size=1, max_size=12).filter(
    lambda key: any(ch.isalnum() or ch == "_" for ch in key))  # never only dots and hyphens
_short = _text(40)
_long = _text(120)
_blank = st.sampled_from(["", "   ", None])
_dates = st.dates().map(lambda d: d.isoformat())


def _optional(values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A value, a blank that means "absent", or nothing at all (``...``)."""
    return st.one_of(st.just(...), _blank, values)


def _put(target: Doc, name: str, value: Any) -> None:
    if value is not ...:
        target[name] = value


@st.composite
def _actor(draw: st.DrawFn, key: str, kind: str) -> Doc:
    actor: Doc = {"key": draw(_padded(st.just(key))), "kind": kind, "label": draw(_short)}
    for name in ("profession", "sector", "organisation", "contact"):
        _put(actor, name, draw(_optional(_short)))
    _put(actor, "contribution", draw(_optional(_long)))
    _put(actor, "panel", draw(st.one_of(st.just(...), st.none(), st.sampled_from(PANELS))))
    _put(actor, "ring", draw(st.one_of(st.just(...), st.none(), st.integers(1, 3))))
    return actor


@st.composite
def valid_documents(draw: st.DrawFn) -> Doc:
    keys = draw(st.lists(_keys, min_size=2, max_size=8, unique=True))
    others = [k for k in ACTOR_KINDS if k != "citizen"]
    actors = [draw(_actor(keys[0], "citizen"))]
    actors += [draw(_actor(k, draw(st.sampled_from(others)))) for k in keys[1:]]
    draw(st.randoms(use_true_random=False)).shuffle(actors)
    pairs = draw(st.lists(st.sampled_from(list(itertools.combinations(keys, 2))),
                          max_size=10, unique=True))
    couplings = []
    for a, b in pairs:
        source, target = (a, b) if draw(st.booleans()) else (b, a)
        coupling: Doc = {"source": source, "target": target}
        _put(coupling, "state", draw(st.one_of(st.just(...), st.sampled_from(COUPLING_STATES))))
        _put(coupling, "topic", draw(_optional(_long)))
        agreements = []
        for _ in range(draw(st.integers(0, 2))):
            agreement: Doc = {"who": draw(st.sampled_from(keys)), "what": draw(_long)}
            _put(agreement, "due", draw(st.one_of(st.just(...), st.none(), _dates)))
            agreements.append(agreement)
        if agreements or draw(st.booleans()):
            coupling["agreements"] = agreements
        couplings.append(coupling)
    doc: Doc = {"label": draw(_short), "target_group": draw(st.sampled_from(TARGET_GROUPS)),
                "actors": actors}
    if couplings or draw(st.booleans()):
        doc["couplings"] = couplings
    _put(doc, "coordinator", draw(st.one_of(st.just(...), st.none(),
                                            st.sampled_from(keys[1:]))))
    return doc


# --- one rule broken at a time -------------------------------------------------

def _key(actor: Doc) -> str:
    return str(actor["key"]).strip()


def _fresh(doc: Doc) -> str:
    return "ny-" + "-".join(sorted(_key(a) for a in doc["actors"]))[:50]


def _citizen(doc: Doc) -> str:
    return next(_key(a) for a in doc["actors"] if a["kind"] == "citizen")


def _not_citizen(doc: Doc) -> str:
    return next(_key(a) for a in doc["actors"] if a["kind"] != "citizen")


@dataclass(frozen=True)
class Breakage:
    """How to break a valid document, and the problem that must name it."""

    name: str
    apply: Callable[[Doc], tuple[str, str]]  # mutates the doc; returns (field, code)


def _two_citizens(doc: Doc) -> tuple[str, str]:
    doc["actors"].append({"key": _fresh(doc), "kind": "citizen", "label": "Også borger"})
    return "actors", "citizen_count"


def _duplicate_key(doc: Doc) -> tuple[str, str]:
    doc["actors"].append({"key": _not_citizen(doc), "kind": "volunteer", "label": "Tvilling"})
    return f"actors[{len(doc['actors']) - 1}].key", "duplicate_key"


def _coupling(doc: Doc, source: str, target: str) -> int:
    doc.setdefault("couplings", []).append({"source": source, "target": target})
    return len(doc["couplings"]) - 1


def _unknown_end(doc: Doc) -> tuple[str, str]:
    i = _coupling(doc, _citizen(doc), _fresh(doc))
    return f"couplings[{i}].target", "unknown_actor"


def _self_coupling(doc: Doc) -> tuple[str, str]:
    key = _not_citizen(doc)
    return f"couplings[{_coupling(doc, key, key)}]", "self_coupling"


def _pair_twice_reversed(doc: Doc) -> tuple[str, str]:
    if not doc.get("couplings"):
        _coupling(doc, _citizen(doc), _not_citizen(doc))
    first = doc["couplings"][0]
    i = _coupling(doc, first["target"], first["source"])
    return f"couplings[{i}]", "duplicate_coupling"


def _coordinator_is_citizen(doc: Doc) -> tuple[str, str]:
    doc["coordinator"] = _citizen(doc)
    return "coordinator", "coordinator_is_citizen"


def _cpr_in_text(doc: Doc) -> tuple[str, str]:
    doc["actors"][0]["label"] = "Kontakt 010203-1234"
    return "actors[0].label", "cpr_number"


def _nul_in_text(doc: Doc) -> tuple[str, str]:
    doc["actors"][0]["label"] = "Nul\x00tegn"  # PostgreSQL cannot store it
    return "actors[0].label", "nul_character"


def _too_long(doc: Doc) -> tuple[str, str]:
    doc["label"] = "x" * (LIMITS.text + 1)
    return "label", "string_too_long"


def _bad_enum(doc: Doc) -> tuple[str, str]:
    doc["actors"][-1]["kind"] = "rumvæsen"
    return f"actors[{len(doc['actors']) - 1}].kind", "literal_error"


BREAKAGES = [Breakage(f.__name__.strip("_"), f) for f in (
    _two_citizens, _duplicate_key, _unknown_end, _self_coupling, _pair_twice_reversed,
    _coordinator_is_citizen, _cpr_in_text, _nul_in_text, _too_long, _bad_enum)]


def broken_documents(breakage: Breakage) -> st.SearchStrategy[tuple[Doc, str, str]]:
    """Valid documents broken in one way: (doc, field, code) of the expected problem."""
    return valid_documents().map(lambda doc: (doc, *breakage.apply(doc)))


# --- the tests -------------------------------------------------------------------

def _normalised(doc: Doc) -> Doc:
    return GraphDocument.model_validate(doc).model_dump(mode="json", exclude_none=True)


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in _texts(v)]
    return []


def _put_graph(api: Api, case_id: int, doc: Doc) -> tuple[Any, str, Any]:
    before = api.get(f"/api/v1/cases/{case_id}/graph")
    etag = before.headers["ETag"]
    response = api.put(f"/api/v1/cases/{case_id}/graph", json=doc, headers={"If-Match": etag})
    return response, etag, before.json()


@pytest.fixture
def case_id(api: Api) -> int:
    """One case per test, shared by all its examples: each builds on the last."""
    return api.create(claus_foer())[0]


@BOUNDED
@given(doc=valid_documents())
def test_valid_documents_are_accepted_and_stored_as_sent(api: Api, case_id: int,
                                                        database_url: str, doc: Doc) -> None:
    for url in STATELESS:
        response = api.post(url, json=doc)
        assert response.status_code == 200, (url, response.text)
    assert api.post("/api/v1/render.svg", json=doc).text.lstrip().startswith("<svg")

    response, etag, before = _put_graph(api, case_id, doc)
    assert response.status_code == 200, response.text
    # A document equal to the stored one changes nothing and makes no version.
    step = 0 if before == _normalised(doc) else 1
    assert response.headers["ETag"] == f'"{int(etag.strip(chr(34))) + step}"'
    stored = api.get(f"/api/v1/cases/{case_id}/graph")
    assert stored.headers["ETag"] == response.headers["ETag"]
    assert stored.json() == response.json() == _normalised(doc)
    assert all(t.strip() == t and t for t in _texts(stored.json()))
    _record(database_url, "valid")


@pytest.mark.parametrize("breakage", BREAKAGES, ids=lambda b: b.name)
def test_broken_documents_are_refused_and_change_nothing(
        api: Api, case_id: int, database_url: str, breakage: Breakage) -> None:
    # Each rule gets its own share of examples: a share of 40 could miss some rules.
    @settings(BOUNDED, max_examples=12)
    @given(broken=broken_documents(breakage))
    def check(broken: tuple[Doc, str, str]) -> None:
        doc, field, code = broken
        for url in STATELESS:
            _assert_refused(api.post(url, json=doc), breakage.name, field, code)
        response, etag, graph_before = _put_graph(api, case_id, doc)
        _assert_refused(response, breakage.name, field, code)
        after = api.get(f"/api/v1/cases/{case_id}/graph")
        assert after.headers["ETag"] == etag
        assert after.json() == graph_before
        _record(database_url, "broken")

    check()


def _record(database_url: str, kind: str) -> None:
    backend = figures.backend_of(database_url)
    figures.count(f"{kind} documents", backend)
    figures.record("random graph documents", backend,
                   f"{figures.counted('valid documents', backend)} valid documents classified, "
                   f"analysed, drawn and stored exactly; "
                   f"{figures.counted('broken documents', backend)} broken ones "
                   f"({len(BREAKAGES)} kinds of breakage) refused with 422 naming the field, "
                   f"nothing changed")


def _assert_refused(response: Any, rule: str, field: str, code: str) -> None:
    assert response.status_code == 422, (rule, response.text)
    problems = response.json()["error"]["problems"]
    assert problems and all(p["field"] and p["code"] and p["message"] for p in problems)
    assert {"field": field, "code": code} in [
        {"field": p["field"], "code": p["code"]} for p in problems], (rule, problems)


