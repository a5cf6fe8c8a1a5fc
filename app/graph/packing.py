"""The label packer: one ring's labels in rows across a panel's triangle, none overlapping.

A panel is a triangle that widens from the citizen outward, so a row of labels fits
where the triangle is wide enough at the row's inner edge. The packer fills rows
(columns in the side panels) outward from a start depth, in the order it is given,
and reports how deep it went; the layout chooses the depths (the ring bands), the
font size and the order, and calls it many times per drawing, so it stays cheap:
plain arithmetic in a panel's own axes (:class:`app.graph.geometry.PanelFrame`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from app.graph.geometry import PanelFrame, rounded
from app.graph.text_metrics import text_width

__all__ = [
    "BADGE_EM",
    "DIAGONAL_MARGIN",
    "Label",
    "LabelMetrics",
    "Packed",
    "PlacedLabel",
    "pack",
    "place_all",
]

#: Label boxes keep at least this distance from the diagonals (room for ring marks).
DIAGONAL_MARGIN = 10.0
#: Width of the coordinator badge ("★ KOORDINATOR" / "★ COORDINATOR"), in em of its font.
BADGE_EM = text_width("★ KOORDINATOR", bold=True) + 0.5


@dataclass(frozen=True)
class Label:
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
class LabelMetrics:
    """Sizes derived from one font size, so every attempt scales consistently."""

    font: float
    line: float
    pad_x: float
    pad_y: float
    badge: float
    gap: float
    row_gap: float

    @classmethod
    def of(cls, font: float) -> LabelMetrics:
        return cls(font=font, line=round(font * 1.25, 2), pad_x=round(font * 0.55, 2),
                   pad_y=round(font * 0.35, 2), badge=round(font * 1.2, 2),
                   gap=round(font * 0.7, 2), row_gap=round(font * 0.5, 2))

    def size(self, label: Label) -> tuple[float, float]:
        """Width and height of ``label``'s box, rounded up to whole units."""
        lines = label.blank_lines or len(label.lines)
        badge_em = BADGE_EM if label.coordinator else 0.0
        w = max(label.width_em, badge_em * 0.8) * self.font + 2 * self.pad_x
        h = lines * self.line + 2 * self.pad_y + (self.badge if label.coordinator else 0.0)
        return math.ceil(w), math.ceil(h)

    def sizes(self, labels: Sequence[Label]) -> dict[str, tuple[float, float]]:
        """:meth:`size` of every label, by key: the same sums in the same order, with
        what they share worked out once (every size tried sizes every label)."""
        font, line, badge = self.font, self.line, self.badge
        pad_x2, pad_y2, badge_em = 2 * self.pad_x, 2 * self.pad_y, BADGE_EM * 0.8
        ceil = math.ceil
        return {it.key: (ceil(max(it.width_em, badge_em if it.coordinator else 0.0) * font
                              + pad_x2),
                         ceil((it.blank_lines or len(it.lines)) * line + pad_y2
                              + (badge if it.coordinator else 0.0)))
                for it in labels}


# The two result types are slotted, not frozen: the packer makes hundreds per drawing,
# most of them for trial positions it then drops, and a frozen dataclass or a NamedTuple
# costs several percent of the layout's time to construct. Nothing changes them.


@dataclass(slots=True)
class PlacedLabel:
    """Where a label went, in its panel's axes (see :class:`PanelFrame`): depths
    ``u0..u1`` from the apex and cross offsets ``v0..v1``."""

    label: Label
    u0: float
    u1: float
    v0: float
    v1: float


@dataclass(slots=True)
class Packed:
    """What :func:`pack` placed, in order, and the depth where its last row ends."""

    placed: list[PlacedLabel]
    end: float


