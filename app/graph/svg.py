"""The envelope diagram as SVG text: one renderer for the page, the print and the embed.

The output uses presentation attributes only (no ``<style>``, no scripts, no
external references), so it survives a strict Content-Security-Policy, inlining
into a page and conversion to PDF, and it is byte-identical for the same input.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from typing import Literal
from xml.sax.saxutils import escape, quoteattr

from app.graph.document import Actor, GraphDocument
from app.graph.errors import N_
from app.graph.geometry import Point
from app.graph.layout import (
    DEFAULT_PANELS,
    ActorBox,
    Layout,
    PanelSpec,
    clear_label_cache,
    layout_document,
    layout_template,
)
from app.graph.route import Route, route_couplings
from app.graph.text_metrics import text_width, wrap_label
from app.graph.words import (
    DANISH,
    PROTOTYPE_NAMES,
    STATE_NAMES,
    TARGET_GROUP_NAMES,
    Words,
)

__all__ = [
    "FONT_FAMILY",
    "Frame",
    "clear_caches",
    "legend_samples",
    "legend_svg",
    "render_svg",
    "render_template",
    "title_lines",
]

FONT_FAMILY = "DejaVu Sans, Arial, Helvetica, sans-serif"

_WORDS = {
    "model": N_("Kuvertmodel"), "date": N_("Dato"), "target": N_("Målgruppe"),
    "coordinator": N_("Koordinator"), "no_coordinator": N_("ingen koordinator"),
    "badge": N_("★ KOORDINATOR"), "legend": N_("Signaturforklaring"), "citizen": N_("Borger"),
    "citizen_legend": N_("Borgeren (i midten)"), "actor_legend": N_("Aktør"),
    "coord_legend": N_("Koordinator (tyk kant)"), "couplings": N_("Koblinger"),
    "coord_couplings": N_("Koordinatorens koblinger"), "rings": N_("Bånd"),
    "ring1": N_("tættest på borgeren"), "ring2": N_("jævnlig kontakt"),
    "ring3": N_("længst fra borgeren"), "ring_border": N_("grænse mellem bånd"),
    "prototype": N_("Prototype"),
    "desc": N_("Kuvertdiagram for %(label)s: %(actors)s aktører omkring borgeren "
               "%(citizen)s, %(couplings)s koblinger%(states)s.%(proto)s "
               "Koordinator: %(coord)s."),
    "blank_desc": N_("Tom kuvertskabelon til arbejde på papir, prototype %(p)s (%(name)s), "
                     "med %(slots)s tomme aktørfelter."),
    "blank_title": N_("Kuvertmodel – tom skabelon, prototype %(p)s"),
    "slot_legend": N_("Tomt felt: skriv en aktør"),
}

_PANEL_FILL = {"top": "#edf3fa", "right": "#edf7ef", "bottom": "#fbf3e8", "left": "#f4eef9"}
_STATE_STYLE: dict[str, tuple[str, float, str]] = {
    # colour, width, dash pattern ("" = solid); strained is drawn as a zig-zag
    "established": ("#1f5f99", 2.4, ""),
    "needed": ("#c0392b", 2.4, "9 6"),
    "weak": ("#566573", 1.5, "0.5 5"),
    # thin, small teeth in a muted burnt orange: unmistakable up close, yet no louder
    # than an established line from across the room
    "strained": ("#a8561c", 1.4, ""),
}
#: The strained zig-zag's half height and tooth length.
_ZIGZAG = (2.2, 8.0)
_STATE_ORDER = ("established", "needed", "weak", "strained")
_HALO = "#ffc93c"
#: Width of the white rim round a box that a line runs under (half of it shows).
_HALO_W = 8.0
_INK = "#1d2b3a"
_CITIZEN_FILL = "#243b55"
_LEGEND_W = 270.0
_HEADER_H = 72.0
_MARGIN = 24.0
#: The margin round an envelope drawn alone (``frame="envelope"``): room for its border.
_ENVELOPE_MARGIN = 6.0
#: What :func:`render_svg` draws: the whole page (title block, envelope, legend) or, for
#: paper, the envelope alone.
Frame = Literal["page", "envelope"]
_INVALID_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


# ------------------------------------------------------------------------ helpers


def _n(x: float) -> str:
    """Numbers with at most one decimal, so output is short and stable.

    Two thousand calls per drawing, so it tests the last character (``.1f`` always
    writes one decimal) rather than calling ``endswith``.

    Examples
    --------
    >>> _n(12.0), _n(-0.04), _n(3.25), _n(-7.96)
    ('12', '0', '3.2', '-8')
    """
    s = f"{x:.1f}"
    if s[-1] == "0":
        s = s[:-2]
        return "0" if s == "-0" else s
    return s


def _n2(x: float) -> str:
    """Two decimals, for relative moves repeated many times (their rounding adds up).
    Trailing zeros go by looking at the last two characters (``.2f`` writes two).

    Examples
    --------
    >>> _n2(1.5), _n2(10.0), _n2(-0.001), _n2(-7.125), _n2(0.05)
    ('1.5', '10', '0', '-7.12', '0.05')
    """
    s = f"{x:.2f}"
    if s[-1] == "0":
        s = s[:-1] if s[-2] != "0" else s[:-3]
        return "0" if s == "-0" else s
    return s


def _clean(text: str) -> str:
    """Replace characters XML 1.0 cannot carry at all (control codes, lone surrogates).

    A printable text has none of them (control codes, surrogates and the
    non-characters are all unprintable), and ``isprintable`` is much quicker than the
    substitution, so most labels skip it.
    """
    return text if text.isprintable() else _INVALID_XML.sub("\ufffd", text)


def _t(text: str) -> str:
    """Text content, cleaned and escaped; most labels need no escaping at all."""
    text = _clean(text)
    return escape(text) if "&" in text or "<" in text or ">" in text else text


def _a(text: str) -> str:
    if text.isascii() and text.isalnum():  # most keys: nothing to escape
        return f'"{text}"'
    return quoteattr(_clean(text))


def _ident(key: str) -> str:
    """An id-safe, injective spelling of a key: ASCII letters and digits stay, the
    rest (including ``-``, so ``coupling-a-b`` stays unambiguous) become ``_hex_``.

    Examples
    --------
    >>> _ident("uu"), _ident("a.b"), _ident("a-b"), _ident("søn")
    ('uu', 'a_2e_b', 'a_2d_b', 's_f8_n')
    """
    if key.isascii() and key.isalnum():
        return key
    return "".join(ch if ch.isascii() and ch.isalnum() else f"_{ord(ch):x}_" for ch in key)


def _date(on: date) -> str:
    return f"{on.day:02d}.{on.month:02d}.{on.year:04d}"


def _prototype_text(prototype: int, words: Words) -> str:
    name = words(PROTOTYPE_NAMES[prototype]) if prototype in PROTOTYPE_NAMES else ""
    word = words(_WORDS["prototype"])
    return f"{word} {prototype} – {name}" if name else f"{word} {prototype}"


class _Numbers(dict[float, str]):
    """:func:`_n` with a memory, for one drawing: ``num[x]`` is ``_n(x)``.

    An actor's anchor comes up again in every line that ends there, its box again in
    its halo, so of two thousand numbers a drawing writes only a third differ; each is
    formatted once. (Equal keys, such as 0.0 and -0.0, are written alike by ``_n``.)
    """

    def __missing__(self, x: float) -> str:
        text = self[x] = _n(x)
        return text


def _compact(numbers: str) -> str:
    """Path data without the space before a minus sign, which separates by itself
    (SVG's path grammar): ``"3 -4 5"`` becomes ``"3-4 5"``. The zig-zags are most of a
    drawing's bytes and half their numbers are negative."""
    return numbers.replace(" -", "-")


def _zigzag(p: Point, q: Point, num: _Numbers, amplitude: float = _ZIGZAG[0],
            step: float = _ZIGZAG[1]) -> str:
    """Path data for a zig-zag from p to q: the shape itself says "strained".

    The teeth are the same two relative moves over and over (``l`` then implicit
    repeats), so they are formatted once; the last move is absolute, so the line ends
    exactly at q whatever the rounding of the repeated moves.
    """
    dx, dy = q[0] - p[0], q[1] - p[1]
    length = math.hypot(dx, dy)
    n = max(2, round(length / step))
    nx, ny = (-dy / length, dx / length) if length else (0.0, 0.0)
    sx, sy = dx / n, dy / n
    a2x, a2y = 2 * amplitude * nx, 2 * amplitude * ny
    first = f"{_n2(sx + nx * amplitude)} {_n2(sy + ny * amplitude)}"
    down = f" {_n2(sx - a2x)} {_n2(sy - a2y)}"  # from a tooth's tip to the next trough
    up = f" {_n2(sx + a2x)} {_n2(sy + a2y)}"
    pairs, odd = divmod(n - 2, 2)
    # Compacted piece by piece (every space is inside a piece), before repeating.
    teeth = _compact(down + up) * pairs + (_compact(down) if odd else "")
    return (_compact(f"M{num[p[0]]} {num[p[1]]}l{first}") + teeth
            + _compact(f"L{num[q[0]]} {num[q[1]]}"))


def _zigzag_along(points: Sequence[Point], num: _Numbers, amplitude: float = _ZIGZAG[0],
                  step: float = _ZIGZAG[1]) -> str:
    """A zig-zag that follows a polyline (a detour, or a curve as sampled): absolute
    points after one ``M``, which SVG reads as lines to each."""
    length = sum(math.dist(u, v) for u, v in itertools.pairwise(points))
    n = max(2, round(length / step))
    parts = [num[points[0][0]], num[points[0][1]]]
    seg, seg_start = 0, 0.0
    seg_len = math.dist(points[0], points[1])
    for i in range(1, n):
        at = length * i / n
        while at > seg_start + seg_len and seg < len(points) - 2:
            seg_start += seg_len
            seg += 1
            seg_len = math.dist(points[seg], points[seg + 1])
        (x0, y0), (x1, y1) = points[seg], points[seg + 1]
        t = (at - seg_start) / seg_len if seg_len else 0.0
        x, y = x0 + (x1 - x0) * t, y0 + (y1 - y0) * t
        norm = seg_len or 1.0
        side = amplitude if i % 2 else -amplitude
        # Points between the ends rarely repeat: formatted without the memory.
        parts += (_n(x - (y1 - y0) / norm * side), _n(y + (x1 - x0) / norm * side))
    parts += (num[points[-1][0]], num[points[-1][1]])
    return "M" + _compact(" ".join(parts))


def _path_data(route: Route, num: _Numbers) -> str:
    """A detour as absolute points after one ``M`` (lines to each), a curve as ``Q``."""
    pts = route.points
    if route.curved:
        (px, py), (cx, cy), (qx, qy) = pts
        return _compact(f"M{num[px]} {num[py]}Q{num[cx]} {num[cy]} {num[qx]} {num[qy]}")
    return "M" + _compact(" ".join(f"{num[x]} {num[y]}" for x, y in pts))


#: What a coupling's mark says itself, by state and whether it is the coordinator's;
#: ``fill="none"`` and round joins it takes from the group round the couplings.
_MARK_STYLE = {
    (state, emphasised): (f' stroke="{colour}" stroke-width="{_n(width + 0.8 * emphasised)}"'
                          + (f' stroke-dasharray="{dash}"' if dash else "")
                          + (' stroke-linecap="round"' if state == "weak" else ""))
    for state, (colour, width, dash) in _STATE_STYLE.items() for emphasised in (False, True)
}
#: The group round the couplings: what every mark in it shares.
_COUPLINGS_GROUP = '<g class="couplings" fill="none" stroke-linejoin="round">'


def _mark(state: str, route: Route, num: _Numbers, emphasised: bool = False) -> str:
    """A coupling's line in ``state``: a zig-zag if strained, straight or along its
    route otherwise; to be drawn inside :data:`_COUPLINGS_GROUP`."""
    style = _MARK_STYLE[state, emphasised]
    pts = route.points
    straight = not route.curved and len(pts) == 2
    if state == "strained":
        d = _zigzag(pts[0], pts[1], num) if straight else _zigzag_along(route.polyline(), num)
        return f'<path d="{d}"{style}/>'
    if not straight:
        return f'<path d="{_path_data(route, num)}"{style}/>'
    (px, py), (qx, qy) = pts
    return f'<line x1="{num[px]}" y1="{num[py]}" x2="{num[qx]}" y2="{num[qy]}"{style}/>'


def _stroke(state: str, route: Route, extra: float = 0.0) -> str:
    """:func:`_mark` standing alone (the legend): with its fill and joins."""
    colour, width, dash = _STATE_STYLE[state]
    common = f'fill="none" stroke="{colour}" stroke-width="{_n(width + extra)}"'
    num = _Numbers()
    pts = route.points
    straight = not route.curved and len(pts) == 2
    if state == "strained":
        d = _zigzag(pts[0], pts[1], num) if straight else _zigzag_along(route.polyline(), num)
        return f'<path d="{d}" {common} stroke-linejoin="round"/>'
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    cap = ' stroke-linecap="round"' if state == "weak" else ""
    if not straight:
        return (f'<path d="{_path_data(route, num)}" {common}{dash_attr}{cap} '
                'stroke-linejoin="round"/>')
    (px, py), (qx, qy) = pts
    return (f'<line x1="{_n(px)}" y1="{_n(py)}" x2="{_n(qx)}" y2="{_n(qy)}" '
            f"{common}{dash_attr}{cap}/>")


# ------------------------------------------------------------------------ pieces


def _panels(out: list[str], lay: Layout) -> None:
    out.append('<g class="panels">')
    for panel in lay.panels:
        pts = " ".join(f"{_n(x)},{_n(y)}" for x, y in panel.polygon)
        out.append(f'<polygon points="{pts}" fill="{_PANEL_FILL[panel.spec.side]}" '
                   f'stroke="#5b6770" stroke-width="2" stroke-linejoin="round" '
                   f'data-panel={_a(panel.spec.key)}/>')
    out.append("</g>")


def _rings(out: list[str], lay: Layout) -> None:
    """Ring boundaries are the envelope scaled about the centre; numbered on a diagonal."""
    out.append('<g class="rings" fill="none" stroke="#8a96a3" stroke-width="1.2" '
               'stroke-dasharray="3 5">')
    for fraction in lay.ring_bounds[1:3]:
        r = lay.ring_rect(fraction)
        out.append(f'<rect x="{_n(r.x)}" y="{_n(r.y)}" width="{_n(r.w)}" height="{_n(r.h)}"/>')
    out.append("</g>")


def _ring_marks(out: list[str], lay: Layout) -> None:
    cx, cy = lay.centre
    out.append('<g class="ring-marks" font-size="10" text-anchor="middle" fill="#4d5b69">')
    bounds = lay.ring_bounds
    for ring in range(3):
        s = (bounds[ring] + bounds[ring + 1]) / 2
        x, y = cx - s * cx, cy - s * cy
        out.append(f'<circle cx="{_n(x)}" cy="{_n(y)}" r="8" fill="#fff" stroke="#8a96a3"/>'
                   f'<text x="{_n(x)}" y="{_n(y + 3.5)}">{ring + 1}</text>')
    out.append("</g>")


def _panel_titles(out: list[str], lay: Layout, words: Words) -> None:
    out.append('<g class="panel-titles" font-size="15" font-weight="bold" fill="#34434f" '
               'text-anchor="middle" letter-spacing="1">')
    for panel in lay.panels:
        x, y = panel.title_box.centre
        rot = (f' transform="rotate({panel.title_rotation} {_n(x)} {_n(y)})"'
               if panel.title_rotation else "")
        out.append(f'<text x="{_n(x)}" y="{_n(y + 5.3)}"{rot}>'
                   f"{_t(panel.spec.name(words.lang).upper())}</text>")
    out.append("</g>")


def _couplings(out: list[str], doc: GraphDocument, id_prefix: str, routes: Sequence[Route],
               num: _Numbers) -> None:
    out.append(_COUPLINGS_GROUP)
    coord = doc.coordinator
    # Halos first, so no coordinator halo ever covers another coupling's line.
    halos = [r for r in routes if coord is not None and coord in (r.source, r.target)]
    if halos:
        out.append(f'<g class="coordinator-halos" stroke="{_HALO}" stroke-width="10" '
                   'stroke-linecap="round" stroke-opacity="0.55">')
        for r in halos:
            if r.curved or len(r.points) > 2:
                out.append(f'<path d="{_path_data(r, num)}"/>')
            else:
                (px, py), (qx, qy) = r.points
                out.append(f'<line x1="{num[px]}" y1="{num[py]}" x2="{num[qx]}" '
                           f'y2="{num[qy]}"/>')
        out.append("</g>")
    # Every actor's key spelt for an id and for an attribute once, not once per end.
    names = {a.key: (_ident(a.key), _a(a.key)) for a in doc.actors}
    for c, route in zip(doc.couplings, routes, strict=True):
        emphasised = coord is not None and coord in (c.source, c.target)
        cls = f"coupling state-{c.state}" + (" coordinator-coupling" if emphasised else "")
        topic = f"<title>{_t(c.topic)}</title>" if c.topic else ""
        (source_id, source), (target_id, target) = names[c.source], names[c.target]
        out.append(f'<g id="{id_prefix}coupling-{source_id}-{target_id}" class="{cls}" '
                   f'data-source={source} data-target={target} data-state="{c.state}">'
                   f"{topic}{_mark(c.state, route, num, emphasised)}</g>")
    out.append("</g>")


def _text_lines(out: list[str], box: ActorBox, top: float, num: _Numbers,
                style: str = "") -> None:
    """The label's lines, centred in its box from ``top`` down; ``style`` holds what
    the text does not take from its group (size, fill, weight)."""
    x = num[box.box.x + box.box.w / 2]
    for i, line in enumerate(box.lines):
        base = top + box.line_height * i + box.line_height / 2 + box.font_size * 0.36
        out.append(f'<text x="{x}" y="{num[base]}"{style}>{_t(line)}</text>')


def _details(actor: Actor) -> str:
    parts = [actor.label, actor.profession, actor.organisation, actor.sector]
    seen: list[str] = []
    for part in parts:
        if part and part not in seen:
            seen.append(part)
    return " · ".join(seen)


def _actors(out: list[str], doc: GraphDocument, lay: Layout, words: Words, id_prefix: str,
            num: _Numbers) -> None:
    """Every actor but the citizen. The group gives the labels' text its size and ink,
    so no line repeats them (a twentieth of a drawing's bytes)."""
    out.append(f'<g class="actors" font-size="{num[lay.font_size]}" fill="{_INK}">')
    # One look-up table rather than a search of the document per actor (quadratic).
    by_key: dict[str, Actor] = {}
    for actor in doc.actors:
        by_key.setdefault(actor.key, actor)
    for box in lay.actors:
        _actor(out, by_key[box.key], box, words, id_prefix, num, lay.font_size)
    out.append("</g>")


def _actor(out: list[str], actor: Actor, box: ActorBox, words: Words, id_prefix: str,
           num: _Numbers, font_size: float) -> None:
    b = box.box
    attrs = (f'id="{id_prefix}actor-{_ident(box.key)}" class="actor kind-{box.kind}'
             f'{" coordinator" if box.coordinator else ""}" data-key={_a(box.key)} '
             f'data-kind="{box.kind}" data-panel={_a(box.panel)} data-ring="{box.ring}"')
    out.append(f"<g {attrs}><title>{_t(_details(actor))}</title>")
    rect = f'<rect x="{num[b.x]}" y="{num[b.y]}" width="{num[b.w]}" height="{num[b.h]}" rx="6"'
    if box.coordinator:
        out.append(f'{rect} fill="#fff7dc" stroke="{_CITIZEN_FILL}" stroke-width="3"/>')
    else:
        out.append(f'{rect} fill="#fff" stroke="#5b6770" stroke-width="1.2"/>')
    badge_h = box.font_size * 1.2 if box.coordinator else 0.0
    content = len(box.lines) * box.line_height + badge_h
    top = b.y + (b.h - content) / 2
    if box.coordinator:
        size = box.font_size * 0.8
        out.append(f'<text x="{_n(b.x + b.w / 2)}" y="{_n(top + size * 1.05)}" '
                   f'font-size="{_n(size)}" font-weight="bold" fill="#7a4b00" '
                   f'letter-spacing="0.5">{_t(words(_WORDS["badge"]))}</text>')
    style = "" if box.font_size == font_size else f' font-size="{num[box.font_size]}"'
    _text_lines(out, box, top + badge_h, num, style)
    out.append("</g>")


def _halos(out: list[str], lay: Layout, num: _Numbers) -> None:
    """A white rim round every box, under all of them: lines that run under boxes
    visibly pass there rather than end."""
    out.append(f'<g class="halos" fill="#fff" stroke="#fff" stroke-width="{_n(_HALO_W)}">')
    for box in (lay.citizen, *lay.actors):
        b = box.box
        out.append(f'<rect x="{num[b.x]}" y="{num[b.y]}" width="{num[b.w]}" '
                   f'height="{num[b.h]}" rx="{10 if box is lay.citizen else 6}"/>')
    out.append("</g>")


def _citizen(out: list[str], doc: GraphDocument | None, box: ActorBox, words: Words,
             id_prefix: str) -> None:
    b = box.box
    key = _ident(box.key)
    title = (_t(_details(doc.actor(box.key))) if doc is not None
             else _t(words(_WORDS["citizen"])))
    out.append(f'<g id="{id_prefix}actor-{key}" class="actor kind-citizen citizen" '
               f'data-key={_a(box.key)} data-kind="citizen" data-panel="" data-ring="0">'
               f"<title>{title}</title>")
    if doc is None:  # blank template: an outlined field to write the citizen's name in
        out.append(f'<rect x="{_n(b.x)}" y="{_n(b.y)}" width="{_n(b.w)}" height="{_n(b.h)}" '
                   f'rx="10" fill="#fff" stroke="{_CITIZEN_FILL}" stroke-width="3"/>'
                   f'<text x="{_n(b.x + b.w / 2)}" y="{_n(b.y + 13)}" font-size="10" '
                   f'fill="{_CITIZEN_FILL}">{_t(words(_WORDS["citizen"]).upper())}</text>')
    else:
        out.append(f'<rect x="{_n(b.x)}" y="{_n(b.y)}" width="{_n(b.w)}" height="{_n(b.h)}" '
                   f'rx="10" fill="{_CITIZEN_FILL}" stroke="#fff" stroke-width="2"/>')
        content = len(box.lines) * box.line_height
        _text_lines(out, box, b.y + (b.h - content) / 2, _Numbers(),
                    f' font-size="{_n(box.font_size)}" fill="#fff" font-weight="bold"')
    out.append("</g>")


def _slot(out: list[str], box: ActorBox) -> None:
    b = box.box
    out.append(f'<g class="slot" data-panel={_a(box.panel)} '
               f'data-ring="{box.ring}"><rect x="{_n(b.x)}" y="{_n(b.y)}" width="{_n(b.w)}" '
               f'height="{_n(b.h)}" rx="6" fill="#fff" stroke="#7b8794" stroke-width="1.2" '
               'stroke-dasharray="5 4"/></g>')


def _header(out: list[str], title: str, subtitle: str, badge: str, width: float) -> None:
    """The title block, in base units; the caller scales it with the envelope."""
    out.extend(_header_lines(title, subtitle, badge, width))


@lru_cache(maxsize=256)
def _header_lines(title: str, subtitle: str, badge: str, width: float) -> tuple[str, ...]:
    """The title block's elements, kept per case's words and width: a case is drawn
    again after every edit, mostly with the same title, and fitting the title and
    the line under it to the width measures them letter by letter."""
    out: list[str] = []
    badge_w = text_width(badge, 15, bold=True) + 28 if badge else 0.0
    room = width - badge_w - 24
    [label] = wrap_label(title, max_em=max(room / (22 * 1.1), 4.0), max_lines=1)
    out.append(f'<text x="0" y="26" font-size="22" font-weight="bold" fill="{_INK}">'
               f"{_t(label)}</text>")
    [sub] = wrap_label(subtitle, max_em=max(room / 14, 4.0), max_lines=1)
    out.append(f'<text x="0" y="54" font-size="14" fill="#4d5b69">{_t(sub)}</text>')
    if badge:
        x = width - badge_w
        out.append(f'<g class="prototype"><rect x="{_n(x)}" y="4" width="{_n(badge_w)}" '
                   f'height="40" rx="8" fill="#fde9c8" stroke="#b86e00" stroke-width="1.5"/>'
                   f'<text x="{_n(x + badge_w / 2)}" y="29.5" font-size="15" font-weight="bold" '
                   f'text-anchor="middle" fill="#5a3500">{_t(badge)}</text></g>')
    return tuple(out)


def _legend(out: list[str], words: Words, *, coordinator: bool, blank: bool) -> float:
    """Every mark the diagram can show, in base units; scaled with the envelope.
    Returns the height it takes.

    The same few legends are drawn over and over (one per language, with or without
    a coordinator), so each is written once and kept (:func:`_legend_lines`).
    """
    lines, height = _legend_lines(words, coordinator=coordinator, blank=blank)
    out.extend(lines)
    return height


@lru_cache(maxsize=16)
def _legend_lines(words: Words, *, coordinator: bool, blank: bool) -> tuple[tuple[str, ...],
                                                                             float]:
    """The legend for these words, written once and kept: :class:`Words` is a frozen
    value (a language and how to say things in it), so equal words give equal legends."""
    out: list[str] = []
    height = _write_legend(out, words, coordinator=coordinator, blank=blank)
    return tuple(out), height


def _write_legend(out: list[str], words: Words, *, coordinator: bool, blank: bool) -> float:
    """What :func:`_legend` draws, written out; returns the height it takes."""
    w = {key: words(text) for key, text in _WORDS.items()}
    out.append(f'<text x="0" y="16" font-size="16" font-weight="bold" fill="{_INK}">'
               f'{_t(w["legend"])}</text>')
    y = 40.0

    def row(sample: str, text: str) -> None:
        nonlocal y
        out.append(sample)
        out.append(f'<text x="62" y="{_n(y + 4.5)}" font-size="13" fill="{_INK}">'
                   f"{_t(text)}</text>")
        y += 26

    row(f'<rect x="4" y="{_n(y - 10)}" width="46" height="20" rx="6" fill="{_CITIZEN_FILL}"/>',
        w["citizen_legend"])
    if blank:
        row(f'<rect x="4" y="{_n(y - 10)}" width="46" height="20" rx="5" fill="#fff" '
            'stroke="#7b8794" stroke-width="1.2" stroke-dasharray="5 4"/>', w["slot_legend"])
    else:
        row(f'<rect x="4" y="{_n(y - 10)}" width="46" height="20" rx="5" fill="#fff" '
            'stroke="#5b6770" stroke-width="1.2"/>', w["actor_legend"])
    row(f'<rect x="4" y="{_n(y - 10)}" width="46" height="20" rx="5" fill="#fff7dc" '
        f'stroke="{_CITIZEN_FILL}" stroke-width="3"/><text x="27" y="{_n(y + 3.5)}" '
        'font-size="10" text-anchor="middle" fill="#7a4b00">★</text>', w["coord_legend"])
    y += 6
    out.append(f'<text x="0" y="{_n(y)}" font-size="14" font-weight="bold" fill="{_INK}">'
               f'{_t(w["couplings"])}</text>')
    y += 22
    for state in _STATE_ORDER:
        row(f'<g class="legend-{state}">{_stroke(state, Route("", "", ((4, y), (50, y))))}</g>',
            words(STATE_NAMES[state]))
    if coordinator or blank:
        row(f'<line x1="4" y1="{_n(y)}" x2="50" y2="{_n(y)}" stroke="{_HALO}" '
            'stroke-width="10" stroke-linecap="round" stroke-opacity="0.55"/>'
            f'{_stroke("established", Route("", "", ((4, y), (50, y))), 0.8)}',
            w["coord_couplings"])
    y += 6
    out.append(f'<text x="0" y="{_n(y)}" font-size="14" font-weight="bold" fill="{_INK}">'
               f'{_t(w["rings"])}</text>')
    y += 22
    for ring in (1, 2, 3):
        row(f'<circle cx="27" cy="{_n(y)}" r="8" fill="#fff" stroke="#8a96a3"/>'
            f'<text x="27" y="{_n(y + 3.5)}" font-size="10" text-anchor="middle" '
            f'fill="#4d5b69">{ring}</text>', w[f"ring{ring}"])
    row(f'<line x1="4" y1="{_n(y)}" x2="50" y2="{_n(y)}" stroke="#8a96a3" stroke-width="1.2" '
        'stroke-dasharray="3 5"/>', w["ring_border"])
    return y - 10


def legend_samples() -> dict[str, str]:
    """The legend's marks as small standalone SVGs (54 × 20), drawn as the diagram
    draws them: one per coupling state, then ``coordinator`` (the box) and
    ``coord_couplings`` (the halo). For a legend outside the drawing, as in meeting mode.

    Examples
    --------
    >>> samples = legend_samples()
    >>> list(samples)
    ['established', 'needed', 'weak', 'strained', 'coordinator', 'coord_couplings']
    >>> samples["needed"].startswith('<svg viewBox="0 0 54 20"')
    True
    """
    line = Route("", "", ((4, 10), (50, 10)))
    marks = {state: _stroke(state, line) for state in _STATE_ORDER}
    marks["coordinator"] = (
        f'<rect x="4" y="1.5" width="46" height="17" rx="5" fill="#fff7dc" '
        f'stroke="{_CITIZEN_FILL}" stroke-width="3"/><text x="27" y="13.5" font-size="10" '
        'text-anchor="middle" fill="#7a4b00">★</text>')
    marks["coord_couplings"] = (
        f'<line x1="4" y1="10" x2="50" y2="10" stroke="{_HALO}" stroke-width="10" '
        f'stroke-linecap="round" stroke-opacity="0.55"/>{_stroke("established", line, 0.8)}')
    return {k: f'<svg viewBox="0 0 54 20" width="54" height="20" aria-hidden="true" '
               f'focusable="false">{v}</svg>' for k, v in marks.items()}


def _page(lay: Layout, words: Words, title: str, desc: str, header: tuple[str, str, str],
          body: list[str], *, coordinator: bool, blank: bool, id_prefix: str,
          frame: Frame = "page") -> str:
    u = lay.height / 760.0  # fixed parts grow with the envelope so they keep proportion
    if frame == "envelope":  # paper: the envelope alone, title and legend printed apart
        m = _ENVELOPE_MARGIN * u
        header_h, legend_w = 0.0, -m
    else:
        m = _MARGIN * u
        header_h, legend_w = _HEADER_H * u, _LEGEND_W * u
    width = m + lay.width + m + legend_w + m
    height = m + header_h + lay.height + m
    tid, did = f"{id_prefix}kuvert-title", f"{id_prefix}kuvert-desc"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_n(width)} {_n(height)}" '
        f'width="{_n(width)}" height="{_n(height)}" role="img" '
        f'aria-labelledby="{tid} {did}" lang="{words.lang}" class="kuvert" '
        f'font-family="{FONT_FAMILY}">',
        f'<title id="{tid}">{_t(title)}</title>',
        f'<desc id="{did}">{_t(desc)}</desc>',
        f'<rect width="{_n(width)}" height="{_n(height)}" fill="#fff"/>',
    ]
    if frame == "page":
        out.append(f'<g class="title-block" transform="translate({_n(m)} {_n(m)}) '
                   f'scale({u:.4f})">')
        _header(out, *header, (width - 2 * m) / u)
        out.append("</g>")
    out.append(f'<g class="envelope" transform="translate({_n(m)} {_n(m + header_h)})" '
               'text-anchor="middle">')
    out.extend(body)
    if frame == "page":
        out.append("</g>")
        out.append(f'<g class="legend" transform="translate({_n(2 * m + lay.width)} '
                   f'{_n(m + header_h)}) scale({u:.4f})">')
        _legend(out, words, coordinator=coordinator, blank=blank)
    out.append("</g></svg>\n")
    return "\n".join(out)


