"""Where everything sits in the envelope: panels, ring bands, label boxes, the citizen.

The envelope is a landscape rectangle with the A-series ratio (√2:1) whose two
diagonals cut it into four triangular panels that meet at the centre, where the
citizen sits. Every actor gets an axis-aligned label box inside its panel, on the
band of its ring. The layout is pure arithmetic on the document, so the same
document always gives the same numbers, and it guarantees that no two label boxes
overlap, none covers the citizen or a panel title, and none leaves its panel.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from app.graph.document import Actor, GraphDocument
from app.graph.errors import GraphError

__all__ = [
    "DEFAULT_PANELS",
    "MIN_FONT_SIZE",
    "SQRT2",
    "TEMPLATE_SLOTS",
    "ActorBox",
    "Box",
    "Layout",
    "LayoutError",
    "PanelGeometry",
    "PanelSpec",
    "Point",
    "Side",
    "layout_document",
    "layout_template",
    "panel_for",
    "text_width",
    "wrap_label",
]

Side = Literal["top", "right", "bottom", "left"]
Point = tuple[float, float]

SQRT2 = math.sqrt(2.0)

#: Height of the envelope before it has to grow; the width follows from √2.
BASE_HEIGHT = 760.0
#: Font sizes tried in turn before the envelope grows; the last is the readable minimum.
FONT_SIZES: tuple[float, ...] = (14.0, 13.0, 12.0, 11.0, 10.0)
MIN_FONT_SIZE = FONT_SIZES[-1]
#: Each growth step multiplies the envelope's size by this factor.
GROWTH = 1.12
#: Label text is wrapped to this many em per line and at most this many lines.
LINE_EM = 13.0
MAX_LINES = 3
#: In the side panels lines are narrower (but never narrower than a word).
SIDE_LINE_EM = 7.0
#: The citizen's label is larger and bold, and gets at most two lines.
CITIZEN_SCALE = 1.3
#: Panel titles sit in a strip of this height along the envelope's edge.
TITLE_STRIP = 30.0
#: Label boxes keep at least this distance from the diagonals (room for ring marks).
DIAGONAL_MARGIN = 10.0
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
class Box:
    """An axis-aligned rectangle; ``x, y`` is the top-left corner (SVG coordinates)."""

    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    @property
    def centre(self) -> Point:
        return (round(self.x + self.w / 2, 1), round(self.y + self.h / 2, 1))

    def corners(self) -> tuple[Point, Point, Point, Point]:
        return ((self.x, self.y), (self.right, self.y),
                (self.right, self.bottom), (self.x, self.bottom))

    def overlaps(self, other: Box) -> bool:
        """Whether the interiors intersect (touching edges do not count).

        Examples
        --------
        >>> Box(0, 0, 10, 10).overlaps(Box(5, 5, 10, 10))
        True
        >>> Box(0, 0, 10, 10).overlaps(Box(10, 0, 10, 10))
        False
        """
        return (self.x < other.right and other.x < self.right
                and self.y < other.bottom and other.y < self.bottom)


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
        return all(_in_triangle(p, self.polygon, tolerance) for p in box.corners())


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


# --------------------------------------------------------------------------- text


_NARROW = frozenset(" !'(),./:;I[]`fijlrt|ı")
_WIDE = frozenset("mwMWæÆœŒ@%")


_EM_CACHE: dict[str, float] = {}


def _char_em(ch: str) -> float:
    em = _EM_CACHE.get(ch)
    if em is None:
        em = _EM_CACHE[ch] = _measure_char(ch)
    return em


def _measure_char(ch: str) -> float:
    if ch in _NARROW:
        return 0.42
    if ch in _WIDE:
        return 1.0
    if unicodedata.combining(ch):
        return 0.0
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 1.05
    if ch.isupper():
        return 0.8
    return 0.64


def text_width(text: str, font_size: float = 1.0, *, bold: bool = False) -> float:
    """A conservative estimate of the rendered width of ``text``.

    The widths are a little above DejaVu Sans (the widest of the usual system sans
    fonts), so a box sized by this never clips its text in any of them.

    Examples
    --------
    >>> text_width("Mor", 10)
    20.6
    >>> text_width("Mor", 10) < text_width("Mor", 10, bold=True)
    True
    """
    try:  # the common case: every character measured before (a list sums faster)
        em = sum([_EM_CACHE[ch] for ch in text])
    except KeyError:
        em = sum(_char_em(ch) for ch in text)
    return round(em * font_size * (1.1 if bold else 1.0), 2)


def wrap_label(text: str, max_em: float = LINE_EM, max_lines: int = MAX_LINES) -> tuple[str, ...]:
    """Break ``text`` into at most ``max_lines`` lines of at most ``max_em`` em.

    Words longer than a line are cut; text that does not fit ends in an ellipsis,
    so a 200-character label still gets a readable, bounded box.

    Examples
    --------
    >>> wrap_label("Koordinerende sagsbehandler")
    ('Koordinerende', 'sagsbehandler')
    >>> wrap_label("a " * 60, max_em=3, max_lines=2)
    ('a a a', 'a a …')
    """
    words: list[str] = []
    for word in text.split():
        while text_width(word) > max_em:
            cut = _fit_prefix(word, max_em)
            words.append(word[:cut])
            word = word[cut:]
        if word:
            words.append(word)
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if text_width(candidate) <= max_em:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current or not lines:
        lines.append(current)
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and text_width(last + " …") > max_em:
            last = last[:-1].rstrip()
        lines = [*lines[: max_lines - 1], f"{last} …" if last else "…"]
    return tuple(lines)


def _fit_prefix(word: str, max_em: float) -> int:
    width = 0.0
    for i, ch in enumerate(word):
        width += _char_em(ch)
        if width > max_em:
            return max(i, 1)
    return len(word)


# ----------------------------------------------------------------------- placement


_SECTOR_PANELS = {
    "civilsamfund": "civilsamfund",
    "privat erhverv": "civilsamfund",
    "privat netværk": "netvaerk",
    "privat netvaerk": "netvaerk",
    "netværk": "netvaerk",
}
_KIND_PANELS = {
    "network": "netvaerk",
    "volunteer": "civilsamfund",
    "professional": "afdelinger",
    "organisation": "organisationer",
}


def panel_for(actor: Actor) -> str:
    """The panel an actor without one belongs in, judged from its kind and sector.

    The rule, first match wins: a ``network`` person goes to *netvaerk* and a
    ``volunteer`` to *civilsamfund*; otherwise the sector decides (civilsamfund or
    privat erhverv → *civilsamfund*, privat netværk → *netvaerk*); otherwise a
    ``professional`` is assumed to work in the citizen's own administration
    (*afdelinger*) and an ``organisation`` goes to *organisationer*. An actor
    that names its panel keeps it.

    Examples
    --------
    >>> from app.graph.document import Actor
    >>> panel_for(Actor(key="m", kind="network", label="Mor"))
    'netvaerk'
    >>> panel_for(Actor(key="k", kind="organisation", label="Klub", sector=" Civilsamfund"))
    'civilsamfund'
    >>> panel_for(Actor(key="p", kind="professional", label="Psykolog"))
    'afdelinger'
    """
    if actor.panel is not None:
        return actor.panel
    if actor.kind in ("network", "volunteer"):
        return _KIND_PANELS[actor.kind]
    if actor.sector is not None:
        sector = " ".join(actor.sector.split()).casefold()
        if sector in _SECTOR_PANELS:
            return _SECTOR_PANELS[sector]
    return _KIND_PANELS.get(actor.kind, "afdelinger")


@dataclass(frozen=True)
class _Item:
    """An actor's label before placement: wrapped lines and size in em."""

    key: str
    kind: str
    panel: str
    ring: int
    lines: tuple[str, ...]
    width_em: float
    coordinator: bool
    placed_by_rule: bool
    #: Blank template slots are sized for handwriting, not for text.
    blank_lines: int = 0


