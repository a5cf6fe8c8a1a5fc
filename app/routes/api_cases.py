"""REST API v1: cases, their whole network, classification, analysis and history."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status

from app import cases, i18n, reads
from app.graph.analyse import Analysis, analyse
from app.graph.classify import Classification, classify
from app.graph.document import GraphDocument
from app.schemas import (
    DB_INT_MAX,
    ApiError,
    CaseCreated,
    CasePage,
    CasePatch,
    CasePublic,
    GraphWrite,
    History,
)
from app.web.deps import (
    BearerDep,
    CaseId,
    IfMatchDep,
    PrincipalDep,
    SessionDep,
    SettingsDep,
    VersionQuery,
    etag,
    expected,
    token_of,
)

router = APIRouter(prefix="/api/v1/cases", tags=["borgerforløb"])


def _error(description: str) -> dict[str, Any]:
    """An error response as the OpenAPI document declares it: always an ``ApiError``."""
    return {"model": ApiError, "description": description}


_ERRORS: dict[int | str, dict[str, Any]] = {
    401: _error("Mangler eller ukendt adgangsnøgle"),
    404: _error("Findes ikke, eller tilhører et andet team"),
    422: _error("Ugyldig parameter eller ugyldigt indhold; `problems` siger hvor og hvorfor"),
}
_BODY_ERRORS: dict[int | str, dict[str, Any]] = {
    400: _error("Indholdet kan ikke læses (fx ikke UTF-8), eller If-Match er ikke en ETag"),
    401: _ERRORS[401],
    413: _error("Indholdet er for stort"),
    422: _ERRORS[422],
}
_WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    **_ERRORS,
    **_BODY_ERRORS,
    403: _error("Adgangsnøglen må kun læse"),
    409: _error("Forældet version i indholdet, eller konflikt"),
    412: _error("If-Match passer ikke med sagens nuværende version"),
    428: _error("Hverken If-Match eller version blev sendt"),
}


@router.get("", response_model=CasePage, responses=_ERRORS)
def list_cases(
    session: SessionDep,
    who: PrincipalDep,
    settings: SettingsDep,
    q: Annotated[str | None, Query(max_length=200, pattern=r"^[^\x00]*$",
                                    description="Søg i navn/reference")] = None,
    offset: Annotated[int, Query(ge=0, le=DB_INT_MAX)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> CasePage:
    """List and search the team's cases, most recently changed first."""
    rows, total = cases.search_cases(session, who, q, offset, min(limit, settings.page_size_max))
    return CasePage(items=cases.publics(session, rows), total=total,
                    offset=offset, limit=limit)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=CaseCreated,
             responses=_WRITE_ERRORS)
def create_case(
    session: SessionDep, who: PrincipalDep, doc: GraphDocument, response: Response
) -> CaseCreated:
    """Create a case from a whole graph document."""
    case = cases.create_case(session, who, min(who.team_ids, default=0), doc)
    response.headers["ETag"] = etag(case.version)
    response.headers["Location"] = f"/api/v1/cases/{case.id}"
    return CaseCreated(id=case.id, version=case.version)


@router.get("/{case_id}", response_model=CasePublic, responses=_ERRORS)
def show_case(session: SessionDep, who: PrincipalDep, case_id: CaseId,
              response: Response) -> CasePublic:
    """One case's facts: label, target group, reference, consent, version."""
    case = cases.read_case(session, who, case_id)
    response.headers["ETag"] = etag(case.version)
    return cases.public(session, case)


@router.patch("/{case_id}", response_model=CasePublic, responses=_WRITE_ERRORS)
def change_case(session: SessionDep, who: PrincipalDep, case_id: CaseId, patch: CasePatch,
                if_match: IfMatchDep, response: Response) -> CasePublic:
    """Change a case's facts; fields left out stay as they are."""
    case = cases.update_case(session, who, case_id, expected(if_match, patch.version), patch)
    response.headers["ETag"] = etag(case.version)
    return cases.public(session, case)


@router.delete("/{case_id}", status_code=status.HTTP_204_NO_CONTENT, responses=_WRITE_ERRORS)
def delete_case(session: SessionDep, who: PrincipalDep, case_id: CaseId, if_match: IfMatchDep,
                version: VersionQuery = None) -> Response:
    """Erase a case and all its data, history included."""
    cases.delete_case(session, who, case_id, expected(if_match, version))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{case_id}/graph", response_model=GraphDocument,
            response_model_exclude_none=True, responses=_ERRORS)
async def show_graph(request: Request, credentials: BearerDep, case_id: CaseId) -> Response:
    """The whole network as one graph document."""
    # Token, case and stored document in one statement; the audit row by group commit
    # (app/reads.py). The JSON text stored with the version is sent as it is: it was written
    # from a validated document (app.cases.dump).
    found = await reads.read_case(request.app.state.db, request.app.state.read_audit,
                                  token_of(credentials), case_id, "read", with_document=True)
    return Response(found.document, media_type="application/json",
                    headers={"ETag": etag(found.version)})


@router.put("/{case_id}/graph", response_model=GraphDocument,
            response_model_exclude_none=True, responses=_WRITE_ERRORS)
def replace_graph(session: SessionDep, who: PrincipalDep, case_id: CaseId, body: GraphWrite,
                  if_match: IfMatchDep, response: Response) -> GraphDocument:
    """Replace the whole network in one step: all of it is stored, or none of it."""
    doc = GraphDocument.model_validate(body.model_dump(exclude={"version"}))
    case, stored = cases.replace_graph(session, who, case_id,
                                       expected(if_match, body.version), doc)
    response.headers["ETag"] = etag(case.version)
    return stored


@router.get("/{case_id}/classification", response_model=Classification, responses=_ERRORS)
def show_classification(session: SessionDep, who: PrincipalDep, settings: SettingsDep,
                        case_id: CaseId, response: Response) -> Classification:
    """The case's prototype (1, 2 or 3) and the reasons for it (in the caller's language)."""
    case, doc = cases.read_document(session, who, case_id)
    response.headers["ETag"] = etag(case.version)
    response.headers["Vary"] = "Accept-Language"
    return i18n.say_classification(classify(doc, settings.thresholds))


@router.get("/{case_id}/analysis", response_model=Analysis, responses=_ERRORS)
def show_analysis(session: SessionDep, who: PrincipalDep, case_id: CaseId,
                  response: Response) -> Analysis:
    """Warnings in the caller's language (e.g. the citizen coordinates alone), brokers, load."""
    case, doc = cases.read_document(session, who, case_id)
    response.headers["ETag"] = etag(case.version)
    response.headers["Vary"] = "Accept-Language"
    return i18n.say_analysis(analyse(doc))


@router.get("/{case_id}/history", response_model=History, responses=_ERRORS)
def show_history(session: SessionDep, who: PrincipalDep, case_id: CaseId,
                 response: Response) -> History:
    """Every change to the case: version, when, by whom, what (in the caller's language)."""
    response.headers["Vary"] = "Accept-Language"
    return cases.history(session, who, case_id, i18n.gettext)
