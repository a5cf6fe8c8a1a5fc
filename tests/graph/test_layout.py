"""Envelope layout: every label inside its panel, none overlapping, always the same."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.graph.document import PANELS, GraphDocument
from app.graph.examples import EXAMPLES
from app.graph.layout import (
    DEFAULT_PANELS,
    FONT_SIZES,
    MIN_FONT_SIZE,
    SQRT2,
    Layout,
    LayoutError,
    PanelSpec,
    layout_document,
    layout_template,
)
from app.graph.text_metrics import text_width, wrap_label
from tests.helpers.documents import documents, make_doc


def assert_geometry(lay: Layout) -> None:
    """The hard guarantees: inside the panel, no overlap, citizen and titles kept free."""
    assert math.isclose(lay.width / lay.height, SQRT2, rel_tol=1e-3)
    assert lay.font_size >= MIN_FONT_SIZE
    titles = [p.title_box for p in lay.panels]
    for actor in lay.actors:
        panel = lay.panel(actor.panel)
        assert panel.contains(actor.box), (actor.key, actor.box, panel.polygon)
        assert not actor.box.overlaps(lay.citizen.box), actor.key
        assert not any(actor.box.overlaps(t) for t in titles), actor.key
        assert len(actor.lines) <= 3 and (actor.lines or actor.kind == "slot")
    boxes = sorted(lay.actors, key=lambda a: (a.box.x, a.key))
    for i, actor in enumerate(boxes):
        for other in boxes[i + 1:]:
            if other.box.x >= actor.box.right:
                break  # sorted by x: nothing further right can overlap
            assert not actor.box.overlaps(other.box), (actor.key, other.key)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.data_too_large])
@given(documents())
def test_layout_keeps_labels_apart_and_inside_panels(doc: GraphDocument) -> None:
    assert_geometry(layout_document(doc))


@pytest.mark.parametrize("panel", PANELS)
def test_layout_fits_150_long_labels_in_one_panel(panel: str) -> None:
    long = "Koordinerende sagsbehandler i Unge, Uddannelse og Job, æøå " * 4
    doc = make_doc([{"kind": "professional", "label": f"{long[:190]} {i}", "panel": panel,
                     "ring": 1 + i % 3} for i in range(150)])
    lay = layout_document(doc)
    assert_geometry(lay)
    assert all(a.lines[-1].endswith("…") for a in lay.actors)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.data_too_large])
@given(documents(max_actors=40), st.floats(1.0, 2.5))
def test_layout_with_larger_labels_keeps_labels_apart(doc: GraphDocument,
                                                      label_scale: float) -> None:
    """Print asks for larger labels (``label_scale``): the same guarantees hold, with
    every font size tried that many times larger."""
    lay = layout_document(doc, label_scale=label_scale)
    assert_geometry(lay)
    assert lay.font_size in {round(f * label_scale, 2) for f in FONT_SIZES}


def test_layout_is_deterministic() -> None:
    doc = EXAMPLES["prototype-3"]()
    assert layout_document(doc) == layout_document(doc)
    assert layout_document(doc) == layout_document(GraphDocument.model_validate(
        doc.model_dump(mode="json")))


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_layout_places_examples_at_full_size(name: str) -> None:
    doc = EXAMPLES[name]()
    lay = layout_document(doc)
    assert_geometry(lay)
    assert lay.height == 760.0  # small networks never make the envelope grow
    assert lay.citizen.box.centre == lay.centre
    for actor in doc.actors:
        if actor.kind != "citizen":
            placed = lay.actor(actor.key)
            assert placed.panel == actor.panel and placed.ring == actor.ring


def test_layout_grows_envelope_for_crowds() -> None:
    small = layout_document(make_doc([{"kind": "network", "label": "Mor"}]))
    big = layout_document(make_doc([{"kind": "network", "label": f"Fætter nummer {i}"}
                                    for i in range(150)]))
    assert big.height > small.height
    assert math.isclose(big.width / big.height, SQRT2, rel_tol=1e-3)


def test_layout_places_actor_without_panel_by_kind_and_sector() -> None:
    doc = make_doc([
        {"kind": "network", "label": "Mor"},
        {"kind": "volunteer", "label": "Frivillig"},
        {"kind": "professional", "label": "Psykolog"},
        {"kind": "organisation", "label": "Boligforening"},
        {"kind": "organisation", "label": "Klub", "sector": "civilsamfund"},
        {"kind": "professional", "label": "Nabo", "sector": "Privat  netværk"},
    ])
    lay = layout_document(doc)
    assert [a.panel for a in lay.actors] == [
        "netvaerk", "civilsamfund", "afdelinger", "organisationer", "civilsamfund", "netvaerk"]
    assert all(a.placed_by_rule and a.ring == 2 for a in lay.actors)


def test_layout_uses_configured_panels() -> None:
    panels = (PanelSpec("netvaerk", "top", "Netværk", "Network"),
              PanelSpec("afdelinger", "right", "Afdelinger", "Departments"),
              PanelSpec("organisationer", "bottom", "Organisationer", "Organisations"),
              PanelSpec("civilsamfund", "left", "Civilsamfund", "Civil society"))
    lay = layout_document(EXAMPLES["prototype-2"](), panels=panels)
    assert_geometry(lay)
    mor = lay.actor("mor").box
    assert mor.bottom <= lay.centre[1]  # the network panel is on top now


def test_layout_refuses_two_panels_on_one_side() -> None:
    panels = (*DEFAULT_PANELS[:3], PanelSpec("netvaerk", "top", "Netværk", "Network"))
    with pytest.raises(LayoutError):
        layout_document(EXAMPLES["prototype-1"](), panels=panels)


def test_layout_marks_coordinator() -> None:
    lay = layout_document(EXAMPLES["claus-nu"]())
    assert [a.key for a in lay.actors if a.coordinator] == ["koordinator"]


@pytest.mark.parametrize("prototype", [1, 2, 3])
def test_layout_template_has_more_slots_for_complex_prototypes(prototype: int) -> None:
    lay = layout_template(prototype)
    assert_geometry(lay)
    assert {a.panel for a in lay.actors} == set(PANELS)


def test_wrap_label_bounds_lines_and_width() -> None:
    lines = wrap_label("Ydelsesrådgiver " * 30)
    assert len(lines) == 3 and lines[-1].endswith("…")
    assert all(text_width(line) <= 13.0 for line in lines)
    assert wrap_label("Ø" * 50, max_em=5)[0] == "Ø" * 6


def test_text_width_is_conservative_for_danish_letters() -> None:
    assert text_width("æøå", 10) >= 0.6 * 10 * 3
    assert all(text_width(c, 10) >= 4 for c in "iljæøåÆØÅwm")


def test_layout_places_actor_without_panel_by_meaning() -> None:
    # Lene's network (issue 12), entered without panels.
    doc = make_doc([
        {"kind": "professional", "label": "Sagsbehandler", "organisation": "Jobcenter"},
        {"kind": "professional", "label": "Psykolog", "organisation": "Privat praksis"},
        {"kind": "professional", "label": "Egen læge", "profession": "Læge"},
        {"kind": "professional", "label": "Virksomhedskonsulent",
         "profession": "Virksomhedskonsulent"},
        {"kind": "professional", "label": "Gældsrådgiver",
         "organisation": "Gældsrådgivning i en forening"},
        {"kind": "professional", "label": "Sygeplejerske", "organisation": "Regionspsykiatrien"},
        {"kind": "organisation", "label": "Fabrikken A/S", "sector": "privat erhverv"},
        {"kind": "professional", "label": "Kommunens sundhedsplejerske"},
        {"kind": "organisation", "label": "Frivillig fra Café Exit"},
    ])
    lay = layout_document(doc)
    assert [a.panel for a in lay.actors] == [
        "afdelinger", "organisationer", "organisationer", "afdelinger", "civilsamfund",
        "organisationer", "organisationer", "afdelinger", "civilsamfund"]
    assert_geometry(lay)
