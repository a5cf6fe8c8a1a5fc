"""Where everything sits in the envelope: panels, ring bands, label boxes, the citizen.

The envelope is a landscape rectangle with the A-series ratio (√2:1) whose two
diagonals cut it into four triangular panels that meet at the centre, where the
citizen sits. Every actor gets an axis-aligned label box inside its panel, on the
band of its ring. The layout is pure arithmetic on the document, so the same
document always gives the same numbers, and it guarantees that no two label boxes
overlap, none covers the citizen or a panel title, and none leaves its panel.

This module decides: which panel and band each actor gets, the order within a
band, the font size and, if nothing fits, how far the envelope grows. It leans on
three smaller ones: :mod:`app.graph.text_metrics` (how wide a text is, where it
breaks), :mod:`app.graph.geometry` (boxes, triangles and a panel's own axes) and
:mod:`app.graph.packing` (one ring's labels in rows across one panel).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal, TypeVar

from app.graph.document import Actor, GraphDocument
from app.graph.errors import GraphError
from app.graph.geometry import (
    Box,
    PanelFrame,
    Point,
    Side,
    in_triangle,
    panel_triangle,
    round1,
    rounded,
)
from app.graph.meaning import panel_by_meaning
from app.graph.packing import BADGE_EM, DIAGONAL_MARGIN, Label, LabelMetrics, pack, place_all
from app.graph.text_metrics import LINE_EM, text_width, widest_word, wrap_label

__all__ = [
    "DEFAULT_PANELS",
    "FONT_SIZES",
    "MIN_FONT_SIZE",
    "SQRT2",
    "TEMPLATE_SLOTS",
    "ActorBox",
    "Layout",
    "LayoutError",
    "PanelGeometry",
    "PanelSpec",
    "clear_label_cache",
    "layout_document",
    "layout_template",
    "panel_for",
]

_T = TypeVar("_T")

SQRT2 = math.sqrt(2.0)

#: Height of the envelope before it has to grow; the width follows from √2.
BASE_HEIGHT = 760.0
#: Font sizes tried in turn before the envelope grows, largest first, so a small
#: network gets large labels; the last is the readable minimum.
FONT_SIZES: tuple[float, ...] = (20.0, 18.0, 16.0, 14.0, 13.0, 12.0, 11.0, 10.0)
MIN_FONT_SIZE = FONT_SIZES[-1]
#: Each growth step multiplies the envelope's size by this factor.
GROWTH = 1.12
#: In the side panels lines are narrower (but never narrower than a word).
SIDE_LINE_EM = 7.0
#: The citizen's label is larger and bold, and gets at most two lines.
CITIZEN_SCALE = 1.3
#: Panel titles sit in a strip of this height along the envelope's edge.
TITLE_STRIP = 30.0
#: Rounds of barycentric ordering within the bands (each one cheap: no layout).
BARYCENTRIC_SWEEPS = 2
#: How many labels' lines and widths :func:`_measured` keeps: a few thousand short
#: strings, far more than one server draws between two edits of the same cases.
LABEL_CACHE = 4096
#: How many empty slots per panel a blank template offers, by prototype.
TEMPLATE_SLOTS: dict[int, int] = {1: 2, 2: 4, 3: 7}


class LayoutError(GraphError):
    """The panel configuration cannot be drawn (e.g. two panels on one side)."""

    code = "invalid_layout"


@dataclass(frozen=True)
class PanelSpec:
    """One configurable panel: its key (as in ``Actor.panel``), side and display names."""

    key: str
    side: Side
    name_da: str
    name_en: str

    def name(self, lang: str = "da") -> str:
        """The display name in ``lang`` (Danish unless ``"en"``)."""
        return self.name_en if lang == "en" else self.name_da


DEFAULT_PANELS: tuple[PanelSpec, ...] = (
    PanelSpec("afdelinger", "top", "Afdelinger", "Departments"),
    PanelSpec("organisationer", "right", "Organisationer", "Organisations"),
    PanelSpec("civilsamfund", "bottom", "Civilsamfund", "Civil society"),
    PanelSpec("netvaerk", "left", "Netværk", "Network"),
)


@dataclass(frozen=True)
class ActorBox:
    """One actor's label: its box, wrapped lines and where it was put and why."""

    key: str
    kind: str
    panel: str
    ring: int
    box: Box
    lines: tuple[str, ...]
    font_size: float
    line_height: float
    coordinator: bool = False
    #: True when the panel came from :func:`panel_for`, not from the document.
    placed_by_rule: bool = False

    @property
    def anchor(self) -> Point:
        """Where coupling lines attach: the centre of the box."""
        return self.box.centre