def legend_svg(*, words: Words = DANISH, coordinator: bool = True) -> str:
    """The diagram's legend alone, as a standalone SVG in base units: for paper, where
    the envelope is drawn with ``frame="envelope"`` and the legend printed after it.

    Examples
    --------
    >>> svg = legend_svg()
    >>> svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"') and "Signaturforklaring" in svg
    True
    """
    body: list[str] = []
    height = _legend(body, words, coordinator=coordinator, blank=False)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_n(_LEGEND_W)} '
            f'{_n(height)}" width="{_n(_LEGEND_W)}" height="{_n(height)}" role="img" '
            f'aria-label={_a(words(_WORDS["legend"]))} lang="{words.lang}" class="kuvert-legend" '
            f'font-family="{FONT_FAMILY}">\n' + "\n".join(body) + "\n</svg>\n")


# ------------------------------------------------------------------------ public


def clear_caches() -> None:
    """Forget what drawing keeps from one drawing to the next: labels' lines and
    widths (:mod:`app.graph.layout`), legends and title blocks. For benchmarks that
    measure a case drawn for the first time; the output never depends on them."""
    clear_label_cache()
    _legend_lines.cache_clear()
    _header_lines.cache_clear()


def render_svg(doc: GraphDocument, *, prototype: int | None = None, words: Words = DANISH,
               on: date | None = None, panels: Sequence[PanelSpec] = DEFAULT_PANELS,
               id_prefix: str = "", label_scale: float = 1.0, frame: Frame = "page") -> str:
    """Draw ``doc`` as an envelope diagram: panels, rings, couplings, legend, title.

    Parameters
    ----------
    doc : GraphDocument
        The network to draw.
    prototype : int, optional
        The case's prototype (1-3), printed in the title block; left out if None
        (classification is the caller's business, so this module stays pure).
    words : Words
        The language of every word the renderer adds (Danish unless given; see
        :mod:`app.graph.words`); the case's own text is kept.
    on : date, optional
        The date printed as dd.mm.åååå; none if None, so output never depends
        on the clock.
    panels : sequence of PanelSpec
        Panel keys, sides and names; see :func:`app.graph.layout.layout_document`.
    id_prefix : str
        Prepended to every id, for pages that inline two diagrams (before/after).
    label_scale : float
        Larger actor labels (print); passed to the layout, 1 on screen.
    frame : {"page", "envelope"}
        ``"page"`` draws the title block above the envelope and the legend beside it;
        ``"envelope"`` the envelope alone (paper, where the page has the whole sheet's
        width for it and prints :func:`title_lines` and :func:`legend_svg` apart).

    Returns
    -------
    str
        A standalone UTF-8 SVG document, byte-identical for the same input.

    Examples
    --------
    >>> from datetime import date
    >>> from app.graph.examples import claus_nu
    >>> svg = render_svg(claus_nu(), prototype=2, on=date(2026, 11, 23))
    >>> 'role="img"' in svg and "23.11.2026" in svg and 'id="actor-koordinator"' in svg
    True
    >>> "Prototype 2 – svære problemstillinger" in svg
    True
    """
    lay = layout_document(doc, panels=panels, label_scale=label_scale)
    coord_label = (doc.actor(doc.coordinator).label if doc.coordinator
                   else words(_WORDS["no_coordinator"]))
    counts = dict.fromkeys(_STATE_ORDER, 0)
    for c in doc.couplings:
        if c.state in counts:
            counts[c.state] += 1
    states = ", ".join(f"{counts[s]} {words(STATE_NAMES[s])}" for s in _STATE_ORDER if counts[s])
    proto = f" {_prototype_text(prototype, words)}." if prototype is not None else ""
    desc = words(_WORDS["desc"]) % {
        "label": doc.label, "actors": len(lay.actors), "citizen": doc.citizen.label,
        "couplings": len(doc.couplings), "states": f" ({states})" if states else "",
        "proto": proto, "coord": coord_label}
    title, sub, badge = _title_parts(doc, prototype, words, on)

    body: list[str] = []
    _panels(body, lay)
    _rings(body, lay)
    _panel_titles(body, lay, words)
    routes = route_couplings(doc, lay)
    # A line that found no way round runs under boxes: then every box gets a white
    # rim, so lines visibly pass under boxes rather than end at them.
    num = _Numbers()
    _couplings(body, doc, id_prefix, routes, num)
    _ring_marks(body, lay)
    if any(r.blocked for r in routes):
        _halos(body, lay, num)
    _citizen(body, doc, lay.citizen, words, id_prefix)
    _actors(body, doc, lay, words, id_prefix, num)
    return _page(lay, words, f'{words(_WORDS["model"])} – {doc.label}', desc,
                 (title, sub, badge), body, coordinator=doc.coordinator is not None,
                 blank=False, id_prefix=id_prefix, frame=frame)


