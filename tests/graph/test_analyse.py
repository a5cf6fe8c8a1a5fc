"""Analysis: every warning code firing and not firing, brokers, load and figures."""

from __future__ import annotations

import json
import typing

import pytest

from app.graph import analyse as analyse_module
from app.graph import examples
from app.graph.analyse import WARNING_CODES, Analysis, WarningCode, analyse
from app.graph.build import to_networkx
from app.graph.document import GraphDocument


def _doc(
    actors: dict[str, str],
    couplings: list[tuple[str, str, str]] | None = None,
    coordinator: str | None = None,
) -> GraphDocument:
    """A network from ``{key: kind}``; the key "borger" is the citizen."""
    return GraphDocument.model_validate({
        "label": "Test",
        "target_group": "voksne",
        "actors": [
            {"key": key, "kind": kind, "label": key.capitalize()}
            for key, kind in {"borger": "citizen", **actors}.items()
        ],
        "couplings": [
            {"source": s, "target": t, "state": state} for s, t, state in couplings or []
        ],
        "coordinator": coordinator,
    })


def _found(doc: GraphDocument, code: str) -> list[list[str]]:
    return [w.actors for w in analyse(doc).warnings if w.code == code]


P = "professional"


# citizen_coordinates


def test_analyse_citizen_coordinates_fires_for_claus_foer() -> None:
    assert _found(examples.claus_foer(), "citizen_coordinates") == [
        ["claus", "uu", "ydelse"],
        ["claus", "uu", "rusmiddel"],
        ["claus", "rusmiddel", "forsorg"],
    ]


def test_analyse_citizen_coordinates_silent_for_claus_nu() -> None:
    assert _found(examples.claus_nu(), "citizen_coordinates") == []


def test_analyse_citizen_coordinates_fires_through_longer_path() -> None:
    doc = _doc({"a": P, "x": P, "b": P},
               [("a", "x", "established"), ("x", "borger", "weak"),
                ("borger", "b", "strained"), ("a", "b", "needed")])
    warnings = [w for w in analyse(doc).warnings if w.code == "citizen_coordinates"]
    assert [w.actors for w in warnings] == [["borger", "a", "b"]]
    assert warnings[0].message.startswith("Borger er eneste bindeled mellem «A» og «B»")


def test_analyse_citizen_coordinates_silent_when_linked_around_citizen() -> None:
    doc = _doc({"a": P, "x": P, "b": P},
               [("borger", "a", "established"), ("borger", "b", "established"),
                ("a", "x", "weak"), ("x", "b", "strained"), ("a", "b", "needed")])
    assert _found(doc, "citizen_coordinates") == []


def test_analyse_citizen_coordinates_silent_when_end_unreached() -> None:
    doc = _doc({"a": P, "b": P}, [("borger", "a", "established"), ("a", "b", "needed")])
    assert _found(doc, "citizen_coordinates") == []
    assert _found(doc, "needed_not_established") == [["a", "b"]]


def test_analyse_citizen_coordinates_silent_for_citizen_own_coupling() -> None:
    doc = _doc({"a": P, "b": P},
               [("a", "b", "established"), ("b", "borger", "established"),
                ("borger", "a", "needed")])
    assert _found(doc, "citizen_coordinates") == []


def test_analyse_citizen_coordinates_ignores_needed_paths() -> None:
    doc = _doc({"a": P, "x": P, "b": P},
               [("borger", "a", "established"), ("borger", "b", "established"),
                ("a", "x", "needed"), ("x", "b", "needed"), ("a", "b", "needed")])
    assert ["borger", "a", "b"] in _found(doc, "citizen_coordinates")


# citizen_bridges


def test_analyse_citizen_bridges_fires_without_needed_couplings() -> None:
    doc = _doc({"a": P, "b": P, "c": "organisation"},
               [("borger", "a", "established"), ("borger", "b", "weak"),
                ("borger", "c", "established"), ("b", "c", "established")])
    warnings = [w for w in analyse(doc).warnings if w.code == "citizen_bridges"]
    assert [w.actors for w in warnings] == [["borger", "a", "b", "c"]]
    assert "2 grupper" in warnings[0].message
    assert "«A»; «B», «C»" in warnings[0].message