@dataclass(frozen=True)
class _Metrics:
    """Sizes derived from one font size, so every attempt scales consistently."""

    font: float
    line: float
    pad_x: float
    pad_y: float
    badge: float
    gap: float
    row_gap: float

    @classmethod
    def of(cls, font: float) -> _Metrics:
        return cls(font=font, line=round(font * 1.25, 2), pad_x=round(font * 0.55, 2),
                   pad_y=round(font * 0.35, 2), badge=round(font * 1.2, 2),
                   gap=round(font * 0.7, 2), row_gap=round(font * 0.5, 2))

    def size(self, item: _Item) -> tuple[float, float]:
        lines = item.blank_lines or len(item.lines)
        badge_em = _BADGE_EM if item.coordinator else 0.0
        w = max(item.width_em, badge_em * 0.8) * self.font + 2 * self.pad_x
        h = lines * self.line + 2 * self.pad_y + (self.badge if item.coordinator else 0.0)
        return math.ceil(w), math.ceil(h)


# Width of the coordinator badge ("★ KOORDINATOR" / "★ COORDINATOR"), in em of its font.
_BADGE_EM = text_width("★ KOORDINATOR", bold=True) + 0.5


@dataclass(frozen=True)
class _Frame:
    """A panel's own axes: depth from the apex outward and a signed cross offset."""

    side: Side
    depth: float  # apex to the outer edge
    slope: float  # half-width of the triangle per unit of depth
    cx: float
    cy: float

    @property
    def along_x(self) -> bool:
        """Top and bottom panels lay labels out in rows, side panels in columns."""
        return self.side in ("top", "bottom")

    def half_width(self, depth: float, margin: float) -> float:
        return self.slope * depth - margin * math.sqrt(1 + self.slope * self.slope)

    def box(self, u0: float, u1: float, v0: float, v1: float) -> Box:
        if self.side == "top":
            return Box(self.cx + v0, self.cy - u1, v1 - v0, u1 - u0)
        if self.side == "bottom":
            return Box(self.cx + v0, self.cy + u0, v1 - v0, u1 - u0)
        if self.side == "left":
            return Box(self.cx - u1, self.cy + v0, u1 - u0, v1 - v0)
        return Box(self.cx + u0, self.cy + v0, u1 - u0, v1 - v0)


