"""Comparing two versions of a network: pure, no database."""

from __future__ import annotations

from typing import Any

from app.graph.compare import FieldChange, compare
from app.graph.document import GraphDocument
from app.graph.examples import claus_foer, claus_nu, prototype_1


def _doc(**changes: Any) -> GraphDocument:
    data = prototype_1().model_dump(mode="json", exclude_none=True)
    data.update(changes)
    return GraphDocument.model_validate(data)


def test_compare_claus_before_and_now() -> None:
    diff = compare(claus_foer(), claus_nu())
    assert [a.key for a in diff.actors_added] == ["koordinator"]
    assert diff.actors_removed == []
    assert diff.coordinator_before is None and diff.coordinator_after == "koordinator"
    assert diff.coordinator_changed
    added = {c.pair for c in diff.couplings_added}
    assert frozenset({"koordinator", "uu"}) in added and len(added) == 5
    removed = {c.pair for c in diff.couplings_removed}
    assert removed == {frozenset({"claus", "ydelse"}), frozenset({"uu", "rusmiddel"}),
                       frozenset({"rusmiddel", "forsorg"})}
    uu_ydelse = next(c for c in diff.couplings_changed if {c.source, c.target} == {"uu", "ydelse"})
    assert (uu_ydelse.state_before, uu_ydelse.state_after) == ("needed", "weak")
    assert FieldChange(field="state", before="needed", after="weak") in uu_ydelse.changes
    assert diff.case_changes == [
        FieldChange(field="label", before="Claus, 22 (før)", after="Claus, 22 (nu)")]


def test_compare_actor_fields_old_and_new() -> None:
    diff = compare(claus_foer(), claus_nu())
    uu = next(a for a in diff.actors_changed if a.key == "uu")
    assert FieldChange(field="organisation", before="Job og Uddannelse",
                       after="Unge, Uddannelse og Job") in uu.changes
    assert all(c.field != "key" for a in diff.actors_changed for c in a.changes)


def test_compare_same_document_is_empty() -> None:
    diff = compare(claus_nu(), claus_nu())
    assert diff.is_empty() and not diff.coordinator_changed


def test_compare_is_undirected_for_couplings() -> None:
    before = prototype_1()
    data = before.model_dump(mode="json", exclude_none=True)
    for coupling in data["couplings"]:
        coupling["source"], coupling["target"] = coupling["target"], coupling["source"]
    assert compare(before, GraphDocument.model_validate(data)).is_empty()


def test_compare_reversed_swaps_added_and_removed() -> None:
    diff = compare(claus_nu(), claus_foer())
    assert [a.key for a in diff.actors_removed] == ["koordinator"]
    assert diff.actors_added == []
    assert diff.coordinator_before == "koordinator" and diff.coordinator_after is None


def test_compare_optional_field_set_and_cleared() -> None:
    before = prototype_1()
    data = before.model_dump(mode="json", exclude_none=True)
    data["actors"][1]["contact"] = "tlf. 8940 2000"
    del data["actors"][2]["ring"]
    diff = compare(before, GraphDocument.model_validate(data))
    changes = {a.key: a.changes for a in diff.actors_changed}
    assert changes == {
        "job": [FieldChange(field="contact", before=None, after="tlf. 8940 2000")],
        "mentor": [FieldChange(field="ring", before=2, after=None)],
    }


def test_compare_agreements_added_and_removed() -> None:
    before = _doc()
    data = before.model_dump(mode="json", exclude_none=True)
    data["couplings"][0]["agreements"] = [{"who": "job", "what": "Ringer til Maja"}]
    after = GraphDocument.model_validate(data)
    change = compare(before, after).couplings_changed[0]
    assert [g.what for g in change.agreements_added] == ["Ringer til Maja"]
    assert change.changes == [] and change.state_before == change.state_after
    back = compare(after, before).couplings_changed[0]
    assert [g.what for g in back.agreements_removed] == ["Ringer til Maja"]


def test_compare_serialises_to_json() -> None:
    body = compare(claus_foer(), claus_nu()).model_dump(mode="json")
    assert body["coordinator_changed"] is True
    assert body["actors_added"][0]["key"] == "koordinator"