@dataclass(frozen=True)
class PanelGeometry:
    """A triangular panel: two outer corners and the apex at the citizen."""

    spec: PanelSpec
    polygon: tuple[Point, Point, Point]
    title_box: Box
    #: Degrees to rotate the title about its box centre (side panels read along the edge).
    title_rotation: int

    def contains(self, box: Box, tolerance: float = 1e-6) -> bool:
        """Whether every corner of ``box`` lies inside the triangle."""
        return all(in_triangle(p, self.polygon, tolerance) for p in box.corners())


@dataclass(frozen=True)
class Layout:
    """Everything the renderer needs to place, in envelope coordinates (origin top-left)."""

    width: float
    height: float
    centre: Point
    citizen: ActorBox
    panels: tuple[PanelGeometry, ...]
    actors: tuple[ActorBox, ...]
    font_size: float
    #: Ring boundaries as fractions of each panel's depth (centre 0, edge 1):
    #: citizen edge, end of ring 1, end of ring 2, end of ring 3.
    ring_bounds: tuple[float, float, float, float]
    _index: dict[str, ActorBox] = field(default_factory=dict, repr=False, compare=False)

    def actor(self, key: str) -> ActorBox:
        """The placed actor (or the citizen) with ``key``; KeyError if absent."""
        if not self._index:
            self._index.update({a.key: a for a in self.actors})
            self._index[self.citizen.key] = self.citizen
        return self._index[key]

    def panel(self, key: str) -> PanelGeometry:
        """The panel with ``key``; KeyError if absent."""
        for panel in self.panels:
            if panel.spec.key == key:
                return panel
        raise KeyError(key)

    def ring_rect(self, fraction: float) -> Box:
        """The envelope scaled by ``fraction`` about the centre: a ring boundary."""
        w, h = self.width * fraction, self.height * fraction
        return Box(round(self.centre[0] - w / 2, 1), round(self.centre[1] - h / 2, 1),
                   round(w, 1), round(h, 1))


# ----------------------------------------------------------------------- placement


_KIND_PANELS = {
    "network": "netvaerk",
    "volunteer": "civilsamfund",
    "professional": "afdelinger",
    "organisation": "organisationer",
}


def panel_for(actor: Actor) -> str:
    """The panel an actor without one belongs in, judged by what it is.

    The rule, first match wins: a ``network`` person goes to *netvaerk* and a
    ``volunteer`` to *civilsamfund*; otherwise the actor's organisation, then its
    profession, sector and label decide by their meaning
    (:func:`app.graph.meaning.panel_by_meaning`: the municipality's own units →
    *afdelinger*; region, psychiatry, hospitals, general practitioners, private
    employers → *organisationer*; associations, volunteers → *civilsamfund*; family
    and friends → *netvaerk*); otherwise a ``professional`` is assumed to work in the
    citizen's own administration (*afdelinger*) and an ``organisation`` goes to
    *organisationer*. An actor that names its panel keeps it.

    Examples
    --------
    >>> from app.graph.document import Actor
    >>> panel_for(Actor(key="m", kind="network", label="Mor"))
    'netvaerk'
    >>> panel_for(Actor(key="k", kind="organisation", label="Klub", sector=" Civilsamfund"))
    'civilsamfund'
    >>> panel_for(Actor(key="p", kind="professional", label="Psykolog"))
    'afdelinger'
    >>> panel_for(Actor(key="l", kind="professional", label="Lægen", profession="Egen læge"))
    'organisationer'
    >>> panel_for(Actor(key="s", kind="professional", label="Sygeplejerske",
    ...                 organisation="Regionspsykiatrien"))
    'organisationer'
    """
    if actor.panel is not None:
        return actor.panel
    if actor.kind in ("network", "volunteer"):
        return _KIND_PANELS[actor.kind]
    meant = panel_by_meaning(actor.organisation, actor.profession, actor.sector, actor.label)
    if meant is not None:
        return meant
    return _KIND_PANELS.get(actor.kind, "afdelinger")