def _title_parts(doc: GraphDocument, prototype: int | None, words: Words,
                 on: date | None) -> tuple[str, str, str]:
    w = {key: words(text) for key, text in _WORDS.items()}
    coord_label = doc.actor(doc.coordinator).label if doc.coordinator else w["no_coordinator"]
    sub = [w["model"], f'{w["target"]}: {words(TARGET_GROUP_NAMES[doc.target_group])}']
    if on is not None:
        sub.append(f'{w["date"]}: {_date(on)}')
    sub.append(f'{w["coordinator"]}: {coord_label}')
    badge = _prototype_text(prototype, words) if prototype is not None else ""
    return doc.label, " · ".join(sub), badge


def title_lines(doc: GraphDocument, *, prototype: int | None = None, words: Words = DANISH,
                on: date | None = None) -> tuple[str, str]:
    """The title block's words as two lines of plain text, for paper that prints the
    envelope with ``frame="envelope"``: the title (with the prototype, if given), then
    the model, target group, date and coordinator.

    Examples
    --------
    >>> from app.graph.examples import claus_nu
    >>> title, sub = title_lines(claus_nu(), prototype=2)
    >>> title.endswith("Prototype 2 – svære problemstillinger"), sub.startswith("Kuvertmodel")
    (True, True)
    """
    title, sub, badge = _title_parts(doc, prototype, words, on)
    return (f"{title} · {badge}" if badge else title), sub


