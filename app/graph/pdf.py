"""PDF from our SVG: one landscape page, the drawing scaled to fit inside margins.

Pure pip (svglib draws the SVG with reportlab), so a server needs no Cairo,
Inkscape or browser. Text is set in the PDF standard fonts (Helvetica, Times,
Courier), which a viewer always has and which cover Danish (æøå ÆØÅ) through
WinAnsi encoding; characters outside Latin-1/WinAnsi (emoji, most non-Latin
scripts) do not render. svglib would otherwise look unknown font families up
with fontconfig and embed whatever system font it finds, which makes the PDF
depend on the machine; here an unknown family falls back to Helvetica.

The same SVG gives byte-identical PDF: reportlab's ``invariant`` mode fixes the
creation date and document id that would otherwise change on every call.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from typing import Any, Literal, NamedTuple
from xml.sax.saxutils import escape

from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A3, A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
)
from svglib.fonts import FontMap
from svglib.svglib import SvgRenderer, load_svg_file

from app.graph.errors import GraphError

__all__ = ["HEADING_HEIGHT", "MARGIN", "PAPER_SIZES", "PdfFailed", "Section", "svg_to_pdf"]

#: Page sizes in points, landscape (width, height).
PAPER_SIZES: dict[str, tuple[float, float]] = {
    "a4": landscape(A4),
    "a3": landscape(A3),
}

#: Blank border around the drawing, in points (1 cm): inside what most printers reach.
MARGIN = 10 * mm

#: The heading over page one's drawing: title and the line under it (font, size), and the
#: height of the strip they take above the drawing.
TITLE_FONT = ("Helvetica-Bold", 13.0)
SUBTITLE_FONT = ("Helvetica", 9.0)
HEADING_HEIGHT = 32.0
#: The legend on page two, drawn at this many points per SVG unit.
LEGEND_SCALE = 0.75

# svglib warns about every SVG feature it skips (CSS it does not know, unknown
# attributes); for our own renderer's output that is noise in the server log.
logging.getLogger("svglib").setLevel(logging.ERROR)


class PdfFailed(GraphError):
    """The SVG could not be turned into a PDF (not SVG, or nothing svglib can draw)."""

    code = "pdf_failed"


class Section(NamedTuple):
    """Text printed after the envelope: a heading and its paragraphs (plain text)."""

    heading: str
    paragraphs: Sequence[str]


HEADING = ParagraphStyle("heading", fontName="Helvetica-Bold", fontSize=14, leading=18,
                         spaceBefore=10, spaceAfter=4, keepWithNext=1)
BODY = ParagraphStyle("body", fontName="Helvetica", fontSize=10.5, leading=14,
                      spaceAfter=3, leftIndent=10, bulletIndent=0)


class _StandardFonts(FontMap):
    """svglib's font map without the fontconfig lookup: unknown families become Helvetica.

    Returning a non-exact match lets a later family in the list that *is* known
    (``"Inter, Georgia, serif"`` → Times) still win, as CSS would have it.
    """

    def find_font(
        self, font_name: str, weight: str = "normal", style: str = "normal"
    ) -> tuple[str, bool]:
        internal = FontMap.build_internal_name(
            self._family_index.get(font_name.lower(), font_name), weight, style)
        if internal in self._map or font_name.lower() in self._family_index:
            found: tuple[str, bool] = super().find_font(font_name, weight, style)
            return found
        fallback: tuple[str, bool] = super().find_font("sans-serif", weight, style)
        return fallback[0], False


def svg_to_pdf(
    svg: str,
    *,
    paper: Literal["a4", "a3"] = "a4",
    title: str | None = None,
    sections: Sequence[Section] = (),
    heading: tuple[str, str] | None = None,
    legend: str | None = None,
) -> bytes:
    """Our SVG as a landscape PDF: page one the drawing, scaled to fit the paper with a
    margin; then ``sections`` (headings with their paragraphs), if any.

    ``heading`` (a title and a line under it) is printed at the top of page one and the
    drawing fits below it; ``legend``, an SVG, is drawn at the top of the text pages
    (the envelope for paper leaves both out of its drawing, so that it gets the whole
    page's width).

    The drawing keeps its proportions and is centred; a small drawing is
    enlarged to fill the page, since the envelope is meant to be read on the
    wall of a meeting room. ``title`` becomes the PDF's document title (shown
    by viewers in the window bar), not text on the page.

    The SVG is parsed from memory, so it cannot pull in files by relative
    path; svglib refuses absolute references and never resolves entities.

    Raises
    ------
    PdfFailed
        ``svg`` is not an SVG svglib can read or draw (for example a broken
        embedded image).

    Examples
    --------
    >>> svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="400" height="200">'
    ...        '<text x="10" y="50" font-family="sans-serif">Kuvert</text></svg>')
    >>> pdf = svg_to_pdf(svg, title="Claus, 22")
    >>> pdf[:5], pdf == svg_to_pdf(svg, title="Claus, 22")
    (b'%PDF-', True)
    """
    drawing = _drawing(svg)
    legend_drawing = _drawing(legend) if legend is not None else None
    page_width, page_height = PAPER_SIZES[paper]
    buffer = io.BytesIO()
    if not sections:
        canvas = Canvas(buffer, pagesize=(page_width, page_height), invariant=1)
        canvas.setCreator("Kuvert")
        canvas.setAuthor("Kuvert")
        if title is not None:
            canvas.setTitle(title)
        _draw_page_one(canvas, drawing, page_width, page_height, heading)
        canvas.showPage()
        canvas.save()
        return buffer.getvalue()

    # Page one holds the envelope alone; the text flows over the pages after it, and a
    # heading always goes to the next page with its first paragraph (keepWithNext).
    def envelope_page(canvas: Canvas, _doc: Any) -> None:
        _draw_page_one(canvas, drawing, page_width, page_height, heading)

    def frame() -> Frame:
        return Frame(MARGIN, MARGIN, page_width - 2 * MARGIN, page_height - 2 * MARGIN)

    doc = BaseDocTemplate(buffer, pagesize=(page_width, page_height), invariant=1,
                          title=title or "", author="Kuvert", creator="Kuvert")
    doc.addPageTemplates([PageTemplate("envelope", frames=[frame()], onPage=envelope_page),
                          PageTemplate("text", frames=[frame()])])
    story: list[Flowable] = [Spacer(1, 1), NextPageTemplate("text"), PageBreak()]
    if legend_drawing is not None:
        legend_drawing.scale(LEGEND_SCALE, LEGEND_SCALE)  # its 13-unit text at ≈ 10 pt
        legend_drawing.width *= LEGEND_SCALE
        legend_drawing.height *= LEGEND_SCALE
        legend_drawing.hAlign = "LEFT"
        story += [legend_drawing, Spacer(1, 8)]
    for section in sections:
        story.append(Paragraph(escape(section.heading), HEADING))
        story += [Paragraph(escape(p), BODY, bulletText="–") for p in section.paragraphs]
    doc.build(story)
    return buffer.getvalue()


def _drawing(svg: str) -> Drawing:
    """``svg`` read by svglib; PdfFailed if it is not an SVG it can draw."""
    source = io.BytesIO(svg.encode("utf-8"))
    root = load_svg_file(source)
    if root is None or not str(root.tag).endswith("}svg"):
        raise PdfFailed("Tegningen kunne ikke læses som SVG, så der kan ikke laves en PDF.")
    # The renderer gets the stream, not a path: with no file system path it
    # refuses every external reference instead of resolving it against the cwd.
    try:
        drawing = SvgRenderer(source, font_map=_StandardFonts()).render(root)
    except Exception as exc:  # svglib raises whatever its parts raise (PIL, lxml...)
        raise PdfFailed("Tegningen kunne ikke tegnes som PDF (et element i SVG'en kan "
                        "ikke læses).") from exc
    if drawing is None or not drawing.width or not drawing.height:
        raise PdfFailed("Tegningen har ingen størrelse, så der kan ikke laves en PDF.")

    return drawing


def _draw_page_one(canvas: Canvas, drawing: Drawing, page_width: float, page_height: float,
                   heading: tuple[str, str] | None) -> None:
    """``heading`` at the top inside the margin, the drawing fitted into what is left."""
    top = 0.0
    if heading is not None:
        title, line = heading
        canvas.setFont(TITLE_FONT[0], TITLE_FONT[1])
        canvas.drawString(MARGIN, page_height - MARGIN - TITLE_FONT[1], title)
        canvas.setFont(SUBTITLE_FONT[0], SUBTITLE_FONT[1])
        canvas.setFillColorRGB(0.3, 0.36, 0.41)
        canvas.drawString(MARGIN, page_height - MARGIN - TITLE_FONT[1] - 4 - SUBTITLE_FONT[1],
                          line)
        canvas.setFillColorRGB(0, 0, 0)
        top = HEADING_HEIGHT
    _draw_fitted(canvas, drawing, page_width, page_height, top)


def _draw_fitted(canvas: Canvas, drawing: Drawing, page_width: float,
                 page_height: float, top: float = 0.0) -> None:
    """The drawing at the largest uniform scale that fits inside the margins, below a
    strip of ``top`` points, centred."""
    scale = min((page_width - 2 * MARGIN) / drawing.width,
                (page_height - 2 * MARGIN - top) / drawing.height)
    x = (page_width - drawing.width * scale) / 2
    y = (page_height - top - drawing.height * scale) / 2
    canvas.saveState()
    canvas.translate(x, y)
    canvas.scale(scale, scale)
    renderPDF.draw(drawing, canvas, 0, 0)
    canvas.restoreState()