def _check_panels(panels: Sequence[PanelSpec]) -> None:
    sides = [p.side for p in panels]
    keys = [p.key for p in panels]
    if sorted(sides) != sorted(("top", "right", "bottom", "left")):
        raise LayoutError("Kuverten skal have præcis ét panel på hver af de fire sider.")
    if len(set(keys)) != len(keys):
        raise LayoutError("To paneler har samme nøgle.")


def _title_box(spec: PanelSpec, width: float, height: float) -> tuple[Box, int]:
    """The panel title's box, centred on the outer edge inside the title strip."""
    tw = max(text_width(spec.name_da.upper(), 15, bold=True),
             text_width(spec.name_en.upper(), 15, bold=True)) + 1.5 * 15
    th = 22.0
    inset = (TITLE_STRIP - th) / 2
    if spec.side == "top":
        return Box(round(width / 2 - tw / 2, 1), inset, round(tw, 1), th), 0
    if spec.side == "bottom":
        return Box(round(width / 2 - tw / 2, 1), round(height - inset - th, 1), round(tw, 1),
                   th), 0
    y = round(height / 2 - tw / 2, 1)
    if spec.side == "left":
        return Box(inset, y, th, round(tw, 1)), -90
    return Box(round(width - inset - th, 1), y, th, round(tw, 1)), 90


def _largest_fonts(items: Sequence[Label], panels: Sequence[PanelSpec], height: float,
                   label_scale: float = 1.0) -> list[float]:
    """The sizes of :data:`FONT_SIZES` (times ``label_scale``) worth an attempt,
    largest first.

    A label's box is at least ``font²·k`` in area, ``k`` fixed by its text (see
    :meth:`app.graph.packing.LabelMetrics.size`); where a panel's labels would need
    more area than the part of its triangle boxes may use (inside the diagonal
    margins, short of the title strip), no packing can hold them, so that size is
    skipped, never wrongly.
    """
    width = height * SQRT2
    need = dict.fromkeys((spec.key for spec in panels), 0.0)
    for it in items:
        lines = it.blank_lines or len(it.lines)
        badge = 1.2 if it.coordinator else 0.0
        w = max(it.width_em, BADGE_EM * 0.8 if it.coordinator else 0.0) + 1.1
        need[it.panel] += 0.99 * w * (lines * 1.25 + 0.7 + badge)
    worst = 0.0
    for spec in panels:
        depth, half = (height / 2, width / 2) if spec.side in ("top", "bottom") else (
            width / 2, height / 2)
        slope = half / depth
        reach = slope * (depth - TITLE_STRIP - 4) - DIAGONAL_MARGIN * math.sqrt(1 + slope ** 2)
        room = max(reach, 0.0) ** 2 / slope
        if need[spec.key]:
            worst = max(worst, need[spec.key] / room if room else math.inf)
    fonts = [round(f * label_scale, 2) for f in FONT_SIZES]
    return [f for f in fonts if f * f * worst <= 1.0] or fonts[-1:]


@dataclass(slots=True)
class _Fit:
    """What pass 1 of an attempt found (labels fit at this size and height), kept for
    pass 2, which only the size the search settles on needs."""

    width: float
    height: float
    m: LabelMetrics
    cm: LabelMetrics
    citizen_size: tuple[float, float]
    frames: list[PanelFrame]
    sizes: dict[str, tuple[float, float]]
    by_panel: list[list[list[Label]]]
    bounds: list[float]
    outer: float


#: The least depth a ring's band gets, as a fraction of a panel's depth.
_MIN_BAND = 0.12


