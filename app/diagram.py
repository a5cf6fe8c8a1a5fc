"""The one way a network becomes a picture or a file: classify, optionally
pseudonymise, then hand it to the pure renderer or exporter.

The web page, the print view, the PDF and the embed all come through here, so
they always show the same envelope for the same network.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Literal

from app.config import Settings
from app.graph import export
from app.graph.analyse import Analysis, analyse
from app.graph.classify import Classification, Thresholds, classify
from app.graph.document import GraphDocument
from app.graph.layout import layout_document
from app.graph.pdf import HEADING_HEIGHT, MARGIN, PAPER_SIZES, Section, svg_to_pdf
from app.graph.pseudonym import pseudonymise
from app.graph.svg import Frame, legend_svg, render_svg, render_template, title_lines
from app.i18n import translations, words_for
from app.recent import Recent

Lang = Literal["da", "en"]
Paper = Literal["a4", "a3"]
Format = Literal["json", "cyjs", "graphml", "gexf", "dot", "csv"]

MEDIA_TYPES: dict[str, str] = {
    "json": "application/json",
    "cyjs": "application/json",
    "graphml": "application/graphml+xml",
    "gexf": "application/gexf+xml",
    "dot": "text/vnd.graphviz; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "svg": "image/svg+xml",
    "pdf": "application/pdf",
}


def prepare(doc: GraphDocument, *, pseudonymised: bool, lang: Lang = "da") -> GraphDocument:
    return pseudonymise(doc, words=words_for(lang)) if pseudonymised else doc


# Envelopes by what they were drawn from. The renderer is pure (the same document,
# language, date and thresholds give the same bytes), so the key is a digest of the
# document's content with those inputs: a changed case has new content, so a new key,
# and two databases or a reused case id can never share a wrong picture.
_svg_cache: Recent[str] = Recent(size=128)  # about 90 kB each at 60 actors
# Stored cases' envelopes, encoded once: a hit sends these bytes as they are.
_stored_svgs: Recent[bytes] = Recent(size=256)

# What the drawing of a stored case depends on besides its row: the renderer's own code,
# the whole pure library (the router and the label words draw too, not just layout and
# svg) and the catalogues its words are said from. A new release draws anew and answers
# with new ETags.
RENDERER = hashlib.blake2b(b"".join(
    path.read_bytes() for path in [
        *sorted((Path(__file__).parent / "graph").glob("*.py")),
        *sorted((Path(__file__).parent / "locales").glob("*/LC_MESSAGES/messages.po")),
        Path(__file__)]
), digest_size=8).hexdigest()


def stored_svg_key(db_url: str, case_id: int, team_id: int, version: int,
                   updated_at: datetime, lang: Lang, pseudonymised: bool,
                   thresholds: Thresholds) -> tuple[Hashable, ...]:
    """The cache key of a stored case's current envelope: no document needed to make it.

    A version's document never changes (the history is immutable), so database, case,
    version, language and settings name the picture. The team and the exact time of the
    version are in it too, so that a deleted case whose id a new case reuses (SQLite may)
    can never be answered with the old picture.
    """
    return ("stored", db_url, case_id, team_id, version, updated_at, lang, pseudonymised,
            thresholds)


def stored_svg_etag(version: int, updated_at: datetime, lang: Lang, pseudonymised: bool,
                    thresholds: Thresholds) -> str:
    """``"<version>.<fingerprint>"``: the case's version first (so it still serves as
    ``If-Match`` for a change), then a digest of everything else the picture depends on."""
    what = repr((updated_at.date().isoformat(), lang, pseudonymised, thresholds, RENDERER))
    return f'"{version}.{hashlib.blake2b(what.encode(), digest_size=6).hexdigest()}"'


def cached_svg(key: Hashable) -> bytes | None:
    return _stored_svgs.get(key)


def draw_stored(key: Hashable, doc: GraphDocument, settings: Settings, *, lang: Lang,
                on: date, pseudonymised: bool) -> bytes:
    """Draw a stored case's envelope and keep it under ``key`` (see stored_svg_key)."""
    shown = prepare(doc, pseudonymised=pseudonymised, lang=lang)
    prototype = classify(doc, settings.thresholds).prototype
    svg = render_svg(shown, prototype=prototype, words=words_for(lang), on=on).encode()
    _stored_svgs.put(key, svg)
    return svg


def _content(doc: GraphDocument) -> bytes:
    return hashlib.blake2b(doc.model_dump_json().encode(), digest_size=20).digest()


_analyses: Recent[Analysis] = Recent(size=128)


def analysis_of(doc: GraphDocument) -> Analysis:
    """:func:`analyse` of ``doc``, once per content: finding the brokers (betweenness)
    was a sixth of a large case page's time, on every view and every edit's answer."""
    key = _content(doc)
    found = _analyses.get(key)
    if found is None:
        found = analyse(doc)
        _analyses.put(key, found)
    return found


