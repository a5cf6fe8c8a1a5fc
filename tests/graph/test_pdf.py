"""PDF conversion: one landscape page, Danish text extractable, same SVG same bytes."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from pypdf import PdfReader

from app.config import get_settings
from app.diagram import (
    MIN_PRINT_LABEL_PT,
    PRINT_PAGE_BOXES,
    envelope_pdf,
    label_points,
    print_label_fit,
)
from app.graph import examples
from app.graph.errors import GraphError
from app.graph.pdf import HEADING_HEIGHT, MARGIN, PAPER_SIZES, PdfFailed, Section, svg_to_pdf
from app.graph.svg import render_svg
from tests.helpers.documents import PRINTED
from tests.helpers.pdf import label_sizes, last_lines, page_texts

SVG = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 800 400" width="800" height="400">
  <style>.strong { font-weight: bold; }</style>
  <rect width="800" height="400" fill="#f4f1ea"/>
  <circle cx="400" cy="200" r="60" fill="none" stroke="#333"/>
  <text x="20" y="40" font-family="DejaVu Sans, Arial, Helvetica, sans-serif"
        font-size="24">Kuvert</text>
  <text x="20" y="80" font-family="Inter, system-ui" class="strong"
        font-size="18">Ydelsesrådgiver æøå ÆØÅ</text>
  <text x="20" y="120" font-family="serif" font-size="18">&lt;script&gt; &amp; “citat”</text>
</svg>"""


def _reader(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


def test_svg_to_pdf_makes_one_landscape_a4_page() -> None:
    pdf = svg_to_pdf(SVG)
    assert pdf.startswith(b"%PDF-")
    reader = _reader(pdf)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)


def test_svg_to_pdf_makes_landscape_a3() -> None:
    box = _reader(svg_to_pdf(SVG, paper="a3")).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (1191, 842)


def test_svg_to_pdf_keeps_danish_text_extractable() -> None:
    text = _reader(svg_to_pdf(SVG)).pages[0].extract_text()
    assert "Kuvert" in text
    assert "Ydelsesrådgiver æøå ÆØÅ" in text
    assert "<script> & “citat”" in text


def test_svg_to_pdf_uses_standard_fonts_only() -> None:
    """Unknown families fall back to Helvetica instead of a system font found by
    fontconfig, so the PDF embeds no font and is the same on every machine."""
    pdf = svg_to_pdf(SVG)
    resources: Any = _reader(pdf).pages[0]["/Resources"]
    fonts = {f.get_object()["/BaseFont"] for f in resources["/Font"].values()}
    assert fonts <= {"/Helvetica", "/Helvetica-Bold", "/Times-Roman"}
    assert "/Helvetica-Bold" in fonts
    assert b"/FontFile" not in pdf


def test_svg_to_pdf_is_deterministic() -> None:
    assert svg_to_pdf(SVG, title="Claus, 22") == svg_to_pdf(SVG, title="Claus, 22")
    assert svg_to_pdf(SVG, paper="a3") == svg_to_pdf(SVG, paper="a3")


def test_svg_to_pdf_sets_the_title() -> None:
    metadata = _reader(svg_to_pdf(SVG, title="Claus, 22 (nu) æøå")).metadata
    assert metadata is not None and metadata.title == "Claus, 22 (nu) æøå"


@pytest.mark.parametrize(("width", "height"), [(4000, 200), (200, 4000), (10, 10)])
def test_svg_to_pdf_fits_any_drawing_on_the_page(width: int, height: int) -> None:
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">'
           f'<rect width="{width}" height="{height}" fill="#000"/></svg>')
    page = _reader(svg_to_pdf(svg)).pages[0]
    content = page.get_contents()
    assert content is not None
    # Our placement is the first uniform scale-and-move; svglib's own px->pt comes after.
    match = re.search(rb"q\n([\d.]+) 0 0 \1 ([\d.]+) ([\d.]+) cm", content.get_data())
    assert match is not None
    scale, x, y = (float(v) for v in match.groups())
    drawn_w, drawn_h = width * 0.75 * scale, height * 0.75 * scale  # 1 px = 0.75 pt
    page_w, page_h = float(page.mediabox.width), float(page.mediabox.height)
    margin = 10 * 72 / 25.4
    assert x >= margin - 0.01 and x + drawn_w <= page_w - margin + 0.01
    assert y >= margin - 0.01 and y + drawn_h <= page_h - margin + 0.01
    assert min(abs(x - margin), abs(y - margin)) < 0.01  # as large as the page allows
    assert abs(x + drawn_w / 2 - page_w / 2) < 0.01 and abs(y + drawn_h / 2 - page_h / 2) < 0.01


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def _image_svg(href: str) -> str:
    return ('<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">'
            f'<image href="{href}" width="100" height="100"/></svg>')


def test_svg_to_pdf_draws_embedded_images() -> None:
    """The control for the next test: an image that *is* drawn shows up as one."""
    href = "data:image/png;base64," + base64.b64encode(_png()).decode()
    assert len(_reader(svg_to_pdf(_image_svg(href))).pages[0].images) == 1


def test_svg_to_pdf_does_not_read_files_the_svg_points_at(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "secret.png").write_bytes(_png())
    monkeypatch.chdir(tmp_path)
    for href in ("secret.png", str(tmp_path / "secret.png"), (tmp_path / "secret.png").as_uri()):
        assert len(_reader(svg_to_pdf(_image_svg(href))).pages[0].images) == 0