def _fit(items: Sequence[Label], citizen: Label, panels: Sequence[PanelSpec],
         height: float, font: float, order: Sequence[Label] | None = None) -> _Fit | None:
    """Pass 1 of an attempt: the tightest bands that hold every ring in every panel
    at ``font`` in an envelope ``height`` high; None if the labels do not fit. Labels
    fill their band in the sequence ``order`` (default: ``items``)."""
    width = round(height * SQRT2, 1)
    m = LabelMetrics.of(font)
    cm = LabelMetrics.of(round(font * CITIZEN_SCALE, 1))
    cw, ch = cm.size(citizen)
    # The citizen's box gets a little more air; even tenths keep it centred exactly.
    cw, ch = math.ceil((cw + cm.pad_x) * 5) / 5, math.ceil((ch + cm.pad_y) * 5) / 5
    frames = [PanelFrame.of(spec.side, width, height) for spec in panels]
    sizes = m.sizes(items)
    by_panel: list[list[list[Label]]] = [[[], [], []] for _ in panels]
    index = {spec.key: n for n, spec in enumerate(panels)}
    for it in (items if order is None else order):
        by_panel[index[it.panel]][it.ring - 1].append(it)

    # The citizen's box reaches this far into each panel; ring 1 starts beyond it.
    s_cit = max(((ch / 2 if f.along_x else cw / 2) + m.gap) / f.depth for f in frames)
    outer = min((f.depth - TITLE_STRIP - 4) / f.depth for f in frames)

    bounds = [s_cit]
    for ring in range(3):
        start = bounds[-1]
        # An empty ring needs no room for labels, only enough to show its band.
        end = start + (_MIN_BAND if any(rings[ring] for rings in by_panel)
                       else _MIN_BAND / 3)
        for f, rings in zip(frames, by_panel, strict=True):
            group = rings[ring]
            if not group:
                continue
            res = pack(f, group, [sizes[it.key] for it in group], start * f.depth + m.row_gap,
                       outer * f.depth, m)
            if res is None:
                return None
            # The outermost ring needs no gap beyond its labels (``outer`` keeps the
            # titles free); the others keep one before the next band.
            gap = m.row_gap if ring < 2 else 0.0
            end = max(end, (res.end + gap) / f.depth + 1e-6)
        bounds.append(end)
    if bounds[-1] > outer:
        return None
    return _Fit(width, height, m, cm, (cw, ch), frames, sizes, by_panel, bounds, outer)


def _place(fit: _Fit, items: Sequence[Label], citizen: Label,
           panels: Sequence[PanelSpec]) -> Layout | None:
    """Pass 2 of an attempt that fits: share the spare depth among the bands, centre
    each ring's rows in its band (or, if that ever fails to fit, keep the tight bands
    of pass 1) and build the layout."""
    width, height, m, cm = fit.width, fit.height, fit.m, fit.cm
    (cw, ch), frames, by_panel, bounds = fit.citizen_size, fit.frames, fit.by_panel, fit.bounds
    # An empty ring got a thin band to let the labels fit; it gets its full band
    # back first from the spare depth (so there is room to click to add an actor).
    slack = fit.outer - bounds[-1]
    widths = [bounds[r + 1] - bounds[r] for r in range(3)]
    for ring in range(3):
        if not any(rings[ring] for rings in by_panel):
            extra = min(slack, max(0.0, _MIN_BAND - widths[ring]))
            widths[ring] += extra
            slack -= extra
    wide = [bounds[0]]
    for band in widths:
        wide.append(wide[-1] + band + slack / 3)
    placed = place_all(frames, by_panel, fit.sizes, wide, m, centred=True)
    if placed is None:
        wide = [*bounds[:3], fit.outer]
        placed = place_all(frames, by_panel, fit.sizes, wide, m, centred=False)
    if placed is None:  # pragma: no cover - pass 1 proved these bands fit
        return None

    boxes: dict[str, ActorBox] = {}
    for f, spec, placed_group in zip(frames, panels, placed, strict=True):
        for p in placed_group:
            it, (x, y, w, h) = p.label, f.rect(p.u0, p.u1, p.v0, p.v1)
            boxes[it.key] = ActorBox(
                key=it.key, kind=it.kind, panel=spec.key, ring=it.ring,
                box=Box(round1(x), round1(y), round1(w), round1(h)),
                lines=it.lines, font_size=m.font, line_height=m.line,
                coordinator=it.coordinator, placed_by_rule=it.placed_by_rule)
    cbox = Box(round(width / 2 - cw / 2, 1), round(height / 2 - ch / 2, 1), cw, ch)
    return Layout(
        width=width, height=round(height, 1),
        centre=(round(width / 2, 1), round(height / 2, 1)),
        citizen=ActorBox(key=citizen.key, kind="citizen", panel="", ring=0, box=cbox,
                         lines=citizen.lines, font_size=cm.font, line_height=cm.line),
        panels=tuple(PanelGeometry(spec, panel_triangle(spec.side, width, height),
                                   *_title_box(spec, width, height)) for spec in panels),
        actors=tuple(boxes[it.key] for it in items),
        font_size=m.font,
        ring_bounds=(round(wide[0], 4), round(wide[1], 4), round(wide[2], 4),
                     round(wide[3], 4)),
    )