def test_analyse_citizen_bridges_silent_when_professionals_linked() -> None:
    doc = _doc({"a": P, "b": P},
               [("borger", "a", "established"), ("borger", "b", "established"),
                ("a", "b", "weak")])
    assert _found(doc, "citizen_bridges") == []


def test_analyse_citizen_bridges_ignores_own_network() -> None:
    doc = _doc({"a": P, "mor": "network", "ven": "volunteer"},
               [("borger", "a", "established"), ("borger", "mor", "established"),
                ("borger", "ven", "established")])
    assert _found(doc, "citizen_bridges") == []


def test_analyse_citizen_bridges_fires_for_claus_foer_only() -> None:
    assert _found(examples.claus_foer(), "citizen_bridges") == [
        ["claus", "uu", "ydelse", "rusmiddel", "forsorg"]
    ]
    assert _found(examples.claus_nu(), "citizen_bridges") == []


# no_coordinator


def test_analyse_no_coordinator_fires_when_none_named() -> None:
    doc = _doc({"a": P}, [("borger", "a", "established")])
    assert _found(doc, "no_coordinator") == [[]]


def test_analyse_no_coordinator_silent_when_named() -> None:
    doc = _doc({"a": P}, [("borger", "a", "established")], coordinator="a")
    assert _found(doc, "no_coordinator") == []


def test_analyse_no_coordinator_silent_for_citizen_alone() -> None:
    assert analyse(_doc({})).warnings == []


# coordinator_unreachable


def test_analyse_coordinator_unreachable_fires_for_link_via_citizen() -> None:
    doc = _doc({"k": P, "a": P, "b": "organisation", "mor": "network"},
               [("borger", "k", "established"), ("borger", "a", "established"),
                ("k", "mor", "established"), ("b", "k", "needed")],
               coordinator="k")
    warnings = [w for w in analyse(doc).warnings if w.code == "coordinator_unreachable"]
    assert [w.actors for w in warnings] == [["k", "a", "b"]]
    assert warnings[0].message == (
        "Koordinatoren «K» når ikke «A», «B» gennem eksisterende koblinger uden om Borger."
    )


def test_analyse_coordinator_unreachable_silent_when_reached_around_citizen() -> None:
    doc = _doc({"k": P, "a": P, "b": "organisation", "mor": "network"},
               [("borger", "k", "established"), ("borger", "mor", "weak"),
                ("k", "a", "strained"), ("a", "b", "weak")],
               coordinator="k")
    assert _found(doc, "coordinator_unreachable") == []


def test_analyse_coordinator_unreachable_silent_without_coordinator() -> None:
    doc = _doc({"a": P, "b": P}, [("borger", "a", "established")])
    assert _found(doc, "coordinator_unreachable") == []


# needed_not_established


def test_analyse_needed_not_established_fires_per_coupling_in_document_order() -> None:
    doc = _doc({"a": P, "b": P, "c": P},
               [("c", "b", "needed"), ("a", "b", "established"), ("borger", "a", "needed")])
    assert _found(doc, "needed_not_established") == [["b", "c"], ["borger", "a"]]


def test_analyse_needed_not_established_silent_for_existing_couplings() -> None:
    doc = _doc({"a": P, "b": P},
               [("a", "b", "established"), ("borger", "a", "weak"), ("borger", "b", "strained")])
    assert _found(doc, "needed_not_established") == []


def test_analyse_needed_not_established_names_topic() -> None:
    doc = GraphDocument.model_validate({
        "label": "Test", "target_group": "unge",
        "actors": [{"key": "b", "kind": "citizen", "label": "B"},
                   {"key": "x", "kind": "professional", "label": "X"},
                   {"key": "y", "kind": "professional", "label": "Y"}],
        "couplings": [{"source": "x", "target": "y", "topic": "Bolig under behandling"}],
    })
    (warning,) = [w for w in analyse(doc).warnings if w.code == "needed_not_established"]
    assert warning.message == (
        "«X» og «Y» skal koble sig på hinanden, men koblingen er ikke etableret endnu "
        "(emne: Bolig under behandling)."
    )


