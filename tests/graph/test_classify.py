"""Classification into prototype 1/2/3: the table, normalisation and the reasons."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from app.graph import examples
from app.graph.classify import Classification, Thresholds, classify, normalise
from app.graph.document import Actor, GraphDocument


def _doc(*others: dict[str, Any], citizen: dict[str, Any] | None = None) -> GraphDocument:
    actors = [{"key": "borger", "kind": "citizen", "label": "Borger", **(citizen or {})}]
    for i, fields in enumerate(others):
        actors.append({"key": f"a{i}", "kind": "professional", "label": f"Aktør {i}", **fields})
    return GraphDocument.model_validate(
        {"label": "Test", "target_group": "voksne", "actors": actors}
    )


def _professions(n: int) -> GraphDocument:
    return _doc(*({"profession": f"Fag {i}", "sector": "social"} for i in range(n)))


def _sectors(n: int) -> GraphDocument:
    return _doc(*({"profession": "Socialrådgiver", "sector": f"Sektor {i}"} for i in range(n)))


def test_normalise_text_trims_and_casefolds() -> None:
    assert normalise(" Socialrådgiver") == "socialrådgiver"
    assert normalise("socialrådgiver  ") == "socialrådgiver"


def test_normalise_text_folds_inner_whitespace() -> None:
    assert normalise("Social  \t rådgiver") == "social rådgiver"
    assert normalise("Social\u00a0rådgiver") == "social rådgiver"


def test_normalise_text_composes_unicode() -> None:
    assert normalise("Sundhedsplejerske på ba\u030adet") == normalise("Sundhedsplejerske på bådet")


@pytest.mark.parametrize(("count", "level"), [(0, 1), (2, 1), (3, 2), (5, 2), (6, 3)])
def test_classify_professions_level_at_boundary(count: int, level: int) -> None:
    result = classify(_professions(count))
    assert result.professions.count == count
    assert result.professions.level == level
    assert result.prototype == level


@pytest.mark.parametrize(("count", "level"), [(2, 1), (3, 2), (4, 2), (5, 3)])
def test_classify_sectors_level_at_boundary(count: int, level: int) -> None:
    result = classify(_sectors(count))
    assert result.sectors.count == count
    assert result.sectors.level == level
    assert result.professions.level == 1
    assert result.prototype == level


def test_classify_prototype_takes_higher_level() -> None:
    doc = _doc(*({"profession": f"Fag {i}", "sector": "social"} for i in range(6)),
               {"sector": "sundhed"}, {"sector": "bolig"})
    result = classify(doc)
    assert (result.professions.level, result.sectors.level, result.prototype) == (3, 2, 3)


def test_classify_spelling_variants_count_once() -> None:
    doc = _doc({"profession": " Socialrådgiver"}, {"profession": "socialrådgiver  "},
               {"profession": "SOCIALRÅDGIVER"})
    result = classify(doc)
    assert result.professions.count == 1
    assert result.professions.values == ["Socialrådgiver"]


def test_classify_values_keep_first_spelling_folded() -> None:
    doc = _doc({"profession": "Social   rådgiver"}, {"profession": "social rådgiver"},
               {"profession": "Socialrådgiver"})
    result = classify(doc)
    assert result.professions.values == ["Social rådgiver", "Socialrådgiver"]


def test_classify_values_sorted_by_normalised_form() -> None:
    doc = _doc({"sector": "sundhed"}, {"sector": "Bolig"}, {"sector": "social"})
    assert classify(doc).sectors.values == ["Bolig", "social", "sundhed"]


def test_classify_citizen_never_counts() -> None:
    doc = _doc({"profession": "Lærer", "sector": "uddannelse"},
               {"profession": "Læge", "sector": "sundhed"},
               citizen={"profession": "Pædagog", "sector": "social"})
    result = classify(doc)
    assert result.professions.values == ["Læge", "Lærer"]
    assert result.sectors.values == ["sundhed", "uddannelse"]
    assert result.prototype == 1


def test_classify_missing_values_add_nothing() -> None:
    doc = _doc({"profession": "Lærer"}, {}, {"label": "Uden felter"},
               {"kind": "network"}, {"profession": "Læge", "sector": "sundhed"})
    result = classify(doc)
    assert result.professions.count == 2
    assert result.sectors.values == ["sundhed"]


def test_classify_blank_values_add_nothing() -> None:
    # Built without validation, so blank text reaches classify as it is.
    actors = [
        Actor.model_construct(key="borger", kind="citizen", label="Borger"),
        Actor.model_construct(key="a", kind="professional", label="A",
                              profession="  ", sector=" \t "),
        Actor.model_construct(key="b", kind="professional", label="B",
                              profession="Lærer", sector=""),
    ]
    doc = GraphDocument.model_construct(label="Test", target_group="voksne", actors=actors,
                                        couplings=[], coordinator=None)
    result = classify(doc)
    assert result.professions.values == ["Lærer"]
    assert result.sectors.count == 0


def test_classify_missing_values_named_in_reasons() -> None:
    doc = _doc({"profession": "Lærer", "sector": "uddannelse", "label": "Klasselærer"},
               {"label": "Moster", "kind": "network"})
    reasons = classify(doc).reasons
    assert "1 aktør uden faggruppe tæller ikke med («Moster»)." in reasons
    assert "1 aktør uden sektor tæller ikke med («Moster»)." in reasons


def test_classify_network_without_others_is_prototype_1() -> None:
    result = classify(_doc())
    assert result.professions.count == 0
    assert result.sectors.count == 0
    assert result.prototype == 1
    assert result.reasons[0] == "0 faggrupper: højst 2 giver niveau 1."


def test_classify_reasons_name_values_and_deciding_threshold() -> None:
    result = classify(_professions(6))
    assert result.reasons == [
        "6 faggrupper (Fag 0, Fag 1, Fag 2, Fag 3, Fag 4, Fag 5): over 5 giver niveau 3.",
        "1 sektor (social): højst 2 giver niveau 1.",
        "Prototypen er den højeste af de to: 3.",
    ]


def test_classify_reasons_middle_level_names_both_limits() -> None:
    result = classify(_sectors(3))
    assert "3 sektorer (Sektor 0, Sektor 1, Sektor 2): over 2 og højst 4 giver niveau 2." in (
        result.reasons
    )


def test_classify_custom_thresholds_move_levels() -> None:
    strict = Thresholds(professions_level1=1, professions_level2=2,
                        sectors_level1=0, sectors_level2=1)
    doc = _doc({"profession": "Lærer", "sector": "uddannelse"},
               {"profession": "Læge", "sector": "sundhed"})
    result = classify(doc, strict)
    assert result.professions.level == 2
    assert result.sectors.level == 3
    assert result.prototype == 3
    assert "2 faggrupper (Læge, Lærer): over 1 og højst 2 giver niveau 2." in result.reasons
    assert classify(doc).prototype == 1


def test_thresholds_refuse_level1_above_level2() -> None:
    with pytest.raises(ValueError, match="professions_level1"):
        Thresholds(professions_level1=6, professions_level2=5)


def test_thresholds_refuse_negative_limit() -> None:
    with pytest.raises(ValueError, match="negative"):
        Thresholds(sectors_level1=-1)


@pytest.mark.parametrize(
    ("example", "prototype"),
    [
        (examples.claus_foer, 2),
        # The same needs as before, coordinated now: the class does not change.
        (examples.claus_nu, 2),
        (examples.prototype_1, 1),
        (examples.prototype_2, 2),
        (examples.prototype_3, 3),
    ],
)
def test_classify_example_gives_prototype(
    example: Callable[[], GraphDocument], prototype: int
) -> None:
    assert classify(example()).prototype == prototype


def test_classify_claus_foer_counts() -> None:
    result = classify(examples.claus_foer())
    assert result.professions.values == [
        "Misbrugsbehandler", "Pædagog", "Socialrådgiver", "UU-vejleder"
    ]
    assert result.sectors.values == ["beskæftigelse", "bolig", "sundhed", "uddannelse"]


def test_classify_result_round_trips_json() -> None:
    result = classify(examples.prototype_3())
    assert Classification.model_validate_json(result.model_dump_json()) == result


@pytest.mark.parametrize("doc", [
    _doc(), _professions(1), _professions(4), _professions(6), _sectors(3),
    _doc({"profession": "Lærer", "sector": "uddannelse"}, {"label": "Moster"},
         {"label": "Mor", "profession": "Frisør"}),
    examples.prototype_1(), examples.claus_foer(),
])
def test_classify_reasons_said_from_templates_are_the_danish_reasons(
        doc: GraphDocument) -> None:
    result = classify(doc)
    assert [reason.say() for reason in result.said] == result.reasons
