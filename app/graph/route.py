"""How each coupling runs: straight where it can, around label boxes where it must.

A coupling's line joins the centres of its two actors' boxes. Drawn straight it
may cross another actor's box (and read as if it belonged to that actor) or the
citizen's. The router tries, in turn: the straight line; a gentle curve to either
side; a detour around the boxes in the way (a polyline through points just off
their corners); and as a last resort the shortest way through the gaps between
boxes (a visibility graph: the layout keeps every box apart, so such a way exists).
Every step is deterministic, so the same layout always gives the same routes.

:func:`route_stats` counts what is left: lines through boxes (0 unless a box is
walled in) and crossings between couplings.
"""

from __future__ import annotations

import heapq
import itertools
import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from app.graph.document import GraphDocument
from app.graph.geometry import Box, Point, round1, rounded
from app.graph.layout import Layout

__all__ = ["DETOUR_BUDGET", "Route", "RouteStats", "route_couplings", "route_stats"]

#: Tests (of a line or a point against the boxes) the detours of one layout may make
#: (see :func:`route_couplings`).
DETOUR_BUDGET = 200
#: How many straight pieces a curve is measured (and checked) as.
CURVE_SAMPLES = 16


class Route(NamedTuple):
    """The drawn course of one coupling.

    ``points`` runs from the source's anchor to the target's. With ``curved`` it is
    ``(p, c, q)``, a quadratic Bézier curve with control point ``c``; otherwise a
    polyline (two points: a straight line). A tuple, because a large network
    makes hundreds of them per drawing.
    """

    source: str
    target: str
    points: tuple[Point, ...]
    curved: bool = False
    #: True when no way round was found (the line is straight and runs under some
    #: boxes, which are then drawn with a halo); False for every line set free.
    blocked: bool = False

    def polyline(self) -> tuple[Point, ...]:
        """The course as straight pieces (a curve sampled at :data:`CURVE_SAMPLES`).

        Examples
        --------
        >>> Route("a", "b", ((0, 0), (10, 0))).polyline()
        ((0, 0), (10, 0))
        >>> len(Route("a", "b", ((0, 0), (5, 5), (10, 0)), curved=True).polyline())
        17
        """
        if not self.curved:
            return self.points
        p, c, q = self.points
        return tuple(_bezier(p, c, q, i / CURVE_SAMPLES) for i in range(CURVE_SAMPLES + 1))


@dataclass(frozen=True)
class RouteStats:
    """What a reader of the diagram would count against it."""

    #: Couplings whose line runs through the box of an actor that is not one of its
    #: ends (the citizen's included).
    passes: int
    #: Pairs of couplings without a common actor whose lines cross.
    crossings: int


#: The quadratic Bézier's weights at t = 0, 1/8, ..., 1 (see :func:`_bezier`): where the
#: router measures a curve it tries.
_CURVE_WEIGHTS = tuple(((1 - i / 8) ** 2, 2 * (1 - i / 8) * (i / 8), (i / 8) ** 2)
                       for i in range(9))


def _bezier(p: Point, c: Point, q: Point, t: float) -> Point:
    a, b, d = (1 - t) * (1 - t), 2 * (1 - t) * t, t * t
    return (a * p[0] + b * c[0] + d * q[0], a * p[1] + b * c[1] + d * q[1])


