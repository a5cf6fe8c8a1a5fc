"""The per-case access report: who saw or changed this citizen's data, when and how.

It is what a caseworker hands to a citizen who asks (the right of access to logs).
Names of API tokens and embeds are shown as the kind of access they are.
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
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import cases
from app import models as m
from app.auth import Principal

ACTIONS = {
    "create": "oprettede forløbet", "read": "så forløbet", "read_live": "så forløbet (live)",
    "read_history": "så historikken", "update": "ændrede forløbet", "delete": "slettede forløbet",
    "print": "udskrev forløbet", "print:pseudonymised": "udskrev forløbet pseudonymiseret",
    "render_svg": "hentede diagrammet", "render_pdf": "hentede diagrammet som PDF",
    "watch": "fulgte forløbet live", "embed_created": "lavede et indlejringslink",
    "embed_revoked": "trak et indlejringslink tilbage", "embed_view": "så indlejret visning",
    "access_report": "hentede denne rapport", "purge": "slettede forløbet (udløbet)",
}
CHANNELS = {"api": "system (API)", "web": "Kuvert i browseren", "cli": "administration",
            "embed": "indlejret visning"}


def who_was_it(principal: str) -> str:
    """A readable name: "user:anna" is anna, a token is named by its system."""
    kind, _sep, rest = principal.partition(":")
    if kind == "user":
        return rest
    if kind == "token":
        return f"system «{rest.partition(':')[2]}»"
    if kind == "embed":
        return f"indlejringslink {rest}"
    return "Kuvert"


def what_was_done(action: str) -> str:
    if action.startswith("export:"):
        return "eksporterede forløbet" + (" pseudonymiseret" if "pseudonymised" in action else "")
    return ACTIONS.get(action, action)


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


def access_report(session: Session, who: Principal, case_id: int) -> AccessReport:
    case = cases.read_case(session, who, case_id, "access_report")
    entries = session.scalars(select(m.AuditEntry).where(m.AuditEntry.case_id == case.id)
                              .order_by(m.AuditEntry.at, m.AuditEntry.id))
    return AccessReport(case.id, case.label, datetime.now(UTC), [
        Line(e.at, who_was_it(e.principal), what_was_done(e.action),
             CHANNELS.get(e.channel, e.channel))
        for e in entries
    ])


def access_report_pdf(report: AccessReport) -> bytes:
    """The report as an A4 PDF (reportlab's Helvetica carries æøå)."""
    buffer = io.BytesIO()
    styles = getSampleStyleSheet()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                                 title=f"Adgangsrapport – {report.label}", invariant=1)
    rows = [["Tidspunkt", "Hvem", "Hvad", "Hvordan"]] + [
        [line.at.strftime("%d.%m.%Y %H:%M"), line.who, line.what, line.how]
        for line in report.lines
    ]
    table = Table(rows, colWidths=[32 * mm, 45 * mm, 60 * mm, 43 * mm], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold"),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    document.build([
        Paragraph(f"Adgangsrapport: {escape(report.label)}", styles["Title"]),
        Paragraph("Hvem har set eller ændret oplysningerne i dette borgerforløb, hvornår og "
                  f"hvordan. Lavet {report.made.strftime('%d.%m.%Y')}.", styles["Normal"]),
        Spacer(1, 6 * mm),
        table,
    ])
    return buffer.getvalue()