def pack(frame: PanelFrame, labels: Sequence[Label], sizes: Sequence[tuple[float, float]],
         start: float, limit: float, m: LabelMetrics) -> Packed | None:
    """Fill rows (or columns) outward from depth ``start``; None if past ``limit``.

    Each row is checked against the triangle's width at its inner edge, where the
    triangle is narrowest, so every box in it is inside the panel. ``sizes`` are the
    labels' box sizes (:meth:`LabelMetrics.size`), in the same order.
    """
    placed: list[PlacedLabel] = []
    u = start
    i = 0
    n = len(labels)
    end = start
    # Loop invariants, computed as PanelFrame.half_width computes them.
    along_x, slope, gap, row_gap = frame.along_x, frame.slope, m.gap, m.row_gap
    edge = DIAGONAL_MARGIN * math.sqrt(1 + slope * slope)
    while i < n:
        avail = 2 * (slope * u - edge)
        row: list[int] = []
        total = 0.0
        while i < n:
            w, h = sizes[i]
            cross = w if along_x else h
            need = total + (gap if row else 0.0) + cross
            if need > avail:
                break
            row.append(i)
            total = need
            i += 1
        if not row:
            u += row_gap
            if u > limit:
                return None
            continue
        thick = max([sizes[j][1] for j in row] if along_x else [sizes[j][0] for j in row])
        # Moving the row outward (where the panel is wider) to take one more label
        # is better than starting another row, whenever it costs less depth.
        while i < n:
            w, h = sizes[i]
            cross, deep = (w, h) if along_x else (h, w)
            wider = total + gap + cross
            further = (wider / 2 + edge) / slope + 0.01
            new_thick = max(thick, deep)
            if further - u >= new_thick or further + new_thick > limit:
                break
            u, thick, total = further, new_thick, wider
            row.append(i)
            i += 1
        avail = 2 * (slope * u - edge)
        if u + thick > limit:
            return None
        spread = min((avail - total) / (len(row) + 1), 3.0 * m.font)
        v = -(total + spread * (len(row) - 1)) / 2
        for j in row:
            w, h = sizes[j]
            cross, deep = (w, h) if along_x else (h, w)
            u0 = u + (thick - deep) / 2
            placed.append(PlacedLabel(labels[j], u0, u0 + deep, v, v + cross))
            v += cross + gap + spread
        end = u + thick
        u = end + row_gap
    return Packed(placed, end)


def place_all(frames: Sequence[PanelFrame], by_panel: Sequence[Sequence[Sequence[Label]]],
              sizes: dict[str, tuple[float, float]], bounds: Sequence[float], m: LabelMetrics,
              *, centred: bool) -> list[list[PlacedLabel]] | None:
    """Pack every ring of every panel into its band; None if any ring does not fit.

    ``by_panel[p][r]`` are panel ``p``'s labels of ring ``r + 1``, in packing order;
    ring ``r + 1``'s band runs from ``bounds[r]`` to ``bounds[r + 1]``, as fractions of
    each panel's depth. With ``centred`` a ring that leaves room in its band is moved
    to where it looks best (:func:`_best_start`); otherwise it starts at the band's
    inner edge.
    """
    result: list[list[PlacedLabel]] = []
    for f, rings in zip(frames, by_panel, strict=True):
        group_out: list[PlacedLabel] = []
        for ring in range(3):
            group = rings[ring]
            if not group:
                continue
            gs = [sizes[it.key] for it in group]
            lo = bounds[ring] * f.depth + m.row_gap
            hi = bounds[ring + 1] * f.depth - (m.row_gap if ring < 2 else 0.0)
            res = pack(f, group, gs, lo, hi, m)
            if res is None:
                return None
            if centred and hi - res.end > m.row_gap:
                res = _best_start(f, group, gs, lo, hi, m, res)
            group_out.extend(res.placed)
        result.append(group_out)
    return result


def _best_start(frame: PanelFrame, group: Sequence[Label], sizes: Sequence[tuple[float, float]],
                lo: float, hi: float, m: LabelMetrics, tight: Packed) -> Packed:
    """Where in its band a ring's rows look best: fewest rows first (the panel widens
    outward, so labels sit side by side rather than stacked on the axis, where the
    citizen's lines run), then as close to the middle of the band as possible.

    Tries eight starts, inward to outward. Once the best so far has a single row, only
    a single row can beat it: all the labels, as thick as the thickest, no nearer the
    apex than its start. Its middle then lies at least ``lead`` past the start, so a
    start whose row could not be nearer the band's middle than the best, nor could
    any later one, ends the search: that saves about half the packing of a drawing's
    final layout, for the same result (``tests/graph/test_packing.py`` compares with
    trying all eight).
    """
    best = tight
    best_rows = _rows(tight.placed)
    middle = (lo + hi) / 2
    best_off = abs((lo + tight.end) / 2 - middle)
    deeps = [h for _, h in sizes] if frame.along_x else [w for w, _ in sizes]
    # A single row's middle, (first label's top + row's end) / 2, past its start.
    lead = (3 * max(deeps) - deeps[0]) / 4 if deeps else 0.0
    steps = 8
    for k in range(1, steps + 1):
        start = lo + (hi - lo) * k / steps
        # A millionth to spare for rounding: the bound itself is exact arithmetic.
        if best_rows == 1 and start + lead - middle >= best_off + 1e-6:
            break
        res = pack(frame, group, sizes, start, hi, m)
        if res is None or not res.placed:
            break
        first = res.placed[0].u0
        rows, off = _rows(res.placed), abs((first + res.end) / 2 - middle)
        if (rows, off) < (best_rows, best_off):
            best, best_rows, best_off = res, rows, off
    return best


def _rows(placed: Sequence[PlacedLabel]) -> int:
    """How many rows ``placed`` takes: labels of one row share the row's middle depth
    (to three decimals; the distinct middles are rounded, not every label's)."""
    return len({rounded(mid, 3) for mid in {p.u0 + (p.u1 - p.u0) / 2 for p in placed}})