class _Obstacles:
    """The label boxes grown by ``pad``, sorted by left edge for a quick window search."""

    def __init__(self, named: Iterable[tuple[str, Box]], pad: float) -> None:
        boxes = sorted([(rounded(b.x - pad, 2), rounded(b.y - pad, 2),
                         rounded(b.x + b.w + pad, 2), rounded(b.y + b.h + pad, 2), key)
                        for key, b in named])
        # With each box its centre and half sizes, for the separating-axis test.
        self.boxes = [(x0, y0, x1, y1, (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2,
                       (y1 - y0) / 2, key) for x0, y0, x1, y1, key in boxes]
        self.xs = [bx[0] for bx in boxes]
        self.max_w = max((bx[2] - bx[0] for bx in boxes), default=0.0)
        # What the piece tests look at first, in the same order: most boxes in a
        # window are passed over on these three numbers, without unpacking the rest.
        self.spans = [(y0, y1, x1, n) for n, (_, y0, x1, y1, _) in enumerate(boxes)]
        # The rest of what the separating-axis test needs, and where each actor's
        # box is: the boxes of a line's own ends are passed over by their place in
        # the list before any arithmetic (its first piece always overlaps the
        # source's box, its last the target's).
        self.axes = [bx[4:8] for bx in self.boxes]
        self.place = {key: n for n, (*_, key) in enumerate(boxes)}
        #: How many lines and points were tested: the router's measure of work done.
        self.tests = 0

    def clear(self, pts: Iterable[Point], a: str, b: str) -> bool:
        """No piece of ``pts`` meets a box other than a's and b's.

        A piece meets a box when their bounding boxes overlap and the piece's line
        does not pass wholly to one side of the box (separating axes).
        """
        self.tests += 1
        axes, spans, xs, max_w = self.axes, self.spans, self.xs, self.max_w
        ends = (self.place.get(a, -1), self.place.get(b, -1))
        for (x0, y0), (x1, y1) in itertools.pairwise(pts):
            lo_x, hi_x = (x0, x1) if x0 < x1 else (x1, x0)
            lo_y, hi_y = (y0, y1) if y0 < y1 else (y1, y0)
            for by0, by1, bx1, n in spans[bisect_left(xs, lo_x - max_w):
                                          bisect_right(xs, hi_x)]:
                if by1 <= lo_y or by0 >= hi_y or bx1 <= lo_x or n in ends:
                    continue
                # The line's distance from the centre (times the length) against the
                # box's extent along the line's normal: farther means it passes by.
                cx, cy, hw, hh = axes[n]
                dx, dy = x1 - x0, y1 - y0
                if abs(dx * (cy - y0) - dy * (cx - x0)) < hw * abs(dy) + hh * abs(dx):
                    return False
        return True

    def first_clear_curve(self, p: Point, q: Point, controls: Iterable[Point], a: str,
                          b: str) -> Point | None:
        """The control point of the first of the quadratic Bézier curves from ``p`` to
        ``q`` (one per point of ``controls``, in turn) that meets no box other than
        a's and b's (as :meth:`clear` decides on its :data:`_CURVE_WEIGHTS` points);
        None if none does.

        The router tries hundreds of curves per drawing and most meet a box in their
        first or second piece (they leave the source's box beside a neighbour's), so
        the points are computed as the test goes, and the piece test is written out
        here rather than called, with what every curve between the same two anchors
        shares looked up once: together a third of the router's time. The test is
        the one in :meth:`clear`, line for line (``tests/graph/test_route.py`` checks
        that both agree). Each curve tried counts as one test.
        """
        axes, spans, xs, max_w = self.axes, self.spans, self.xs, self.max_w
        ends = (self.place.get(a, -1), self.place.get(b, -1))
        (px, py), (qx, qy) = p, q
        weights = _CURVE_WEIGHTS[1:]
        for control in controls:
            self.tests += 1
            ccx, ccy = control
            # The first point, at weights (1, 0, 0), is p itself.
            x0, y0 = px, py
            for u, v, w in weights:
                # The same products and sums, in the same order, as the sampled curve.
                x1, y1 = u * px + v * ccx + w * qx, u * py + v * ccy + w * qy
                lo_x, hi_x = (x0, x1) if x0 < x1 else (x1, x0)
                lo_y, hi_y = (y0, y1) if y0 < y1 else (y1, y0)
                for by0, by1, bx1, n in spans[bisect_left(xs, lo_x - max_w):
                                              bisect_right(xs, hi_x)]:
                    if by1 <= lo_y or by0 >= hi_y or bx1 <= lo_x or n in ends:
                        continue
                    cx, cy, hw, hh = axes[n]
                    dx, dy = x1 - x0, y1 - y0
                    if abs(dx * (cy - y0) - dy * (cx - x0)) < hw * abs(dy) + hh * abs(dx):
                        break
                else:
                    x0, y0 = x1, y1
                    continue
                break  # this curve meets a box: try the next
            else:
                return control
        return None

    def first_hit(self, p: Point, q: Point, a: str,
                  b: str) -> tuple[float, float, float, float] | None:
        """The box nearest ``p`` that the segment p-q runs through, if any."""
        self.tests += 1
        (x0, y0), (x1, y1) = p, q
        lo_x, hi_x = (x0, x1) if x0 < x1 else (x1, x0)
        lo_y, hi_y = (y0, y1) if y0 < y1 else (y1, y0)
        dx, dy = x1 - x0, y1 - y0
        adx, ady = abs(dx), abs(dy)
        length2 = dx * dx + dy * dy or 1.0
        best: tuple[float, int] | None = None
        xs, axes = self.xs, self.axes
        ends = (self.place.get(a, -1), self.place.get(b, -1))
        for by0, by1, bx1, n in self.spans[bisect_left(xs, lo_x - self.max_w):
                                           bisect_right(xs, hi_x)]:
            if bx1 <= lo_x or by1 <= lo_y or by0 >= hi_y or n in ends:
                continue
            cx, cy, hw, hh = axes[n]
            if abs(dx * (cy - y0) - dy * (cx - x0)) < hw * ady + hh * adx:
                t = ((cx - x0) * dx + (cy - y0) * dy) / length2
                if best is None or t < best[0]:
                    best = (t, n)
        if best is None:
            return None
        bx0, by0, bx1, by1, *_ = self.boxes[best[1]]
        return bx0, by0, bx1, by1

    def inside(self, pt: Point) -> bool:
        """Whether ``pt`` lies inside a box (not on its edge)."""
        self.tests += 1
        x, y = pt
        xs = self.xs
        # The boxes whose left edge lies in [x - max_w, x): the only ones that can
        # hold x strictly inside.
        for by0, by1, bx1, _ in self.spans[bisect_left(xs, x - self.max_w):bisect_left(xs, x)]:
            if x < bx1 and by0 < y < by1:
                return True
        return False


def _length(points: Sequence[Point]) -> float:
    return sum(math.dist(u, v) for u, v in itertools.pairwise(points))


class _Router:
    """Finds each coupling's course; see the module docstring for the order of tries."""

    BENDS = (0.22, -0.22, 0.45, -0.45)
    MAX_BULGE = 160.0
    #: Room kept between a line and a box it passes; smaller room is the last resort.
    PAD, TIGHT_PAD = 3.0, 1.0
    #: Detour points sit this far beyond a grown box's corner.
    OFF = 2.5
    DEPTH = 3

    def __init__(self, lay: Layout, budget: int) -> None:
        self.width, self.height = lay.width, lay.height
        named = [(a.key, a.box) for a in (lay.citizen, *lay.actors)]
        self.named = named
        self.roomy = _Obstacles(named, self.PAD)
        self._tight: _Obstacles | None = None
        self._nodes: list[Point] | None = None
        self._corner_cache: dict[tuple[tuple[float, float, float, float], float],
                                 tuple[Point, ...]] = {}
        #: Tests the detours may make in all (straight lines and curves are
        #: free): enough for every ordinary case, bounded for a crowded envelope, so
        #: drawing stays fast. Deterministic, unlike a time limit.
        self.budget = budget
        self.free = 0

    def route_all(self, ends: Sequence[tuple[str, Point, str, Point]]) -> list[Route]:
        """Every coupling's course: the cheap tries for all lines first, then detours
        (roomy, then tight, then A*) for those still in the way, shortest line first,
        while the work allowed lasts."""
        roomy = self.roomy
        routes = [self._straight_or_bent(*end) for end in ends]
        self.free = roomy.tests
        pending = sorted((i for i, r in enumerate(routes) if r is None),
                         key=lambda i: (math.dist(ends[i][1], ends[i][3]), i))
        for stage in range(3):
            left = []
            for n, i in enumerate(pending):
                if self._spent():
                    left += pending[n:]
                    break
                a, p, b, q = ends[i]
                path = (self._detour(roomy, p, q, a, b, 2) if stage == 0
                        else self._detour(self.tight, p, q, a, b, self.DEPTH) if stage == 1
                        else self._shortest(p, q, a, b))
                if path is None:
                    left.append(i)
                else:
                    routes[i] = Route(a, b, _rounded(path))
            pending = left
        # Walled in, or the work allowed is spent: straight, under the boxes' halos.
        return [r if r is not None else Route(a, b, (p, q), blocked=True)
                for r, (a, p, b, q) in zip(routes, ends, strict=True)]

    def _straight_or_bent(self, a: str, p: Point, b: str, q: Point) -> Route | None:
        roomy = self.roomy
        if roomy.clear((p, q), a, b):
            return Route(a, b, (p, q))
        c = roomy.first_clear_curve(p, q, self._controls(p, q), a, b)
        return None if c is None else Route(a, b, (p, c, q), curved=True)

    def _controls(self, p: Point, q: Point) -> Iterator[Point]:
        """The control points of the curves to try from ``p`` to ``q``, in turn: those
        of :data:`BENDS` that bulge no more than :data:`MAX_BULGE` and lie in the
        envelope. Made one at a time, as the curves are tried: most lines find their
        way (or none) before the last."""
        mx, my = (p[0] + q[0]) / 2, (p[1] + q[1]) / 2
        dx, dy = q[0] - p[0], q[1] - p[1]
        length = math.hypot(dx, dy)
        for bend in self.BENDS:
            if abs(bend) * length > self.MAX_BULGE:
                continue
            c = (round1(mx - dy * bend), round1(my + dx * bend))
            if 0 <= c[0] <= self.width and 0 <= c[1] <= self.height:
                yield c

    @property
    def tight(self) -> _Obstacles:
        """The boxes with less room round them (made only when a line needs them)."""
        if self._tight is None:
            self._tight = _Obstacles(self.named, self.TIGHT_PAD)
        return self._tight

    def _spent(self) -> bool:
        """Whether the detours have used up the work allowed for this layout."""
        tight = self._tight.tests if self._tight is not None else 0
        return self.roomy.tests + tight - self.free > self.budget

    def _corners(self, box: tuple[float, float, float, float],
                 off: float) -> tuple[Point, ...]:
        """The points just off ``box``'s corners that lie in the envelope. Kept per box
        and offset: the detours go round the same few boxes again and again."""
        known = self._corner_cache.get((box, off))
        if known is not None:
            return known
        x0, y0, x1, y1 = box
        pts = [(x0 - off, y0 - off), (x1 + off, y0 - off), (x1 + off, y1 + off),
               (x0 - off, y1 + off)]
        corners = tuple((round1(x), round1(y)) for x, y in pts
                        if 0 <= x <= self.width and 0 <= y <= self.height)
        self._corner_cache[(box, off)] = corners
        return corners

    def _detour(self, obstacles: _Obstacles, p: Point, q: Point, a: str, b: str,
                depth: int) -> list[Point] | None:
        """Go round the first box in the way on either side, recursively; the shorter."""
        hit = obstacles.first_hit(p, q, a, b)
        if hit is None:
            return [p, q]
        if depth == 0 or self._spent():
            return None
        dx, dy = q[0] - p[0], q[1] - p[1]
        corners = self._corners(hit, self.OFF)
        if not corners:
            return None
        # The corners that stick out furthest on either side of the line (the first
        # of equals), in the order of the corners.
        px, py = p
        low = high = 0
        low_side = high_side = dx * (corners[0][1] - py) - dy * (corners[0][0] - px)
        for i in range(1, len(corners)):
            x, y = corners[i]
            side = dx * (y - py) - dy * (x - px)
            if side > high_side:
                high, high_side = i, side
            if side < low_side:
                low, low_side = i, side
        picks = (low, high) if low < high else (high, low) if high < low else (low,)
        best: list[Point] | None = None
        best_length = 0.0
        for i in picks:
            w = corners[i]
            if obstacles.inside(w):
                continue
            first = self._detour(obstacles, p, w, a, b, depth - 1)
            if first is None:
                continue
            rest = self._detour(obstacles, w, q, a, b, depth - 1)
            if rest is None:
                continue
            path = first + rest[1:]
            length = _length(path)
            if best is None or length < best_length:
                best, best_length = path, length
        return best

    def _shortest(self, p: Point, q: Point, a: str, b: str) -> list[Point] | None:
        """The shortest way through the gaps: A* over the grown boxes' corners."""
        obstacles = self.tight
        if self._spent():
            return None
        if self._nodes is None:
            self._nodes = [w for bx in obstacles.boxes for w in self._corners(bx[:4], self.OFF)
                           if not obstacles.inside(w)]
        nodes = [p, q, *self._nodes]
        dist = {0: 0.0}
        prev: dict[int, int] = {}
        heap = [(math.dist(p, q), 0.0, 0)]
        done: set[int] = set()
        while heap:
            _, d, i = heapq.heappop(heap)
            if i in done:
                continue
            if self._spent():
                return None
            if i == 1:
                path = [q]
                while i != 0:
                    i = prev[i]
                    path.append(nodes[i])
                return path[::-1]
            done.add(i)
            here = nodes[i]
            for j, there in enumerate(nodes):
                if j in done or j == i:
                    continue
                if obstacles.tests & 63 == 0 and self._spent():
                    return None
                nd = d + math.dist(here, there)
                if nd >= dist.get(j, math.inf) or not obstacles.clear((here, there), a, b):
                    continue
                dist[j], prev[j] = nd, i
                heapq.heappush(heap, (nd + math.dist(there, q), nd, j))
        return None


def _rounded(path: Sequence[Point]) -> tuple[Point, ...]:
    """Drop points that lie on the straight line between their neighbours."""
    out = [path[0]]
    for here, nxt in itertools.pairwise(path[1:]):
        last = out[-1]
        if abs((here[0] - last[0]) * (nxt[1] - last[1])
               - (here[1] - last[1]) * (nxt[0] - last[0])) > 1e-6:
            out.append(here)
    out.append(path[-1])
    return tuple(out)


def route_couplings(doc: GraphDocument, lay: Layout, *,
                    budget: int = DETOUR_BUDGET) -> list[Route]:
    """The course of every coupling of ``doc`` in ``lay``, in document order.

    Parameters
    ----------
    doc : GraphDocument
        The network whose couplings are drawn.
    lay : Layout
        Its layout, from :func:`app.graph.layout.layout_document`.
    budget : int
        How many tests (of a line or a point against the boxes) the detours may
        make in all; once spent, a line that is not clear straight or as a curve
        stays straight and is marked ``blocked`` (it is drawn under the boxes,
        which then get a halo).

    Returns
    -------
    list of Route
        One per coupling; straight where the line is clear of every other box.

    Examples
    --------
    >>> from app.graph.examples import claus_nu
    >>> from app.graph.layout import layout_document
    >>> doc = claus_nu()
    >>> routes = route_couplings(doc, layout_document(doc))
    >>> len(routes) == len(doc.couplings), routes[0].source == doc.couplings[0].source
    (True, True)

    Notes
    -----
    A straight line costs one window search over the boxes sorted by x; a detour a
    few more; the last resort is A* over all box corners (quadratic in the number
    of actors), needed only where boxes crowd round a line.
    """
    router = _Router(lay, budget)
    # Each anchor once (as Layout.actor finds it: the citizen last), not once per end.
    anchors = {a.key: a.anchor for a in lay.actors}
    anchors[lay.citizen.key] = lay.citizen.anchor
    return router.route_all([(c.source, anchors[c.source], c.target, anchors[c.target])
                             for c in doc.couplings])


def route_stats(lay: Layout, routes: Sequence[Route]) -> RouteStats:
    """Count lines through boxes and crossings between lines, as drawn.

    A line passes through a box when it enters the box's interior (more than half a
    unit deep); lines that share an actor meet at its anchor and are not counted as
    crossing.

    Examples
    --------
    >>> from app.graph.examples import claus_nu
    >>> from app.graph.layout import layout_document
    >>> doc = claus_nu()
    >>> lay = layout_document(doc)
    >>> route_stats(lay, route_couplings(doc, lay)).passes
    0

    Notes
    -----
    Crossings compare every pair of lines whose bounding boxes overlap: quadratic
    in the number of couplings, for benchmarks and tests rather than drawing.
    """
    boxes = _Obstacles([(a.key, a.box) for a in (lay.citizen, *lay.actors)], -0.5)
    lines = [r.polyline() for r in routes]
    passes = sum(1 for r, pts in zip(routes, lines, strict=True)
                 if not boxes.clear(pts, r.source, r.target))
    bounds = [(min(x for x, _ in pts), min(y for _, y in pts), max(x for x, _ in pts),
               max(y for _, y in pts)) for pts in lines]
    crossings = 0
    for i, j in itertools.combinations(range(len(routes)), 2):
        ri, rj = routes[i], routes[j]
        if {ri.source, ri.target} & {rj.source, rj.target}:
            continue
        bi, bj = bounds[i], bounds[j]
        if bi[2] < bj[0] or bj[2] < bi[0] or bi[3] < bj[1] or bj[3] < bi[1]:
            continue
        if _polylines_cross(lines[i], lines[j]):
            crossings += 1
    return RouteStats(passes=passes, crossings=crossings)


def _polylines_cross(u: Sequence[Point], v: Sequence[Point]) -> bool:
    return any(_segments_cross(a, b, c, d)
               for a, b in itertools.pairwise(u) for c, d in itertools.pairwise(v))


def _segments_cross(a: Point, b: Point, c: Point, d: Point) -> bool:
    def orient(p: Point, q: Point, r: Point) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    d1, d2 = orient(c, d, a), orient(c, d, b)
    d3, d4 = orient(a, b, c), orient(a, b, d)
    return ((d1 > 0) != (d2 > 0) and d1 != 0 and d2 != 0
            and (d3 > 0) != (d4 > 0) and d3 != 0 and d4 != 0)