def _items(doc: GraphDocument, panels: Sequence[PanelSpec]) -> tuple[list[Label], Label]:
    known = {p.key for p in panels}
    sides = {p.key: p.side for p in panels}
    fallback = panels[0].key
    items: list[Label] = []
    citizen: Label | None = None
    for actor in doc.actors:
        if actor.kind == "citizen":
            lines, width_em = _measured(actor.label, "citizen")
            citizen = Label(actor.key, "citizen", "", 0, lines, width_em, False, False)
            continue
        panel = panel_for(actor)
        by_rule = actor.panel is None or actor.panel not in known
        if panel not in known:
            panel = _KIND_PANELS.get(actor.kind, fallback)
            panel = panel if panel in known else fallback
        items.append(_label(actor.key, actor.kind, panel, sides[panel], actor.ring or 2,
                            actor.label, actor.key == doc.coordinator, by_rule))
    assert citizen is not None  # guaranteed by GraphDocument's rules
    return items, citizen


@lru_cache(maxsize=LABEL_CACHE)
def _label(key: str, kind: str, panel: str, side: Side, ring: int, text: str,
           coordinator: bool, placed_by_rule: bool) -> Label:
    """An actor's label, kept like its lines (:func:`_measured`): labels are frozen, so
    the one kept serves every drawing of an unchanged actor."""
    lines, width_em = _measured(text, side)
    return Label(key, kind, panel, ring, lines, width_em, coordinator, placed_by_rule)


@lru_cache(maxsize=LABEL_CACHE)
def _measured(label: str, side: Side | Literal["citizen"]) -> tuple[tuple[str, ...], float]:
    """A label's lines, wrapped for a panel on ``side`` (or for the citizen, bold, at
    most two lines), and the widest line's width in em.

    Kept per label and side: wrapping measures the label's words and lines letter by
    letter (a third of the layout's time when nothing was kept), and a case is drawn
    again after every edit with nearly all its labels unchanged. The font size plays
    no part (widths are in em), so one entry serves every size the layout tries.
    """
    if side == "citizen":
        lines = wrap_label(label, max_em=8.0, max_lines=2)
        return lines, max(text_width(line, bold=True) for line in lines)
    lines = wrap_label(label, max_em=_line_em(label, side))
    return lines, max(text_width(line) for line in lines)


def clear_label_cache() -> None:
    """Forget the labels' lines and widths kept by :func:`_measured` (for benchmarks
    of a case drawn the first time; layouts never depend on what is kept)."""
    _label.cache_clear()
    _measured.cache_clear()


def _line_em(label: str, side: Side) -> float:
    """How wide a label's lines may be: side panels stack labels in columns, so
    there a narrower, taller label (as narrow as its longest word) saves depth."""
    if side in ("top", "bottom"):
        return LINE_EM
    return min(LINE_EM, max(SIDE_LINE_EM, widest_word(label)))