def envelope_svg(doc: GraphDocument, settings: Settings, *, lang: Lang = "da",
                 on: date | None = None, pseudonymised: bool = False,
                 label_scale: float = 1.0, frame: Frame = "page") -> str:
    """The envelope of ``doc``; drawn once per content, language, date, thresholds,
    label scale and frame."""
    key: Hashable = (_content(doc), lang, on, pseudonymised, settings.thresholds, label_scale,
                    frame)
    svg = _svg_cache.get(key)
    if svg is None:
        shown = prepare(doc, pseudonymised=pseudonymised, lang=lang)
        prototype = classify(doc, settings.thresholds).prototype
        svg = render_svg(shown, prototype=prototype, words=words_for(lang), on=on,
                         label_scale=label_scale, frame=frame)
        _svg_cache.put(key, svg)
    return svg


# --- print: page one's envelope with labels readable on paper ------------------------------

MM = 72 / 25.4
#: The smallest actor label on paper, in points (issue 12: A4, ≥ 8 pt).
MIN_PRINT_LABEL_PT = 8.0
#: Where the print page (templates/cases/print.html, app/static/print.css and
#: print-a3.css) draws the envelope on landscape paper, in points: the page less 10 mm
#: margins and an 18 mm two-line heading (A4: 277 × 172 mm, A3: 400 × 259 mm); the PDF
#: uses its whole page under its heading. On paper the envelope is drawn alone (its
#: title block is that heading, its legend is printed on page two), so it has the page's
#: whole width.
PRINT_PAGE_BOXES: dict[Paper, tuple[float, float]] = {
    "a4": (277 * MM, 172 * MM), "a3": (400 * MM, 259 * MM)}
_SIZE = re.compile(r'<svg [^>]*?width="([\d.]+)" height="([\d.]+)"')


def label_points(doc: GraphDocument, box: tuple[float, float], label_scale: float = 1.0) -> float:
    """The smallest actor label of ``doc``'s envelope, in points, when the drawing is
    fitted into ``box`` (width, height in points), as print and the PDF fit it."""
    svg = render_svg(doc, label_scale=label_scale, frame="envelope")
    found = _SIZE.search(svg)
    assert found is not None  # the renderer always sizes its drawing
    width, height = (float(v) for v in found.groups())
    lay = layout_document(doc, label_scale=label_scale)
    font = min((b.font_size for b in lay.actors), default=lay.citizen.font_size)
    return font * min(box[0] / width, box[1] / height)


def print_label_fit(doc: GraphDocument, box: tuple[float, float],
                    minimum: float = MIN_PRINT_LABEL_PT) -> tuple[float, float]:
    """The label scale for paper and the smallest label's size in points at that scale.

    Larger labels may make the envelope grow, which shrinks everything on paper again,
    so the scale grows by what is still missing for a few rounds, then a few small steps
    are tried (larger labels in an envelope that keeps its size); a network too crowded
    to reach ``minimum`` gets the scale that came closest, and the print page offers A3.
    Remembered per document and box.
    """
    key = (hashlib.blake2b(doc.model_dump_json().encode(), digest_size=20).digest(), box,
           minimum)
    known = _label_scales.get(key)
    if known is not None:
        return known
    best, best_pt = 1.0, label_points(doc, box)
    scale, pt = 1.0, best_pt
    for _ in range(4):  # scale up by what is missing, until growth stops paying
        if best_pt >= minimum:
            break
        scale = min(3.0, round(scale * minimum * 1.01 / pt, 3))
        pt = label_points(doc, box, scale)
        if pt > best_pt:
            best, best_pt = scale, pt
    for step in range(1, 9):  # small steps: larger labels in an envelope that keeps its size
        if best_pt >= minimum:
            break
        got = label_points(doc, box, 1 + 0.03 * step)
        if got > best_pt:
            best, best_pt = round(1 + 0.03 * step, 3), got
    _label_scales.put(key, (best, best_pt))
    return best, best_pt


_label_scales: Recent[tuple[float, float]] = Recent(size=256)


@dataclass(frozen=True, slots=True)
class PrintedEnvelope:
    """The envelope for paper and how small its smallest name prints there (points)."""

    svg: str
    smallest_label_pt: float

    @property
    def readable(self) -> bool:
        """Whether every name prints at :data:`MIN_PRINT_LABEL_PT` or more."""
        return self.smallest_label_pt >= MIN_PRINT_LABEL_PT


