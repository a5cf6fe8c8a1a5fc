"""Pseudonymisation: no private person's name or key leaves the team, the structure does."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from app.graph import examples
from app.graph.document import GraphDocument, parse_document
from app.graph.export import (
    actors_csv,
    couplings_csv,
    to_cytoscape,
    to_dot,
    to_gexf,
    to_graphml,
    to_node_link,
)
from app.graph.pseudonym import pseudonymise
from app.i18n import words_for

EXPORTS: dict[str, Callable[[GraphDocument], Any]] = {
    "node-link": to_node_link, "cytoscape": to_cytoscape, "graphml": to_graphml,
    "gexf": to_gexf, "dot": to_dot, "actors-csv": actors_csv, "couplings-csv": couplings_csv,
}


def _text(result: Any) -> str:
    if isinstance(result, dict):
        return json.dumps(result, ensure_ascii=False)
    return result.decode("utf-8") if isinstance(result, bytes) else str(result)


def _private(doc: GraphDocument) -> list[str]:
    """Every name and key of the citizen and network persons, and the case label."""
    found = [doc.label]
    for actor in doc.actors:
        if actor.kind in ("citizen", "network"):
            found += [actor.label, actor.key]
            found += [v for v in (actor.contribution, actor.contact, actor.organisation) if v]
    return found


def _mentions(text: str, word: str) -> bool:
    return re.search(r"(?<!\w)" + re.escape(word) + r"(?!\w)", text, re.IGNORECASE) is not None


@pytest.mark.parametrize("name", list(examples.EXAMPLES))
@pytest.mark.parametrize("export", list(EXPORTS))
def test_pseudonymise_leaves_no_private_name_in_any_export(name: str, export: str) -> None:
    original = examples.EXAMPLES[name]()
    text = _text(EXPORTS[export](pseudonymise(original)))
    for word in _private(original):
        assert not _mentions(text, word), (word, export)


@pytest.mark.parametrize("name", list(examples.EXAMPLES))
def test_pseudonymise_replaces_citizen_and_network_by_role(name: str) -> None:
    original = examples.EXAMPLES[name]()
    doc = pseudonymise(original)
    assert doc.label == "Borgerforløb"
    assert (doc.citizen.key, doc.citizen.label) == ("borger", "Borger")
    network = [(a.key, a.label) for a in doc.actors if a.kind == "network"]
    assert network == [(f"netvaerk-{i}", f"Netværk {i}") for i in range(1, len(network) + 1)]
    assert len(network) == sum(a.kind == "network" for a in original.actors)
    for actor in doc.actors:
        assert actor.contact is None
        if actor.kind in ("citizen", "network"):
            assert actor.contribution is actor.profession is actor.organisation is None


@pytest.mark.parametrize("name", list(examples.EXAMPLES))
def test_pseudonymise_keeps_the_professional_structure(name: str) -> None:
    original = examples.EXAMPLES[name]()
    doc = pseudonymise(original)
    assert doc.target_group == original.target_group
    assert [(a.kind, a.sector, a.panel, a.ring) for a in doc.actors] == [
        (a.kind, a.sector, a.panel, a.ring) for a in original.actors]
    kept = [a for a in original.actors if a.kind not in ("citizen", "network")]
    assert [(a.key, a.label, a.profession, a.organisation) for a in kept] == [
        (a.key, a.label, a.profession, a.organisation)
        for a in doc.actors if a.kind not in ("citizen", "network")]
    assert [(c.state, len(c.agreements)) for c in doc.couplings] == [
        (c.state, len(c.agreements)) for c in original.couplings]
    assert [[(a.what, a.due) for a in c.agreements] for c in doc.couplings] == [
        [(a.what, a.due) for a in c.agreements] for c in original.couplings]
    renamed = {a.key: b.key for a, b in zip(original.actors, doc.actors, strict=True)}
    assert [(c.source, c.target) for c in doc.couplings] == [
        (renamed[c.source], renamed[c.target]) for c in original.couplings]
    assert doc.coordinator == (renamed[original.coordinator] if original.coordinator else None)


def test_pseudonymise_scrubs_names_from_kept_free_text() -> None:
    doc = pseudonymise(examples.claus_foer())
    assert doc.actor("forsorg").contribution == "Midlertidig forsorgsbolig; Borger er skrevet op."


def _family() -> GraphDocument:
    return parse_document({
        "label": "Claus, 22",
        "target_group": "unge",
        "actors": [
            {"key": "claus", "kind": "citizen", "label": "Claus", "contact": "22 33 44 55"},
            {"key": "borger", "kind": "professional", "label": "Borgerrådgiver",
             "contact": "Rådhuset"},
            {"key": "mor", "kind": "network", "label": "Mor", "organisation": "Netto",
             "contribution": "Henter Claus om fredagen"},
            {"key": "moster", "kind": "network", "label": "Moster Ulla"},
        ],
        "couplings": [
            {"source": "mor", "target": "borger", "topic": "MOR og Moster Ulla deltager",
             "agreements": [{"who": "mor", "what": "Mor ringer til claus"}]},
            {"source": "claus", "target": "moster"},
        ],
        "coordinator": "mor",
    })


def test_pseudonymise_rekeys_couplings_agreements_and_coordinator() -> None:
    doc = pseudonymise(_family())
    assert [a.key for a in doc.actors] == ["borger-2", "borger", "netvaerk-1", "netvaerk-2"]
    assert doc.coordinator == "netvaerk-1"
    first = doc.couplings[0]
    assert (first.source, first.target) == ("netvaerk-1", "borger")
    assert first.topic == "Netværk 1 og Netværk 2 deltager"
    assert first.agreements[0].who == "netvaerk-1"
    assert first.agreements[0].what == "Netværk 1 ringer til Borger"
    assert doc.actor("borger").label == "Borgerrådgiver"  # a word containing a name stays


def test_pseudonymise_in_english() -> None:
    """The role names come from the English catalogue, the keys from the role names."""
    doc = pseudonymise(_family(), words=words_for("en"))
    assert doc.label == "Citizen's case"
    assert [(a.key, a.label) for a in doc.actors if a.kind in ("citizen", "network")] == [
        ("citizen", "Citizen"), ("network-1", "Network 1"), ("network-2", "Network 2")]


def test_pseudonymise_is_deterministic_and_leaves_the_original() -> None:
    original = _family()
    before = original.model_dump()
    assert pseudonymise(original) == pseudonymise(original)
    assert original.model_dump() == before
    twice = pseudonymise(pseudonymise(original))
    assert [a.label for a in twice.actors] == [a.label for a in pseudonymise(original).actors]
