"""Case pages: the list, and the print view of one case."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from app import case_filters, cases, diagram, i18n, reports
from app.deps import CaseId, SessionDep, SettingsDep
from app.graph.classify import classify
from app.graph.pseudonym import pseudonymise as pseudonymised
from app.web import LoginDep, page

router = APIRouter(tags=["sider"], include_in_schema=False)


@router.get("/")
def home() -> Response:
    return RedirectResponse("/cases", status_code=303)


@router.get("/cases")
def list_cases(request: Request, session: SessionDep, settings: SettingsDep, login: LoginDep,
               q: Annotated[str | None, Query(max_length=200)] = None,
               target_group: Annotated[str | None, Query(max_length=20)] = None,
               prototype: Annotated[str | None, Query(max_length=1)] = None,
               coordinator: Annotated[str | None, Query(max_length=3)] = None,
               team: Annotated[str | None, Query(max_length=12)] = None) -> Response:
    """The team's cases, searchable by name or reference and filtered."""
    filters = case_filters.parse_filters(q, target_group, prototype, coordinator, team)
    rows, total = case_filters.search_cases_filtered(
        session, login.principal, filters.q, filters.target_group, filters.prototype,
        filters.coordinator, filters.team_id, 0, 100, settings.thresholds,
        audited=request.app.state.read_audit.record_sync)  # group commit, not one per page
    return page(request, "cases/list.html", {
        "rows": rows, "total": total, "q": filters.q or "", "filters": filters,
        "teams": case_filters.team_choices(session, login.principal)}, login=login)


@router.get("/cases/{case_id}/print")
def print_case(request: Request, session: SessionDep, settings: SettingsDep, login: LoginDep,
               case_id: CaseId, pseudonymise: bool = False) -> Response:
    """The printable page: the envelope first, then who is who and who does what by when."""
    case, doc = cases.read_document(session, login.principal, case_id,
                                    "print:pseudonymised" if pseudonymise else "print")
    shown = pseudonymised(doc) if pseudonymise else doc
    svg = diagram.envelope_svg(doc, settings, on=case.updated_at.date(),
                               pseudonymised=pseudonymise, lang=i18n.current.get())
    labels = {a.key: a.label for a in shown.actors}
    return page(request, "cases/print.html", {
        "case": case,
        "doc": shown,
        "labels": labels,
        "classification": classify(doc, settings.thresholds),
        # The reasons name actors without a value; shown ones only, when pseudonymised.
        "reasons": classify(shown, settings.thresholds).reasons,
        "svg": Markup(svg),  # built by our renderer, which escapes every text it draws
        "printed": datetime.now(UTC).date(),
        "pseudonymise": pseudonymise,
    }, login=login)


@router.get("/cases/{case_id}/access-report")
def show_access_report(request: Request, session: SessionDep, login: LoginDep,
                       case_id: CaseId) -> Response:
    """Who saw or changed this case: the log the citizen has a right to see."""
    report = reports.access_report(session, login.principal, case_id)
    return page(request, "cases/access_report.html", {"report": report}, login=login)


@router.get("/cases/{case_id}/access-report.pdf")
def access_report_pdf(session: SessionDep, login: LoginDep, case_id: CaseId) -> Response:
    """The access report as a PDF to hand over."""
    report = reports.access_report(session, login.principal, case_id)
    return Response(reports.access_report_pdf(report), media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="adgangsrapport-{case_id}.pdf"',
        "Cache-Control": "private, no-store"})