@pytest.mark.parametrize("svg", [
    "",
    "not xml at all",
    "<html><body>Kuvert</body></html>",
    '<svg xmlns="http://www.w3.org/2000/svg" width="0" height="0"/>',
    _image_svg("data:image/png;base64," + base64.b64encode(b"\x89PNG broken").decode()),
])
def test_svg_to_pdf_refuses_what_is_not_a_drawing(svg: str) -> None:
    with pytest.raises(PdfFailed) as caught:
        svg_to_pdf(svg)
    assert isinstance(caught.value, GraphError) and caught.value.code == "pdf_failed"


def test_svg_to_pdf_converts_the_real_envelope() -> None:
    svg_module = pytest.importorskip("app.graph.svg")
    doc = examples.claus_nu()
    reader = _reader(svg_to_pdf(svg_module.render_svg(doc), title=doc.label))
    assert len(reader.pages) == 1
    text = " ".join(reader.pages[0].extract_text().split())
    for actor in doc.actors:
        assert " ".join(actor.label.split()) in text or all(
            word in text for word in actor.label.split()), actor.label
    assert "Ydelsesrådgiver" in text


# --- text after the envelope (issue 12 item 4), read back with pdfplumber ------------------

SECTIONS = [Section("Klassifikation: prototype 2", ["4 faggrupper: op til 5 giver niveau 2.",
                                                    "Prototypen er den højeste af de to: 2."]),
            Section("Advarsler", ["Koblingen mellem «Søn» og «Lene» er anstrengt."])]


def test_svg_to_pdf_prints_sections_after_the_drawing() -> None:
    pdf = svg_to_pdf(SVG, title="Lene, 45", sections=SECTIONS)
    pages = page_texts(pdf)
    assert len(pages) == 2
    assert "Kuvert" in pages[0] and "Advarsler" not in pages[0]
    assert pages[1].startswith("Klassifikation: prototype 2")
    for section in SECTIONS:
        for paragraph in section.paragraphs:
            assert paragraph in pages[1]
    assert pdf == svg_to_pdf(SVG, title="Lene, 45", sections=SECTIONS)
    assert _reader(pdf).metadata.title == "Lene, 45"  # type: ignore[union-attr]


def test_svg_to_pdf_never_ends_a_page_with_a_heading() -> None:
    """However long the first section, the second heading is never a page's last line:
    where it would be, it moves to the next page with its first paragraph."""
    headings = {"Klassifikation", "Advarsler"}
    moved = False
    for n in range(20, 60):
        sections = [Section("Klassifikation", [f"Begrundelse nummer {i}." for i in range(n)]),
                    Section("Advarsler", ["Ingen koordinator.", "Ingen aftaler."])]
        pdf = svg_to_pdf(SVG, sections=sections)
        assert not headings & set(last_lines(pdf)), n
        firsts = [text.split(" ")[0] for text in page_texts(pdf)[2:]]
        moved = moved or "Advarsler" in firsts
    assert moved, "no length put the heading at a page's foot: the test proves nothing"


def test_svg_to_pdf_of_the_envelope_prints_labels_of_at_least_8_pt() -> None:
    doc = examples.claus_nu()
    pdf = envelope_pdf(doc, get_settings())
    actors = [a.label for a in doc.actors if a.kind != "citizen"]
    sizes = label_sizes(pdf, actors)
    assert set(sizes) == set(actors)
    assert min(sizes.values()) >= 8.0, sizes
    # On screen (and in the plain SVG to PDF) the labels are never larger than print's
    # (issue 12 made the screen's labels of a small network large already).
    plain = label_sizes(svg_to_pdf(render_svg(doc)), actors)
    assert min(plain.values()) <= min(sizes.values())


@pytest.mark.parametrize("name", sorted(examples.EXAMPLES))
def test_print_label_scale_never_prints_smaller(name: str) -> None:
    """On A4 (the print page's box and the PDF's) the chosen scale prints the smallest
    label at least as large as the screen's drawing would, and at 8 pt where the
    layout can fit such labels."""
    doc = examples.EXAMPLES[name]()
    for box in (PRINT_PAGE_BOXES["a4"], (PAPER_SIZES["a4"][0] - 2 * MARGIN,
                                 PAPER_SIZES["a4"][1] - 2 * MARGIN - HEADING_HEIGHT)):
        scale, _ = print_label_fit(doc, box)
        assert label_points(doc, box, scale) >= label_points(doc, box)
        assert label_points(doc, box, scale) >= MIN_PRINT_LABEL_PT, name


@pytest.mark.parametrize("name", sorted(PRINTED))
def test_envelope_pdf_prints_every_label_at_8_pt_or_more(name: str) -> None:
    """Issue 12 item 4, read back from the PDF: page one gives the envelope the page's
    width (its heading above it, the legend on page two), so up to 30 actors every
    label prints at 8 pt or more on A4."""
    doc = PRINTED[name]()
    pdf = envelope_pdf(doc, get_settings())
    actors = [a.label for a in doc.actors if a.kind != "citizen"]
    sizes = label_sizes(pdf, actors)
    assert set(sizes) == set(actors), set(actors) - set(sizes)
    assert min(sizes.values()) >= MIN_PRINT_LABEL_PT, sizes
    pages = page_texts(pdf)
    assert pages[0].startswith(doc.label) and "Prototype" in pages[0]
    assert "Signaturforklaring" not in pages[0] and pages[1].startswith("Signaturforklaring")
    assert pdf == envelope_pdf(doc, get_settings())