def print_svg(doc: GraphDocument, settings: Settings, box: tuple[float, float], *,
              lang: Lang = "da", on: date | None = None,
              pseudonymised: bool = False) -> PrintedEnvelope:
    """The envelope for paper: as :func:`envelope_svg` without the title block and the
    legend (:func:`print_heading`, :func:`print_legend`), with labels scaled so that the
    smallest prints at :data:`MIN_PRINT_LABEL_PT` in ``box`` where the network allows."""
    shown = prepare(doc, pseudonymised=pseudonymised, lang=lang)
    scale, smallest = print_label_fit(shown, box)
    return PrintedEnvelope(envelope_svg(doc, settings, lang=lang, on=on,
                                        pseudonymised=pseudonymised, label_scale=scale,
                                        frame="envelope"), round(smallest, 1))


def print_heading(doc: GraphDocument, settings: Settings, *, lang: Lang = "da",
                  on: date | None = None, pseudonymised: bool = False) -> tuple[str, str]:
    """The title block of :func:`print_svg`'s envelope as two lines of text."""
    shown = prepare(doc, pseudonymised=pseudonymised, lang=lang)
    return title_lines(shown, prototype=classify(doc, settings.thresholds).prototype,
                       words=words_for(lang), on=on)


def print_legend(doc: GraphDocument, *, lang: Lang = "da") -> str:
    """The legend of :func:`print_svg`'s envelope, as an SVG of its own."""
    return legend_svg(words=words_for(lang), coordinator=doc.coordinator is not None)


def reason_texts(classification: Classification, lang: Lang = "da") -> list[str]:
    """The classification's reasons in ``lang``, each said from its template and values
    (in Danish the catalogue's identity: the sentences of ``classification.reasons``)."""
    gettext = translations(lang).gettext
    return [reason.say(gettext) for reason in classification.said]


def warning_texts(analysis: Analysis, lang: Lang = "da") -> list[str]:
    """The analysis' warnings in ``lang``, each said from its template and values (in
    Danish the catalogue's identity: the warnings' messages)."""
    gettext = translations(lang).gettext
    return [warning.say(gettext) for warning in analysis.warnings]


def report_sections(doc: GraphDocument, settings: Settings, *, lang: Lang = "da",
                    pseudonymised: bool = False) -> list[Section]:
    """What the PDF prints after the envelope: the classification's reasons, then the
    warnings (named by the shown actors' labels when pseudonymised)."""
    _ = translations(lang).gettext
    shown = prepare(doc, pseudonymised=pseudonymised, lang=lang)
    prototype = classify(doc, settings.thresholds).prototype
    warnings = warning_texts(analysis_of(shown), lang) or [_("Ingen advarsler.")]
    return [Section(_("Klassifikation: prototype %(n)s") % {"n": prototype},
                    reason_texts(classify(shown, settings.thresholds), lang)),
            Section(_("Advarsler"), warnings)]


def envelope_pdf(doc: GraphDocument, settings: Settings, *, lang: Lang = "da",
                 on: date | None = None, pseudonymised: bool = False,
                 paper: Paper = "a4") -> bytes:
    """The envelope on page one, with labels of at least 8 pt on A4 where the network
    allows, then the classification's reasons and the warnings."""
    width, height = PAPER_SIZES[paper]
    svg = print_svg(doc, settings, (width - 2 * MARGIN, height - 2 * MARGIN - HEADING_HEIGHT),
                    lang=lang, on=on, pseudonymised=pseudonymised).svg
    title = prepare(doc, pseudonymised=pseudonymised, lang=lang).label
    return svg_to_pdf(svg, paper=paper, title=title,
                      heading=print_heading(doc, settings, lang=lang, on=on,
                                            pseudonymised=pseudonymised),
                      legend=print_legend(doc, lang=lang),
                      sections=report_sections(doc, settings, lang=lang,
                                               pseudonymised=pseudonymised))


def template_pdf(prototype: Literal[1, 2, 3], *, lang: Lang = "da", paper: Paper = "a4") -> bytes:
    title = translations(lang).gettext("Kuvertmodel – tom skabelon, prototype %(p)s")
    return svg_to_pdf(render_template(prototype, words=words_for(lang)), paper=paper,
                      title=title % {"p": prototype})


def exported(doc: GraphDocument, fmt: Format, *, pseudonymised: bool = False,
             table: Literal["actors", "couplings"] = "actors") -> bytes:
    """``doc`` in format ``fmt``, as bytes ready to send or save."""
    doc = prepare(doc, pseudonymised=pseudonymised)
    if fmt == "json":
        text = json.dumps(doc.model_dump(mode="json", exclude_none=True),
                          ensure_ascii=False, indent=2)
    elif fmt == "cyjs":
        text = json.dumps(export.to_cytoscape(doc), ensure_ascii=False, indent=2)
    elif fmt == "graphml":
        return export.to_graphml(doc)
    elif fmt == "gexf":
        return export.to_gexf(doc)
    elif fmt == "dot":
        text = export.to_dot(doc)
    else:
        text = export.actors_csv(doc) if table == "actors" else export.couplings_csv(doc)
    return text.encode("utf-8")