def _solve(order: Sequence[Label], citizen: Label, panels: Sequence[PanelSpec],
           items: Sequence[Label] | None = None, label_scale: float = 1.0) -> Layout:
    """Lay out at the largest size that fits, growing the envelope if none does.
    Labels fill their bands in ``order``; the layout lists them as ``items``; every
    size is ``label_scale`` times one of :data:`FONT_SIZES`."""
    if items is None:
        items = order
    _check_panels(panels)
    # Only pass 1 decides whether a size fits; pass 2 (centring the rows, most of an
    # attempt's work) is done once, for the size chosen.
    fonts = _largest_fonts(items, panels, BASE_HEIGHT, label_scale)
    smallest = round(MIN_FONT_SIZE * label_scale, 2)
    fit = _largest_that_fits(
        fonts, smallest, lambda height, font: _fit(items, citizen, panels, height, font, order))
    layout = _place(fit, items, citizen, panels)
    if layout is None:  # pragma: no cover - pass 1 proved the bands fit
        # Should pass 2 ever fail where pass 1 fit: place every size tried, as before
        # pass 2 was left to the chosen size.
        return _largest_that_fits(fonts, smallest, lambda height, font: _attempt(
            items, citizen, panels, height, font, order))
    return layout


def _largest_that_fits(fonts: Sequence[float], smallest: float,
                       attempt: Callable[[float, float], _T | None]) -> _T:
    """What ``attempt(height, font)`` gives at the largest of ``fonts`` that fits the
    base envelope, else at ``smallest`` in an envelope grown until it fits.

    Bisection: each size tried either fits, or it and every larger size are ruled
    out. The result fits and the next size up does not (fitting is monotone in
    practice, so it is the largest that fits).
    """
    height = BASE_HEIGHT
    lo, hi = 0, len(fonts)
    found: _T | None = None
    while lo < hi:
        mid = (lo + hi) // 2
        result = attempt(height, fonts[mid])
        if result is None:
            lo = mid + 1
        else:
            found, hi = result, mid
    while found is None:
        height = round(height * GROWTH, 1)
        found = attempt(height, smallest)
    return found


def _attempt(items: Sequence[Label], citizen: Label, panels: Sequence[PanelSpec],
             height: float, font: float, order: Sequence[Label] | None = None) -> Layout | None:
    """Both passes at ``font`` in an envelope ``height`` high; None if they fail."""
    fit = _fit(items, citizen, panels, height, font, order)
    return None if fit is None else _place(fit, items, citizen, panels)


def layout_document(doc: GraphDocument, *,
                    panels: Sequence[PanelSpec] = DEFAULT_PANELS,
                    label_scale: float = 1.0) -> Layout:
    """Place every actor of ``doc`` in its panel and ring band around the citizen.

    Labels get the largest of :data:`FONT_SIZES` at which they all fit, so a small
    network reads from across the room. A crowded panel first makes its bands
    deeper, then every label smaller (down to :data:`MIN_FONT_SIZE`), and only then
    the whole envelope grows; the envelope always keeps the √2:1 ratio so it prints
    on an A-series page. Within a band, actors are ordered by where the actors they
    are coupled to sit (barycentric ordering, ties in document order), which
    uncrosses many coupling lines; actors without couplings keep document order.

    Parameters
    ----------
    doc : GraphDocument
        The network; the citizen goes in the centre, every other actor in a panel.
    panels : sequence of PanelSpec
        Exactly one panel per side; the default is :data:`DEFAULT_PANELS`. Actors
        whose panel is missing (or not configured) are placed by :func:`panel_for`.
    label_scale : float
        Every font size tried is multiplied by this: print asks for larger labels
        (``app.diagram.print_label_fit`` picks the scale that prints largest). 1 on
        screen.

    Returns
    -------
    Layout
        Envelope size, panel triangles, one :class:`ActorBox` per actor in document
        order, and the citizen's box at the centre.

    Raises
    ------
    LayoutError
        If ``panels`` does not give exactly one panel per side.

    Examples
    --------
    >>> from app.graph.examples import claus_nu
    >>> lay = layout_document(claus_nu())
    >>> round(lay.width / lay.height, 3)
    1.414
    >>> lay.actor("koordinator").panel, lay.actor("koordinator").coordinator
    ('afdelinger', True)
    >>> lay.citizen.box.centre == lay.centre
    True

    Notes
    -----
    Linear in the number of actors per attempt; a few attempts at most for
    ordinary networks (sizes whose labels would outgrow a panel's area are not
    tried), one more to order by couplings, about twenty for 150 actors crammed
    into one panel.
    """
    items, citizen = _items(doc, panels)
    return _solve(_barycentric(doc, items, panels), citizen, panels, items, label_scale)