_Placed = tuple[_Item, float, float, float, float]  # item, u0, u1, v0, v1


def _pack(frame: _Frame, items: Sequence[_Item], sizes: Sequence[tuple[float, float]],
          start: float, limit: float, m: _Metrics) -> tuple[list[_Placed], float] | None:
    """Fill rows (or columns) outward from depth ``start``; None if past ``limit``.

    Each row is checked against the triangle's width at its inner edge, where the
    triangle is narrowest, so every box in it is inside the panel.
    """
    placed: list[_Placed] = []
    u = start
    i = 0
    n = len(items)
    end = start
    while i < n:
        avail = 2 * frame.half_width(u, DIAGONAL_MARGIN)
        row: list[int] = []
        total = 0.0
        while i < n:
            w, h = sizes[i]
            cross = w if frame.along_x else h
            need = total + (m.gap if row else 0.0) + cross
            if need > avail:
                break
            row.append(i)
            total = need
            i += 1
        if not row:
            u += m.row_gap
            if u > limit:
                return None
            continue
        thick = max((sizes[j][1] if frame.along_x else sizes[j][0]) for j in row)
        # Moving the row outward (where the panel is wider) to take one more label
        # is better than starting another row, whenever it costs less depth.
        edge = DIAGONAL_MARGIN * math.sqrt(1 + frame.slope * frame.slope)
        while i < n:
            w, h = sizes[i]
            cross, deep = (w, h) if frame.along_x else (h, w)
            wider = total + m.gap + cross
            further = (wider / 2 + edge) / frame.slope + 0.01
            new_thick = max(thick, deep)
            if further - u >= new_thick or further + new_thick > limit:
                break
            u, thick, total = further, new_thick, wider
            row.append(i)
            i += 1
        avail = 2 * frame.half_width(u, DIAGONAL_MARGIN)
        if u + thick > limit:
            return None
        spread = min((avail - total) / (len(row) + 1), 3.0 * m.font)
        v = -(total + spread * (len(row) - 1)) / 2
        for j in row:
            w, h = sizes[j]
            cross, deep = (w, h) if frame.along_x else (h, w)
            u0 = u + (thick - deep) / 2
            placed.append((items[j], u0, u0 + deep, v, v + cross))
            v += cross + m.gap + spread
        end = u + thick
        u = end + m.row_gap
    return placed, end


