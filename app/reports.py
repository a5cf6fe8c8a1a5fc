"""The per-case access report: who saw or changed this citizen's data, when and how.

It is what a caseworker hands to a citizen who asks (the right of access to logs).
Names of API tokens and embeds are shown as the kind of access they are, every action
in words (Danish, or English when chosen). The page shows it a page at a time; the PDF
holds all of it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import cases, i18n
from app import models as m
from app.auth import Principal
from app.errors import N_

PAGE_SIZE = 100  # lines per page of the HTML report; the PDF holds every line


#: Every action written to the audit log for a case, in the citizen's words.
ACTIONS = {
    "create": N_("oprettede forløbet"), "read": N_("så forløbet"),
    "read_live": N_("så forløbet (opdateret live)"), "read_history": N_("så historikken"),
    "update": N_("ændrede forløbet"), "delete": N_("slettede forløbet"),
    "print": N_("udskrev forløbet"),
    "print:pseudonymised": N_("udskrev forløbet pseudonymiseret"),
    "render_svg": N_("hentede diagrammet"), "render_pdf": N_("hentede diagrammet som PDF"),
    "watch": N_("fulgte forløbet live"),
    "embed_created": N_("lavede et indlejringslink"),
    "embed_revoked": N_("trak et indlejringslink tilbage"),
    "embed_view": N_("så indlejret visning"),
    "embed_view_live": N_("så indlejret visning (opdateret)"),
    # written before one entry per view (issue 10): still in logs within retention
    "embed_watch": N_("fulgte indlejret visning live"),
    "embed_watch_check": N_("fulgte indlejret visning live (kontrol)"),
    "create_snapshot": N_("gemte et øjebliksbillede"),
    "access_report": N_("hentede denne rapport"),
    "purge": N_("slettede forløbet (udløbet)"),
}
EXPORTED = N_("eksporterede forløbet")
EXPORTED_PSEUDONYMISED = N_("eksporterede forløbet pseudonymiseret")
OTHER_USE = N_("brugte forløbet")
CHANNELS = {"api": N_("system (API)"), "web": N_("Kuvert i browseren"),
            "cli": N_("administration"), "embed": N_("indlejret visning")}


def who_was_it(principal: str) -> str:
    """A readable name: "user:anna" is anna, a token is named by its system."""
    _ = i18n.gettext
    kind, _sep, rest = principal.partition(":")
    if kind == "user":
        return rest
    if kind == "token":
        return _("system «%(name)s»") % {"name": rest.partition(":")[2]}
    if kind == "embed":
        return _("indlejringslink %(id)s") % {"id": rest}
    return "Kuvert"


def _lasted(detail: str | None) -> str:
    """ " (i 12 min.)" from an embed view's "duration=720"; "" while it is open."""
    if not detail or not detail.startswith("duration="):
        return ""
    seconds = int(detail.partition("=")[2] or 0)
    if seconds < 60:
        return " (" + i18n.gettext("under et minut") + ")"
    return " (" + i18n.gettext("i %(minutes)s min.") % {"minutes": round(seconds / 60)} + ")"


def what_was_done(action: str, detail: str | None = None) -> str:
    """The action in the reader's language (Danish unless English was chosen)."""
    _ = i18n.gettext
    if action.startswith("export:"):
        pseudonymised = action.endswith(":pseudonymised")
        return _(EXPORTED_PSEUDONYMISED) if pseudonymised else _(EXPORTED)
    name = ACTIONS.get(action)
    if name is None:
        return _(OTHER_USE)
    return _(name) + (_lasted(detail) if action == "embed_view" else "")


@dataclass(frozen=True)
class Line:
    at: datetime
    who: str
    what: str
    how: str


@dataclass(frozen=True)
class AccessReport:
    case_id: int
    label: str
    made: datetime
    lines: list[Line]
    page: int = 1
    pages: int = 1
    total: int = 0


def access_report(session: Session, who: Principal, case_id: int,
                  page: int | None = None) -> AccessReport:
    """Every use of the case, oldest first: one page of it, or all of it (``page`` None)."""
    case = cases.read_case(session, who, case_id, "access_report")
    where = m.AuditEntry.case_id == case.id
    total = session.scalar(select(func.count()).select_from(m.AuditEntry).where(where)) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    query = select(m.AuditEntry).where(where).order_by(m.AuditEntry.at, m.AuditEntry.id)
    if page is not None:
        page = min(page, pages)
        query = query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    return AccessReport(case.id, case.label, datetime.now(UTC), [
        Line(e.at, who_was_it(e.principal), what_was_done(e.action, e.detail),
             i18n.gettext(CHANNELS[e.channel]) if e.channel in CHANNELS else e.channel)
        for e in session.scalars(query)
    ], page or 1, pages, total)


def access_report_pdf(report: AccessReport) -> bytes:
    """The report as an A4 PDF (reportlab's Helvetica carries æøå), every line of it."""
    _ = i18n.gettext
    buffer = io.BytesIO()
    styles = getSampleStyleSheet()
    title = _("Adgangsrapport")
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                                 title=f"{title} – {report.label}", invariant=1)
    rows = [[_("Tidspunkt"), _("Hvem"), _("Hvad"), _("Hvordan")]] + [
        [line.at.strftime("%d.%m.%Y %H:%M"), line.who, Paragraph(escape(line.what),
                                                                 styles["BodyText"]),
         line.how]
        for line in report.lines
    ]
    table = Table(rows, colWidths=[32 * mm, 45 * mm, 60 * mm, 43 * mm], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold"),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    intro = _("Hvem har set eller ændret oplysningerne i dette borgerforløb, hvornår og "
              "hvordan. Lavet %(date)s.") % {"date": report.made.strftime("%d.%m.%Y")}
    document.build([
        Paragraph(f"{escape(title)}: {escape(report.label)}", styles["Title"]),
        Paragraph(escape(intro), styles["Normal"]),
        Spacer(1, 6 * mm),
        table,
    ])
    return buffer.getvalue()