def _barycentric(doc: GraphDocument, items: list[Label],
                 panels: Sequence[PanelSpec]) -> list[Label]:
    """The labels in the order that puts each near the middle of its coupled actors.

    Within a panel labels fill their band along one axis (x in the top and bottom
    panels, y at the sides). Every actor gets a rough position before layout: its
    panel's axis at its ring's depth, moved along the band by its place in document
    order. Each label is then keyed by the mean position along its band's axis of the
    actors it is coupled to (its own if it has none); sorting by that key, ties in
    document order, uncrosses many lines. :data:`BARYCENTRIC_SWEEPS` rounds, each
    from the positions the last one gave (two did best on generated networks: about
    a quarter fewer crossings than document order). Costs no extra layout attempt.
    """
    if not doc.couplings:
        return items
    side = {spec.key: spec.side for spec in panels}
    direction = {"top": (0, -1), "bottom": (0, 1), "left": (-1, 0), "right": (1, 0)}
    index = {it.key: n for n, it in enumerate(items)}
    # The citizen sits at the origin: index -1 reads the extra last slot (0, 0).
    edges = [(index.get(c.source, -1), index.get(c.target, -1)) for c in doc.couplings]
    along_x = [side[it.panel] in ("top", "bottom") for it in items]
    count = len(items)
    xs, ys = [0.0] * (count + 1), [0.0] * (count + 1)
    # Each label's axis: the list its own position, and its neighbours', is read from
    # (the lists are filled in place each round). The citizen's slot reads ys.
    axis = [xs if along else ys for along in along_x] + [ys]
    reads = [(u, v, axis[u], axis[v]) for u, v in edges]
    links = [0] * (count + 1)
    for u, v in edges:
        links[u] += 1
        links[v] += 1
    band = [(it.panel, it.ring) for it in items]
    order = list(range(count))
    for _ in range(BARYCENTRIC_SWEEPS):
        groups: dict[tuple[str, int], list[int]] = {}
        for n in order:
            groups.setdefault(band[n], []).append(n)
        for (panel, ring), members in groups.items():
            dx, dy = direction[side[panel]]
            depth = 0.25 + 0.25 * ring
            size = len(members)
            for i, n in enumerate(members):
                along = depth * ((i + 0.5) / size - 0.5)  # a band about as wide as deep
                xs[n], ys[n] = dx * depth + dy * dy * along, dy * depth + dx * dx * along
        total = [0.0] * (count + 1)
        for u, v, axis_u, axis_v in reads:
            total[u] += axis_u[v]
            total[v] += axis_v[u]
        keys = [rounded(total[n] / links[n] if links[n] else axis[n][n], 6)
                for n in range(count)]
        order = sorted(range(count), key=keys.__getitem__)  # stable: ties keep order
    return [items[n] for n in order]


def layout_template(prototype: int, *,
                    panels: Sequence[PanelSpec] = DEFAULT_PANELS) -> Layout:
    """An envelope of empty slots for drawing a network by hand.

    A more complex prototype means more actors, so it gets more slots
    (:data:`TEMPLATE_SLOTS` per panel), spread over the three rings.

    Examples
    --------
    >>> len(layout_template(1).actors), len(layout_template(3).actors)
    (8, 28)
    """
    per_panel = TEMPLATE_SLOTS.get(prototype, TEMPLATE_SLOTS[2])
    items: list[Label] = []
    for spec in panels:
        for n in range(per_panel):
            ring = 1 + (n * 3) // per_panel
            width_em = 10.0 if spec.side in ("top", "bottom") else SIDE_LINE_EM
            items.append(Label(f"slot-{spec.key}-{n + 1}", "slot", spec.key, ring, (),
                               width_em, False, False, blank_lines=2))
    citizen = Label("citizen", "citizen", "", 0, ("",), 6.0, False, False, blank_lines=2)
    return _solve(items, citizen, panels)