# isolated_actor


def test_analyse_isolated_actor_fires_for_uncoupled_actor() -> None:
    doc = _doc({"a": P, "b": "volunteer"}, [("borger", "a", "established")])
    assert _found(doc, "isolated_actor") == [["b"]]


def test_analyse_isolated_actor_silent_for_needed_coupling() -> None:
    doc = _doc({"a": P, "b": P}, [("borger", "a", "established"), ("a", "b", "needed")])
    assert _found(doc, "isolated_actor") == []


def test_analyse_isolated_actor_silent_for_citizen() -> None:
    doc = _doc({"a": P, "b": P}, [("a", "b", "established")])
    assert _found(doc, "isolated_actor") == []


# strained_coupling


def test_analyse_strained_coupling_fires_per_coupling() -> None:
    doc = _doc({"a": P, "b": P},
               [("borger", "a", "strained"), ("a", "b", "established"),
                ("b", "borger", "strained")])
    assert _found(doc, "strained_coupling") == [["borger", "a"], ["borger", "b"]]


def test_analyse_strained_coupling_silent_for_weak() -> None:
    doc = _doc({"a": P}, [("borger", "a", "weak")])
    assert _found(doc, "strained_coupling") == []


# warnings overall


def test_define_warning_codes_for_every_model_code() -> None:
    assert list(WARNING_CODES) == list(typing.get_args(WarningCode))


def test_document_every_warning_code() -> None:
    doc = analyse_module.__doc__ or ""
    for code in WARNING_CODES:
        assert f"``{code}``\n" in doc


def test_analyse_warnings_ordered_by_code() -> None:
    order = list(WARNING_CODES)
    codes = [w.code for w in analyse(examples.claus_foer()).warnings]
    assert codes == sorted(codes, key=order.index)
    assert codes[0] == "citizen_coordinates"
    assert set(codes) == {"citizen_coordinates", "citizen_bridges", "no_coordinator",
                          "needed_not_established", "strained_coupling"}


def test_analyse_claus_nu_has_no_warnings() -> None:
    assert analyse(examples.claus_nu()).warnings == []


# brokers and load


def test_analyse_brokers_score_path_middle() -> None:
    doc = _doc({"a": P, "b": P}, [("borger", "a", "established"), ("a", "b", "weak")])
    brokers = analyse(doc).brokers
    assert [(b.key, b.label, b.score) for b in brokers] == [("a", "A", 1.0)]


def test_analyse_brokers_ignore_needed_couplings() -> None:
    doc = _doc({"a": P, "b": P}, [("borger", "a", "needed"), ("a", "b", "needed")])
    assert analyse(doc).brokers == []


def test_analyse_brokers_sorted_by_score_then_key() -> None:
    # On the path borger - y - x - z the two middle actors score the same; the
    # document lists y first, the key breaks the tie.
    doc = _doc({"y": P, "x": P, "z": P},
               [("borger", "y", "established"), ("y", "x", "established"),
                ("x", "z", "established")])
    brokers = analyse(doc).brokers
    assert [b.key for b in brokers] == ["x", "y"]
    assert brokers[0].score == brokers[1].score == pytest.approx(0.6667)


def test_analyse_brokers_rounded_to_four_decimals() -> None:
    brokers = analyse(examples.prototype_3()).brokers
    assert all(round(b.score, 4) == b.score and b.score > 0 for b in brokers)
    assert [b.key for b in brokers][:2] == ["job", "mor"]
    assert brokers[1].score == 0.1439


def test_analyse_load_counts_all_couplings_in_document_order() -> None:
    doc = _doc({"b": P, "a": P, "c": P},
               [("a", "b", "needed"), ("borger", "a", "strained"), ("a", "c", "weak")])
    load = analyse(doc).load
    assert list(load.items()) == [("borger", 1), ("b", 1), ("a", 3), ("c", 1)]


# figures


