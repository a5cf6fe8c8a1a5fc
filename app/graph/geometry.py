"""The plane geometry of the envelope: points, boxes, panel triangles and panel axes.

SVG coordinates throughout: the origin is the envelope's top-left corner and y grows
downward. The envelope's two diagonals cut it into four triangles, one per side, that
meet at the centre; :class:`PanelFrame` turns a triangle into axes of its own, so the
label packer works alike in all four and only the last step knows the side.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

__all__ = ["Box", "PanelFrame", "Point", "Side", "in_triangle", "panel_triangle", "round1",
           "rounded"]

Side = Literal["top", "right", "bottom", "left"]
Point = tuple[float, float]


def round1(x: float) -> float:
    """``round(x, 1)``, exactly, in about half the time.

    Every coordinate the layout and the router hand on is rounded to a tenth, a few
    thousand times per drawing, and ``round`` with digits goes through a decimal
    string. Here ``10 x`` is rounded to an integer ``n`` instead; when ``10 x`` is not
    within a hair of a half (its own rounding error is below 1e-7 for the sizes
    accepted), ``n`` is the integer nearest the exact ``10 x`` and ``n / 10`` the
    float nearest ``n / 10``: what ``round`` returns. Zero (for its sign), halves,
    huge values, infinities and NaN go to ``round`` itself.

    Examples
    --------
    >>> round1(2.675), round1(-0.04), round1(0.25), round1(1e300) == round(1e300, 1)
    (2.7, -0.0, 0.2, True)
    """
    t = x * 10.0
    if -1e9 < t < 1e9:
        n = round(t)
        if n and -0.4999 < t - n < 0.4999:
            return n / 10.0
    return round(x, 1)


_SCALES = (1.0, 10.0, 100.0, 1000.0, 10000.0, 100000.0, 1000000.0)


def rounded(x: float, digits: int) -> float:
    """``round(x, digits)`` for 1 to 6 digits, exactly, as :func:`round1` does it.

    Examples
    --------
    >>> rounded(2.675, 2), rounded(0.1234567, 6), rounded(-0.0004, 3)
    (2.67, 0.123457, -0.0)
    """
    scale = _SCALES[digits]
    t = x * scale
    if -1e9 < t < 1e9:
        n = round(t)
        if n and -0.4999 < t - n < 0.4999:
            return n / scale
    return round(x, digits)


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
        return (round1(self.x + self.w / 2), round1(self.y + self.h / 2))

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
class PanelFrame:
    """A panel's own axes: depth ``u`` from the apex outward and a signed cross offset ``v``.

    The apex is the envelope's centre ``(cx, cy)``; ``u`` runs toward the panel's
    outer edge and ``v`` along it (rightward in the top and bottom panels, downward at
    the sides). At depth ``u`` the triangle reaches ``slope * u`` to either side of
    its axis.

    Examples
    --------
    >>> top = PanelFrame.of("top", 200.0, 100.0)
    >>> top.depth, top.slope
    (50.0, 2.0)
    >>> top.box(10.0, 20.0, -5.0, 5.0)
    Box(x=95.0, y=30.0, w=10.0, h=10.0)
    """

    side: Side
    depth: float  # apex to the outer edge
    slope: float  # half-width of the triangle per unit of depth
    cx: float
    cy: float

    @classmethod
    def of(cls, side: Side, width: float, height: float) -> PanelFrame:
        """The frame of the panel on ``side`` of an envelope ``width`` by ``height``."""
        cx, cy = width / 2, height / 2
        if side in ("top", "bottom"):
            return cls(side, cy, cx / cy, cx, cy)
        return cls(side, cx, cy / cx, cx, cy)

    @property
    def along_x(self) -> bool:
        """Top and bottom panels lay labels out in rows, side panels in columns."""
        return self.side in ("top", "bottom")

    def half_width(self, depth: float, margin: float) -> float:
        """How far from the axis a box may reach at ``depth`` and keep ``margin`` from
        the diagonal (measured square to the diagonal, not along ``v``)."""
        return self.slope * depth - margin * math.sqrt(1 + self.slope * self.slope)

    def box(self, u0: float, u1: float, v0: float, v1: float) -> Box:
        """The envelope's box for depths ``u0..u1`` and cross offsets ``v0..v1``."""
        return Box(*self.rect(u0, u1, v0, v1))

    def rect(self, u0: float, u1: float, v0: float,
             v1: float) -> tuple[float, float, float, float]:
        """:meth:`box` as ``(x, y, w, h)``, for callers that round it into a box anyway."""
        if self.side == "top":
            return (self.cx + v0, self.cy - u1, v1 - v0, u1 - u0)
        if self.side == "bottom":
            return (self.cx + v0, self.cy + u0, v1 - v0, u1 - u0)
        if self.side == "left":
            return (self.cx - u1, self.cy + v0, u1 - u0, v1 - v0)
        return (self.cx + u0, self.cy + v0, u1 - u0, v1 - v0)


def panel_triangle(side: Side, width: float, height: float) -> tuple[Point, Point, Point]:
    """The panel on ``side``: its two outer corners (clockwise), then the centre.

    Examples
    --------
    >>> panel_triangle("right", 200.0, 100.0)
    ((200.0, 0.0), (200.0, 100.0), (100.0, 50.0))
    """
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


def in_triangle(p: Point, tri: tuple[Point, Point, Point], tol: float) -> bool:
    """Whether ``p`` lies in ``tri`` or on its edges, give or take ``tol`` (relative
    to the triangle's size, so rounded coordinates on an edge still count as inside).

    Examples
    --------
    >>> tri = ((0.0, 0.0), (10.0, 0.0), (5.0, 5.0))
    >>> in_triangle((5.0, 0.0), tri, 1e-6), in_triangle((5.0, -1.0), tri, 1e-6)
    (True, False)
    """
    def cross(a: Point, b: Point, c: Point) -> float:
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])

    a, b, c = tri
    d1, d2, d3 = cross(a, b, p), cross(b, c, p), cross(c, a, p)
    scale = tol * max(1.0, abs(cross(a, b, c)))
    has_neg = d1 < -scale or d2 < -scale or d3 < -scale
    has_pos = d1 > scale or d2 > scale or d3 > scale
    return not (has_neg and has_pos)