def _frames(panels: Sequence[PanelSpec], width: float, height: float) -> list[_Frame]:
    cx, cy = width / 2, height / 2
    frames = []
    for spec in panels:
        if spec.side in ("top", "bottom"):
            frames.append(_Frame(spec.side, cy, cx / cy, cx, cy))
        else:
            frames.append(_Frame(spec.side, cx, cy / cx, cx, cy))
    return frames


def _check_panels(panels: Sequence[PanelSpec]) -> None:
    sides = [p.side for p in panels]
    keys = [p.key for p in panels]
    if sorted(sides) != sorted(("top", "right", "bottom", "left")):
        raise LayoutError("Kuverten skal have præcis ét panel på hver af de fire sider.")
    if len(set(keys)) != len(keys):
        raise LayoutError("To paneler har samme nøgle.")


def _polygon(side: Side, width: float, height: float) -> tuple[Point, Point, Point]:
    c = (round(width / 2, 1), round(height / 2, 1))
    w, h = round(width, 1), round(height, 1)
    corners: dict[Side, tuple[Point, Point]] = {
        "top": ((0.0, 0.0), (w, 0.0)),
        "right": ((w, 0.0), (w, h)),
        "bottom": ((w, h), (0.0, h)),
        "left": ((0.0, h), (0.0, 0.0)),
    }
    a, b = corners[side]
    return (a, b, c)


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


def _attempt(items: Sequence[_Item], citizen: _Item, panels: Sequence[PanelSpec],
             height: float, font: float) -> Layout | None:
    width = round(height * SQRT2, 1)
    m = _Metrics.of(font)
    cm = _Metrics.of(round(font * CITIZEN_SCALE, 1))
    cw, ch = cm.size(citizen)
    cw, ch = cw + cm.pad_x, ch + cm.pad_y  # the citizen's box gets a little more air
    frames = _frames(panels, width, height)
    sizes = {it.key: m.size(it) for it in items}
    by_panel: list[list[list[_Item]]] = [[[], [], []] for _ in panels]
    index = {spec.key: n for n, spec in enumerate(panels)}
    for it in items:
        by_panel[index[it.panel]][it.ring - 1].append(it)

    # The citizen's box reaches this far into each panel; ring 1 starts beyond it.
    s_cit = max(((ch / 2 if f.along_x else cw / 2) + m.gap) / f.depth for f in frames)
    outer = min((f.depth - TITLE_STRIP - 4) / f.depth for f in frames)
    min_band = 0.12

    # Pass 1: the tightest bands that hold every ring in every panel.
    bounds = [s_cit]
    for ring in range(3):
        start = bounds[-1]
        end = start + min_band
        for f, rings in zip(frames, by_panel, strict=True):
            group = rings[ring]
            if not group:
                continue
            res = _pack(f, group, [sizes[it.key] for it in group], start * f.depth + m.row_gap,
                        outer * f.depth, m)
            if res is None:
                return None
            end = max(end, (res[1] + m.row_gap) / f.depth + 1e-6)
        bounds.append(end)
    if bounds[-1] > outer:
        return None

    # Pass 2: share the spare depth among the bands and centre each ring's rows in
    # its band; if that ever fails to fit, keep the tight bands of pass 1.
    slack = outer - bounds[-1]
    wide = [bounds[0]] + [bounds[r + 1] + slack * (r + 1) / 3 for r in range(3)]
    placed = _place_all(frames, by_panel, sizes, wide, m, centred=True)
    if placed is None:
        wide = [*bounds[:3], outer]
        placed = _place_all(frames, by_panel, sizes, wide, m, centred=False)
    if placed is None:  # pragma: no cover - pass 1 proved these bands fit
        return None

    boxes: dict[str, ActorBox] = {}
    for f, spec, placed_group in zip(frames, panels, placed, strict=True):
        for it, u0, u1, v0, v1 in placed_group:
            b = f.box(u0, u1, v0, v1)
            boxes[it.key] = ActorBox(
                key=it.key, kind=it.kind, panel=spec.key, ring=it.ring,
                box=Box(round(b.x, 1), round(b.y, 1), round(b.w, 1), round(b.h, 1)),
                lines=it.lines, font_size=m.font, line_height=m.line,
                coordinator=it.coordinator, placed_by_rule=it.placed_by_rule)
    cbox = Box(round(width / 2 - cw / 2, 1), round(height / 2 - ch / 2, 1), cw, ch)
    return Layout(
        width=width, height=round(height, 1),
        centre=(round(width / 2, 1), round(height / 2, 1)),
        citizen=ActorBox(key=citizen.key, kind="citizen", panel="", ring=0, box=cbox,
                         lines=citizen.lines, font_size=cm.font, line_height=cm.line),
        panels=tuple(PanelGeometry(spec, _polygon(spec.side, width, height),
                                   *_title_box(spec, width, height)) for spec in panels),
        actors=tuple(boxes[it.key] for it in items),
        font_size=m.font,
        ring_bounds=(round(wide[0], 4), round(wide[1], 4), round(wide[2], 4),
                     round(wide[3], 4)),
    )


