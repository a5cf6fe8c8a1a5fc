"""Coupling routes: no line through a box it does not end at, crossings counted."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.graph.document import GraphDocument
from app.graph.examples import EXAMPLES
from app.graph.geometry import Box
from app.graph.layout import Layout, layout_document
from app.graph.route import (
    _CURVE_WEIGHTS,
    Route,
    _Obstacles,
    route_couplings,
    route_stats,
)
from app.graph.svg import render_svg
from tests.helpers.documents import documents, make_doc

NS = "{http://www.w3.org/2000/svg}"
SLOW = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def boxes_passed(lay: Layout, route: Route) -> set[str]:
    """Keys of the boxes (the citizen's included) whose interior the drawn line enters."""
    return {a.key for a in (lay.citizen, *lay.actors) if a.key not in route[:2]
            and not _Obstacles([(a.key, a.box)], -0.5).clear(route.polyline(), "", "")}


@SLOW
@given(documents())
def test_route_never_runs_through_a_box_unless_under_its_halo(doc: GraphDocument) -> None:
    lay = layout_document(doc)
    routes = route_couplings(doc, lay)
    for route in routes:
        assert not boxes_passed(lay, route) or route.blocked, route
    root = ET.fromstring(render_svg(doc))
    halos = [g for g in root.iter(f"{NS}g") if g.get("class") == "halos"]
    if any(r.blocked for r in routes):  # every box (the citizen's too) gets its rim
        [group] = halos
        assert len(group.findall(f"{NS}rect")) == len(doc.actors)
    else:
        assert halos == []


@SLOW
@given(documents(max_actors=40))
def test_route_finds_a_way_round_every_box_when_work_is_unlimited(doc: GraphDocument) -> None:
    lay = layout_document(doc)
    for route in route_couplings(doc, lay, budget=10**9):
        assert not boxes_passed(lay, route) and not route.blocked, route


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_route_examples_pass_through_no_box(name: str) -> None:
    doc = EXAMPLES[name]()
    lay = layout_document(doc)
    routes = route_couplings(doc, lay)
    assert route_stats(lay, routes).passes == 0
    assert not any(r.blocked for r in routes)
    assert 'class="halos"' not in render_svg(doc)


def test_route_goes_round_a_box_in_the_way() -> None:
    # Two actors straight above the citizen: the outer one's line to the citizen
    # would run through the inner one's box.
    actors = [{"kind": "professional", "label": f"Rådgiver {i}", "panel": "afdelinger",
               "ring": 1 + i} for i in range(2)]
    doc = make_doc(actors, [(2, 0, "needed")])
    lay = layout_document(doc)
    cx = lay.centre[0]
    inner, outer = (replace(a, box=Box(cx - 60, y, 120, 30))
                    for a, y in zip(lay.actors, (250.0, 150.0), strict=True))
    lay = replace(lay, actors=(inner, outer))
    straight = Route("a1", "borger", (outer.anchor, lay.centre))
    assert route_stats(lay, [straight]).passes == 1
    [route] = route_couplings(doc, lay)
    assert route.curved or len(route.points) > 2
    assert route_stats(lay, [route]).passes == 0


def test_route_stats_counts_crossings_between_unrelated_lines() -> None:
    lay = layout_document(make_doc([{"kind": "network", "label": "Mor"}]))
    x = [Route("a", "b", ((0, 0), (10, 10))), Route("c", "d", ((0, 10), (10, 0))),
         Route("a", "e", ((0, 0), (10, 5)))]  # shares "a" with the first: not counted
    assert route_stats(lay, x).crossings == 2


def _prototype_3_obstacles() -> tuple[_Obstacles, list[str], st.SearchStrategy[float]]:
    """The boxes of the largest example, its actors' keys, and coordinates over the
    drawing and a little beyond: what the agreement tests draw their lines from."""
    lay = layout_document(EXAMPLES["prototype-3"]())
    obstacles = _Obstacles([(a.key, a.box) for a in (lay.citizen, *lay.actors)], 3.0)
    coordinate = st.floats(min_value=-20, max_value=max(lay.width, lay.height) + 20)
    return obstacles, [a.key for a in lay.actors], coordinate


def test_curve_test_agrees_with_the_test_of_its_sampled_points() -> None:
    # The router tests curves with a written-out copy of the piece test; it must
    # decide exactly as the general test does on the same points.
    obstacles, keys, coordinate = _prototype_3_obstacles()

    @settings(max_examples=300, deadline=None)
    @given(st.tuples(coordinate, coordinate), st.tuples(coordinate, coordinate),
           st.tuples(coordinate, coordinate), st.sampled_from(keys), st.sampled_from(keys))
    def agree(p: tuple[float, float], c: tuple[float, float], q: tuple[float, float],
              a: str, b: str) -> None:
        points = [(u * p[0] + v * c[0] + w * q[0], u * p[1] + v * c[1] + w * q[1])
                  for u, v, w in _CURVE_WEIGHTS]
        found = obstacles.first_clear_curve(p, q, [c], a, b)
        assert (found == c) == obstacles.clear(points, a, b)

    agree()


def test_first_hit_and_inside_agree_with_a_look_at_every_box() -> None:
    # The detours' tests look only at the boxes in a window of left edges and pass
    # over a line's own ends by their place in the list; they must find what a look
    # at every box, in the same order, finds.
    obstacles, keys, coordinate = _prototype_3_obstacles()

    def nearest(p: tuple[float, float], q: tuple[float, float], a: str,
                b: str) -> tuple[float, float, float, float] | None:
        (x0, y0), (x1, y1) = p, q
        dx, dy = x1 - x0, y1 - y0
        best = None
        for bx0, by0, bx1, by1, cx, cy, hw, hh, key in obstacles.boxes:
            if (key in (a, b) or bx1 <= min(x0, x1) or bx0 > max(x0, x1)
                    or by1 <= min(y0, y1) or by0 >= max(y0, y1)):
                continue
            if abs(dx * (cy - y0) - dy * (cx - x0)) < hw * abs(dy) + hh * abs(dx):
                t = ((cx - x0) * dx + (cy - y0) * dy) / (dx * dx + dy * dy or 1.0)
                if best is None or t < best[0]:
                    best = (t, (bx0, by0, bx1, by1))
        return None if best is None else best[1]

    @settings(max_examples=300, deadline=None)
    @given(st.tuples(coordinate, coordinate), st.tuples(coordinate, coordinate),
           st.sampled_from(keys), st.sampled_from(keys))
    def agree(p: tuple[float, float], q: tuple[float, float], a: str, b: str) -> None:
        assert obstacles.first_hit(p, q, a, b) == nearest(p, q, a, b)
        assert obstacles.inside(p) == any(bx0 < p[0] < bx1 and by0 < p[1] < by1
                                          for bx0, by0, bx1, by1, *_ in obstacles.boxes)

    agree()