def test_analyse_figures_split_own_network_from_professionals() -> None:
    doc = _doc({"a": P, "o": "organisation", "mor": "network", "ven": "volunteer"},
               [("borger", "a", "established"), ("a", "o", "needed"),
                ("borger", "mor", "strained"), ("mor", "ven", "weak"),
                ("mor", "a", "established")])
    figures = analyse(doc).figures
    assert figures.actors == 5
    assert figures.couplings == 5
    assert figures.by_state == {"needed": 1, "established": 2, "weak": 1, "strained": 1}
    assert (figures.professionals, figures.own_network) == (2, 2)
    assert (figures.professional_couplings, figures.own_couplings) == (3, 2)
    assert figures.citizen_couplings == 2
    assert figures.own_actor_share == 0.5
    assert figures.own_coupling_share == 0.4


def test_analyse_figures_shares_none_for_citizen_alone() -> None:
    figures = analyse(_doc({})).figures
    assert figures.own_actor_share is None
    assert figures.own_coupling_share is None
    assert figures.by_state == {"needed": 0, "established": 0, "weak": 0, "strained": 0}


# determinism and serialisation


@pytest.mark.parametrize("name", sorted(examples.EXAMPLES))
def test_analyse_example_is_deterministic_json(name: str) -> None:
    first = analyse(examples.EXAMPLES[name]()).model_dump_json()
    assert analyse(examples.EXAMPLES[name]()).model_dump_json() == first
    assert Analysis.model_validate_json(first) == analyse(examples.EXAMPLES[name]())
    assert json.loads(first)["figures"]["actors"] == len(examples.EXAMPLES[name]().actors)


# build


def test_build_graph_keeps_actor_fields_and_order() -> None:
    doc = examples.claus_nu()
    graph = to_networkx(doc)
    assert list(graph.nodes) == [a.key for a in doc.actors]
    assert graph.nodes["koordinator"] == doc.actor("koordinator").model_dump()
    assert graph.graph["coordinator"] == "koordinator"


def test_build_graph_edges_carry_state_topic_and_index() -> None:
    doc = examples.claus_foer()
    graph = to_networkx(doc)
    assert graph.number_of_edges() == len(doc.couplings)
    by_index = sorted(graph.edges(data=True), key=lambda edge: edge[2]["index"])
    for (u, v, data), coupling in zip(by_index, doc.couplings, strict=True):
        assert {u, v} == coupling.pair
        assert (data["state"], data["topic"]) == (coupling.state, coupling.topic)


def _every_code(coordinator: str | None, topics: bool) -> GraphDocument:
    """A network with every warning code but one of no_coordinator and
    coordinator_unreachable; with or without the couplings' topics."""
    return GraphDocument.model_validate({
        "label": "Test", "target_group": "voksne", "coordinator": coordinator,
        "actors": [{"key": "borger", "kind": "citizen", "label": "Anna"},
                   {"key": "a", "kind": P, "label": "Ben"},
                   {"key": "b", "kind": P, "label": "Cleo"},
                   {"key": "d", "kind": "volunteer", "label": "Dan"}],
        "couplings": [
            {"source": "borger", "target": "a", "state": "established"},
            {"source": "borger", "target": "b", "state": "strained",
             **({"topic": "housing"} if topics else {})},
            {"source": "a", "target": "b", "state": "needed",
             **({"topic": "school"} if topics else {})}],
    })


@pytest.mark.parametrize("doc", [_every_code(None, True), _every_code("a", False),
                                 *(make() for make in examples.EXAMPLES.values())])
def test_analyse_warning_template_says_its_danish_message(doc: GraphDocument) -> None:
    for warning in analyse(doc).warnings:
        assert warning.template
        assert warning.say() == warning.message


def test_analyse_every_code_in_the_networks_said_from_templates() -> None:
    codes = {w.code for doc in (_every_code(None, True), _every_code("a", False))
             for w in analyse(doc).warnings}
    assert codes == set(WARNING_CODES)


def test_analyse_warning_template_not_in_json() -> None:
    (warning, *_) = analyse(_every_code(None, True)).warnings
    assert set(json.loads(warning.model_dump_json())) == {"code", "message", "actors"}