def _place_all(frames: Sequence[_Frame], by_panel: Sequence[Sequence[Sequence[_Item]]],
               sizes: dict[str, tuple[float, float]], bounds: Sequence[float], m: _Metrics,
               *, centred: bool) -> list[list[_Placed]] | None:
    result: list[list[_Placed]] = []
    for f, rings in zip(frames, by_panel, strict=True):
        group_out: list[_Placed] = []
        for ring in range(3):
            group = rings[ring]
            if not group:
                continue
            gs = [sizes[it.key] for it in group]
            lo = bounds[ring] * f.depth + m.row_gap
            hi = bounds[ring + 1] * f.depth - (m.row_gap if ring < 2 else 0.0)
            res = _pack(f, group, gs, lo, hi, m)
            if res is None:
                return None
            if centred and hi - res[1] > m.row_gap:
                res = _best_start(f, group, gs, lo, hi, m, res)
            group_out.extend(res[0])
        result.append(group_out)
    return result


def _best_start(frame: _Frame, group: Sequence[_Item], sizes: Sequence[tuple[float, float]],
                lo: float, hi: float, m: _Metrics,
                tight: tuple[list[_Placed], float]) -> tuple[list[_Placed], float]:
    """Where in its band a ring's rows look best: fewest rows first (the panel widens
    outward, so labels sit side by side rather than stacked on the axis, where the
    citizen's lines run), then as close to the middle of the band as possible."""
    best = tight
    best_rows = _rows(tight[0])
    best_off = abs((lo + tight[1]) / 2 - (lo + hi) / 2)
    steps = 8
    for k in range(1, steps + 1):
        res = _pack(frame, group, sizes, lo + (hi - lo) * k / steps, hi, m)
        if res is None or not res[0]:
            break
        start = res[0][0][1] if res[0] else lo
        rows, off = _rows(res[0]), abs((start + res[1]) / 2 - (lo + hi) / 2)
        if (rows, off) < (best_rows, best_off):
            best, best_rows, best_off = res, rows, off
    return best


def _rows(placed: Sequence[_Placed]) -> int:
    return len({round(p[1] + (p[2] - p[1]) / 2, 3) for p in placed}) if placed else 0


