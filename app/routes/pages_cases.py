"""Case pages: the list (with the form for a new case), and the print view of one case."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from app import case_filters, cases, diagram, i18n, reports
from app.graph.classify import classify
from app.graph.document import parse_document
from app.schemas import DB_INT_MAX
from app.web.deps import CaseId, SessionDep, SettingsDep
from app.web.pages import CsrfLoginDep, LoginDep, page, read_audited
from app.web.template_globals import path_for

router = APIRouter(tags=["sider"], include_in_schema=False)


@router.get("/", name="page.home")
def home(request: Request) -> Response:
    return RedirectResponse(path_for(request, "page.list_cases"), status_code=303)


@router.get("/cases", name="page.list_cases")
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
        audited=read_audited(request))
    teams = case_filters.team_choices(session, login.principal)
    return page(request, "cases/list.html", {
        "rows": rows, "total": total, "q": filters.q or "", "filters": filters,
        "teams": teams,
        # where a new case may go: the teams the user writes in (a reader in one team
        # and editor in another creates cases in the second only)
        "write_teams": [(team_id, name) for team_id, name in teams
                        if login.principal.can_write_in(team_id)]}, login=login)


@router.post("/cases", name="page.create_case")
async def create_case(request: Request, session: SessionDep, login: CsrfLoginDep,
                      label: Annotated[str, Form(max_length=200)] = "",
                      target_group: Annotated[str, Form(max_length=20)] = "voksne",
                      citizen: Annotated[str, Form(max_length=200)] = "",
                      team_id: Annotated[int | None, Form(ge=1, le=DB_INT_MAX)] = None,
                      ) -> Response:
    """Start a new case with just the citizen in the centre, in the team chosen (asked
    only of someone who writes in more than one team; a team they cannot write in: 403)."""
    team = cases.team_for_new_case(login.principal, team_id)
    doc = {"label": label, "target_group": target_group,
           "actors": [{"key": "borger", "kind": "citizen", "label": citizen or label}]}
    case = await asyncio.to_thread(cases.create_case, session, login.principal, team,
                                   parse_document(doc))
    return RedirectResponse(path_for(request, "page.show_case", case_id=case.id),
                            status_code=303)


@router.get("/cases/{case_id}/print", name="page.print_case")
def print_case(request: Request, session: SessionDep, settings: SettingsDep, login: LoginDep,
               case_id: CaseId, pseudonymise: bool = False,
               paper: Annotated[diagram.Paper, Query()] = "a4") -> Response:
    """The printable page: the envelope first, then who is who and who does what by when.

    Set for landscape A4; a network too large for every name to print at 8 pt there gets
    a note pointing to the same page set for A3 (``paper=a3``)."""
    case, doc = cases.read_document(session, login.principal, case_id,
                                    "print:pseudonymised" if pseudonymise else "print",
                                    audited=read_audited(request))
    lang = i18n.current.get()
    shown = diagram.prepare(doc, pseudonymised=pseudonymise, lang=lang)
    printed = diagram.print_svg(doc, settings, diagram.PRINT_PAGE_BOXES[paper],
                                on=case.updated_at.date(), pseudonymised=pseudonymise,
                                lang=lang)
    labels = {a.key: a.label for a in shown.actors}
    return page(request, "cases/print.html", {
        "case": case,
        "doc": shown,
        "labels": labels,
        "classification": classify(doc, settings.thresholds),
        # Reasons and warnings name actors; the shown ones only, when pseudonymised.
        "reasons": diagram.reason_texts(classify(shown, settings.thresholds), lang),
        "warnings": diagram.warning_texts(diagram.analysis_of(shown), lang),
        "svg": Markup(printed.svg),  # built by our renderer, which escapes every text it draws
        "paper": paper,
        "smallest_label_pt": printed.smallest_label_pt,
        "offer_a3": paper == "a4" and not printed.readable,
        "legend": Markup(diagram.print_legend(doc, lang=lang)),
        "printed": datetime.now(UTC).date(),
        "pseudonymise": pseudonymise,
    }, login=login)


@router.get("/cases/{case_id}/access-report", name="page.show_access_report")
def show_access_report(request: Request, session: SessionDep, login: LoginDep,
                       case_id: CaseId,
                       page_no: Annotated[int, Query(alias="page", ge=1, le=DB_INT_MAX)] = 1,
                       ) -> Response:
    """Who saw or changed this case: the log the citizen has a right to see, a page at a
    time (the PDF holds all of it)."""
    report = reports.access_report(session, login.principal, case_id, page_no)
    return page(request, "cases/access_report.html", {"report": report}, login=login)


@router.get("/cases/{case_id}/access-report.pdf", name="page.access_report_pdf")
def access_report_pdf(session: SessionDep, login: LoginDep, case_id: CaseId) -> Response:
    """The access report as a PDF to hand over."""
    report = reports.access_report(session, login.principal, case_id)
    return Response(reports.access_report_pdf(report), media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="adgangsrapport-{case_id}.pdf"',
        "Cache-Control": "private, no-store"})