def render_template(prototype: Literal[1, 2, 3], *, words: Words = DANISH,
                    panels: Sequence[PanelSpec] = DEFAULT_PANELS) -> str:
    """A blank envelope to print and fill in by hand at a meeting.

    The slots follow the prototype: a simple case needs a few, a very complex one
    many. The legend is included so hand-drawn couplings use the same marks.

    Examples
    --------
    >>> svg = render_template(1)
    >>> "Borger: ____" in svg and svg.count('class="slot"') == 8
    True
    """
    w = {key: words(text) for key, text in _WORDS.items()}
    lay = layout_template(prototype, panels=panels)
    name = words(PROTOTYPE_NAMES[prototype])
    blank = "_" * 24
    heading = f'{w["citizen"]}: {blank}'
    sub = f'{w["date"]}: {"_" * 12}   {w["coordinator"]}: {blank}'
    body: list[str] = []
    _panels(body, lay)
    _rings(body, lay)
    _panel_titles(body, lay, words)
    _ring_marks(body, lay)
    _citizen(body, None, lay.citizen, words, "")
    body.append('<g class="slots">')
    for box in lay.actors:
        _slot(body, box)
    body.append("</g>")
    desc = w["blank_desc"] % {"p": prototype, "name": name, "slots": len(lay.actors)}
    return _page(lay, words, w["blank_title"] % {"p": prototype}, desc,
                 (heading, sub, _prototype_text(prototype, words)), body,
                 coordinator=True, blank=True, id_prefix="")
