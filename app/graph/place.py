"""Where a point of the envelope lies: which panel, which ring.

The case page lets people click an empty spot of the envelope to add an actor
there, or drop an actor on a spot to move it. This module is the rule for what
"there" means; ``app/static/envelope.js`` applies the same rule in the browser
(to the drawn panels and ring boundaries), and the browser tests check the two
agree.
"""

from __future__ import annotations

from app.graph.geometry import Point, in_triangle
from app.graph.layout import Layout

__all__ = ["place_at", "ring_at"]


def ring_at(lay: Layout, point: Point) -> int:
    """The ring (1 closest to the citizen, 3 furthest) a point of the envelope lies in.

    The ring boundaries are the envelope scaled about its centre, so the ring
    follows from the point's scaled distance from the centre: the larger of its
    horizontal and vertical distance, each as a fraction of the half-size.

    Examples
    --------
    >>> from app.graph.examples import claus_nu
    >>> from app.graph.layout import layout_document
    >>> lay = layout_document(claus_nu())
    >>> cx, cy = lay.centre
    >>> ring_at(lay, (cx, cy * 0.05)), ring_at(lay, (cx, cy * 0.4)), ring_at(lay, (cx, cy))
    (3, 2, 1)
    """
    cx, cy = lay.centre
    scale = max(abs(point[0] - cx) / cx, abs(point[1] - cy) / cy)
    _citizen, end1, end2, _edge = lay.ring_bounds
    if scale <= end1:
        return 1
    if scale <= end2:
        return 2
    return 3


def place_at(lay: Layout, point: Point) -> tuple[str, int] | None:
    """The panel key and ring of a point in envelope coordinates (origin top-left).

    None when the point is outside the envelope or on the citizen, where no
    actor can go. A point on a diagonal belongs to the panel listed first.

    Examples
    --------
    >>> from app.graph.examples import claus_nu
    >>> from app.graph.layout import layout_document
    >>> lay = layout_document(claus_nu())
    >>> w, h = lay.width, lay.height
    >>> place_at(lay, (w / 2, 10)), place_at(lay, (w - 10, h / 2))
    (('afdelinger', 3), ('organisationer', 3))
    >>> place_at(lay, (w / 2, h - 10)), place_at(lay, (10, h / 2))
    (('civilsamfund', 3), ('netvaerk', 3))
    >>> place_at(lay, (w / 2, h * 0.2)), place_at(lay, (w / 2, h * 0.3))
    (('afdelinger', 2), ('afdelinger', 1))
    >>> place_at(lay, lay.centre) is None, place_at(lay, (-1, 5)) is None
    (True, True)
    """
    x, y = point
    if not (0 <= x <= lay.width and 0 <= y <= lay.height):
        return None
    b = lay.citizen.box
    if b.x <= x <= b.right and b.y <= y <= b.bottom:
        return None
    for panel in lay.panels:
        if in_triangle(point, panel.polygon, 0.0):
            return panel.spec.key, ring_at(lay, point)
    return None