def _items(doc: GraphDocument, panels: Sequence[PanelSpec]) -> tuple[list[_Item], _Item]:
    known = {p.key for p in panels}
    sides = {p.key: p.side for p in panels}
    fallback = panels[0].key
    items: list[_Item] = []
    citizen: _Item | None = None
    for actor in doc.actors:
        if actor.kind == "citizen":
            lines = wrap_label(actor.label, max_em=8.0, max_lines=2)
            width_em = max(text_width(line, bold=True) for line in lines)
            citizen = _Item(actor.key, "citizen", "", 0, lines, width_em, False, False)
            continue
        panel = panel_for(actor)
        by_rule = actor.panel is None or actor.panel not in known
        if panel not in known:
            panel = _KIND_PANELS.get(actor.kind, fallback)
            panel = panel if panel in known else fallback
        lines = wrap_label(actor.label, max_em=_line_em(actor.label, sides[panel]))
        width_em = max(text_width(line) for line in lines)
        items.append(_Item(actor.key, actor.kind, panel, actor.ring or 2, lines, width_em,
                           actor.key == doc.coordinator, by_rule))
    assert citizen is not None  # guaranteed by GraphDocument's rules
    return items, citizen


def _line_em(label: str, side: Side) -> float:
    """How wide a label's lines may be: side panels stack labels in columns, so
    there a narrower, taller label (as narrow as its longest word) saves depth."""
    if side in ("top", "bottom"):
        return LINE_EM
    longest = max((text_width(word) for word in label.split()), default=0.0)
    return min(LINE_EM, max(SIDE_LINE_EM, longest))


def _solve(items: Sequence[_Item], citizen: _Item, panels: Sequence[PanelSpec],
           label_scale: float = 1.0) -> Layout:
    _check_panels(panels)
    height = BASE_HEIGHT
    for font in FONT_SIZES:
        result = _attempt(items, citizen, panels, height, round(font * label_scale, 2))
        if result is not None:
            return result
    while True:
        height = round(height * GROWTH, 1)
        result = _attempt(items, citizen, panels, height, round(MIN_FONT_SIZE * label_scale, 2))
        if result is not None:
            return result


def layout_document(doc: GraphDocument, *,
                    panels: Sequence[PanelSpec] = DEFAULT_PANELS,
                    label_scale: float = 1.0) -> Layout:
    """Place every actor of ``doc`` in its panel and ring band around the citizen.

    Actors keep document order within a band (rows fill from the panel's axis
    outward), so a change to one actor moves as few others as possible. A crowded
    panel first makes its bands deeper, then every label smaller (down to
    :data:`MIN_FONT_SIZE`), and only then the whole envelope grows; the envelope
    always keeps the √2:1 ratio so it prints on an A-series page.

    Parameters
    ----------
    doc : GraphDocument
        The network; the citizen goes in the centre, every other actor in a panel.
    panels : sequence of PanelSpec
        Exactly one panel per side; the default is :data:`DEFAULT_PANELS`. Actors
        whose panel is missing (or not configured) are placed by :func:`panel_for`.
    label_scale : float
        Every font size tried is multiplied by this: print asks for larger labels
        (``app.diagram.print_label_scale`` picks the scale that prints largest). 1 on
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
    ordinary networks, about twenty for 150 actors crammed into one panel.
    """
    items, citizen = _items(doc, panels)
    return _solve(items, citizen, panels, label_scale)


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
    items: list[_Item] = []
    for spec in panels:
        for n in range(per_panel):
            ring = 1 + (n * 3) // per_panel
            width_em = 10.0 if spec.side in ("top", "bottom") else SIDE_LINE_EM
            items.append(_Item(f"slot-{spec.key}-{n + 1}", "slot", spec.key, ring, (),
                               width_em, False, False, blank_lines=2))
    citizen = _Item("citizen", "citizen", "", 0, ("",), 6.0, False, False, blank_lines=2)
    return _solve(items, citizen, panels)


def _in_triangle(p: Point, tri: tuple[Point, Point, Point], tol: float) -> bool:
    def cross(a: Point, b: Point, c: Point) -> float:
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])

    a, b, c = tri
    d1, d2, d3 = cross(a, b, p), cross(b, c, p), cross(c, a, p)
    scale = tol * max(1.0, abs(cross(a, b, c)))
    has_neg = d1 < -scale or d2 < -scale or d3 < -scale
    has_pos = d1 > scale or d2 > scale or d3 > scale
    return not (has_neg and has_pos)
