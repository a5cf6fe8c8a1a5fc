"""REST API v1: the envelope diagram (SVG, PDF), blank templates, exports and import."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from app import cases, diagram, reads
from app.auth import Principal, principal_for_token
from app.config import Settings
from app.db import Database
from app.errors import N_, ServiceError
from app.graph.document import GraphDocument, IsoDate, parse_document
from app.graph.export import from_graphml
from app.routes.api_cases import _BODY_ERRORS, _ERRORS, _WRITE_ERRORS, _error
from app.schemas import CaseCreated
from app.web.deps import (
    BearerDep,
    CaseId,
    PrincipalDep,
    SessionDep,
    SettingsDep,
    VersionQuery,
    etag,
    token_of,
)
from app.web.error_handlers import error_body

router = APIRouter(prefix="/api/v1", tags=["diagram og eksport"])

LangQ = Annotated[Literal["da", "en"], Query(description="Sprog i diagrammet")]
PseudoQ = Annotated[bool, Query(description="Borger og netværk vises kun ved deres rolle")]
PaperQ = Annotated[Literal["a4", "a3"], Query(description="Papirformat (liggende)")]
OnQ = Annotated[IsoDate | None, Query(description="Dato i titelfeltet (ÅÅÅÅ-MM-DD)")]


def _ok(description: str, *media_types: str) -> dict[int | str, dict[str, Any]]:
    """The 200 answer of a route that sends a file: its media type(s); JSON is an object."""
    content = {t: {"schema": {"type": "object"} if t == "application/json"
                   else {"type": "string", "format": "binary"}} for t in media_types}
    return {200: {"description": description, "content": content}}


_SVG = _ok("Diagrammet som SVG", "image/svg+xml")
_PDF = _ok("En PDF-side", "application/pdf")
_EXPORTS = _ok("Netværket i det ønskede format",
               *dict.fromkeys(t.split(";")[0] for t in diagram.MEDIA_TYPES.values()))


def _file(content: bytes | str, kind: str, name: str | None = None,
          version: int | None = None) -> Response:
    headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"}
    if name:
        headers["Content-Disposition"] = f'attachment; filename="{name}"'
    if version is not None:
        headers["ETag"] = etag(version)
    return Response(content, media_type=diagram.MEDIA_TYPES[kind], headers=headers)


def _stored(session: SessionDep, who: PrincipalDep, case_id: int, version: int | None,
            action: str) -> tuple[GraphDocument, date, int]:
    """The case's document now, or at an earlier version, with the date it stood so."""
    case, doc = cases.read_document(session, who, case_id, action)
    if version is None or version == case.version:
        return doc, case.updated_at.date(), case.version
    earlier, at = cases.document_at(session, who, case_id, version)
    return earlier, at.date(), version


@router.get("/cases/{case_id}/envelope.svg", responses={**_SVG, **_ERRORS, 304: {
    "description": "Uændret siden den ETag, der blev sendt som If-None-Match"}},
            response_class=Response)
async def envelope_svg(request: Request, credentials: BearerDep, case_id: CaseId,
                       lang: LangQ = "da", pseudonymise: PseudoQ = False,
                       version: VersionQuery = None,
                       if_none_match: Annotated[str | None, Header()] = None) -> Response:
    """The envelope diagram as SVG; ``version`` draws an earlier state from the history.

    The current state answers with an ``ETag``; sent back as ``If-None-Match`` it gives
    304 while nothing changed. Every request is checked and audited, 304s too.
    """
    db: Database = request.app.state.db
    settings: Settings = request.app.state.settings
    if version is not None:  # the history: rare, drawn each time
        svg, shown = await run_in_threadpool(_earlier_svg, db, settings, credentials,
                                             case_id, version, lang, pseudonymise)
        return _file(svg, "svg", version=shown)
    # Token, case and version in one statement, audit row by group commit (app/reads.py);
    # a drawn envelope is found by its key without loading, validating or hashing the
    # document.
    found = await reads.read_case(db, request.app.state.read_audit, token_of(credentials),
                                  case_id, "render_svg")
    tag = diagram.stored_svg_etag(found.version, found.updated_at, lang, pseudonymise,
                                  settings.thresholds)
    headers = {"ETag": tag, "Cache-Control": "private, no-store"}  # nosniff: SecurityHeaders
    if if_none_match is not None and tag in {t.strip() for t in if_none_match.split(",")}:
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    key = diagram.stored_svg_key(db.url, found.case_id, found.team_id, found.version,
                                 found.updated_at, lang, pseudonymise, settings.thresholds)
    drawn = diagram.cached_svg(key) or await run_in_threadpool(
        _draw, db, settings, key, found, lang, pseudonymise)
    return Response(drawn, media_type=diagram.MEDIA_TYPES["svg"], headers=headers)


def _draw(db: Database, settings: Settings, key: Any, found: reads.CaseRead, lang: diagram.Lang,
          pseudonymise: bool) -> bytes:
    with db.session() as session:
        doc = cases.document_at_version(session, found.case_id, found.version)
    return diagram.draw_stored(key, doc, settings, lang=lang, on=found.updated_at.date(),
                               pseudonymised=pseudonymise)


def _earlier_svg(db: Database, settings: Settings, credentials: Any, case_id: int,
                 version: int, lang: diagram.Lang, pseudonymise: bool) -> tuple[str, int]:
    token = token_of(credentials)
    with db.session() as session:
        who = principal_for_token(session, token)
        doc, on, shown = _stored(session, who, case_id, version, "render_svg")
    return diagram.envelope_svg(doc, settings, lang=lang, on=on,
                                pseudonymised=pseudonymise), shown


@router.get("/cases/{case_id}/envelope.pdf", responses={**_PDF, **_ERRORS},
            response_class=Response)
def envelope_pdf(session: SessionDep, who: PrincipalDep, settings: SettingsDep, case_id: CaseId,
                 lang: LangQ = "da", pseudonymise: PseudoQ = False, paper: PaperQ = "a4",
                 version: VersionQuery = None) -> Response:
    """The envelope diagram as a landscape PDF page (A4, or A3 with ``paper=a3``)."""
    doc, on, shown = _stored(session, who, case_id, version, "render_pdf")
    pdf = diagram.envelope_pdf(doc, settings, lang=lang, on=on, pseudonymised=pseudonymise,
                               paper=paper)
    return _file(pdf, "pdf", f"kuvert-{case_id}.pdf", version=shown)


# --- drawing a document sent in the request ----------------------------------------------
#
# Anyone with a read token may ask for a drawing of any document, so the work one request
# can cause is bounded: a document much larger than a real citizen's network is refused
# (413) before drawing, and one caller draws at most a few at a time (429), so that a few
# requests cannot keep the workers busy for everyone else.

RENDER_MAX_ACTORS = 150
RENDER_MAX_COUPLINGS = 1000
RENDER_MAX_TEXT = 200_000  # characters of text in the whole document
RENDERS_PER_CALLER = 2


class TooLargeToDraw(ServiceError):
    status = 413
    code = "too_large_to_draw"
    message = N_("Netværket er for stort til at tegne her (højst %(actors)s aktører, "
                 "%(couplings)s koblinger og %(thousands)s.000 tegn tekst).")

    def __init__(self) -> None:
        super().__init__(params={"actors": RENDER_MAX_ACTORS, "couplings": RENDER_MAX_COUPLINGS,
                                 "thousands": RENDER_MAX_TEXT // 1000})


class TooManyRenders(ServiceError):
    status = 429
    code = "too_many_renders"
    message = N_("Du tegner allerede %(n)s diagrammer på én gang. "
                 "Vent til de er færdige, og prøv igen.")

    def __init__(self) -> None:
        super().__init__(params={"n": RENDERS_PER_CALLER})


def _text_size(doc: GraphDocument) -> int:
    size = len(doc.label)
    for actor in doc.actors:
        size += sum(len(v) for v in (actor.label, actor.profession, actor.sector,
                                     actor.organisation, actor.contribution, actor.contact) if v)
    for coupling in doc.couplings:
        size += len(coupling.topic or "") + sum(len(a.what) for a in coupling.agreements)
    return size


def check_drawable(doc: GraphDocument) -> None:
    """Raise TooLargeToDraw for a document far beyond a real network."""
    if (len(doc.actors) > RENDER_MAX_ACTORS or len(doc.couplings) > RENDER_MAX_COUPLINGS
            or _text_size(doc) > RENDER_MAX_TEXT):
        raise TooLargeToDraw()


_drawing: Counter[str] = Counter()
_drawing_lock = threading.Lock()


@contextmanager
def render_slot(who: Principal) -> Iterator[None]:
    """One of the caller's few drawing slots (per process), or TooManyRenders."""
    with _drawing_lock:
        if _drawing[who.name] >= RENDERS_PER_CALLER:
            raise TooManyRenders()
        _drawing[who.name] += 1
    try:
        yield
    finally:
        with _drawing_lock:
            _drawing[who.name] -= 1
            if _drawing[who.name] <= 0:
                del _drawing[who.name]


_RENDER_ERRORS = {**_BODY_ERRORS,
                  413: _error("Indholdet er for stort, eller netværket for stort til at tegne"),
                  429: _error("Der tegnes allerede for mange diagrammer med denne adgang")}


@router.post("/render.svg", response_class=Response, responses={**_SVG, **_RENDER_ERRORS})
def render_svg(doc: GraphDocument, who: PrincipalDep, settings: SettingsDep,
               lang: LangQ = "da", pseudonymise: PseudoQ = False,
               on: OnQ = None,
               ) -> Response:
    """Draw the network sent as SVG; nothing is stored. At most 150 actors, 1000 couplings."""
    check_drawable(doc)
    with render_slot(who):
        svg = diagram.envelope_svg(doc, settings, lang=lang, on=on, pseudonymised=pseudonymise)
    return _file(svg, "svg")


@router.post("/render.pdf", response_class=Response, responses={**_PDF, **_RENDER_ERRORS})
def render_pdf(doc: GraphDocument, who: PrincipalDep, settings: SettingsDep,
               lang: LangQ = "da", pseudonymise: PseudoQ = False, paper: PaperQ = "a4",
               on: OnQ = None,
               ) -> Response:
    """Draw the network sent as a PDF page; nothing is stored. At most 150 actors, 1000
    couplings."""
    check_drawable(doc)
    with render_slot(who):
        pdf = diagram.envelope_pdf(doc, settings, lang=lang, on=on, paper=paper,
                                   pseudonymised=pseudonymise)
    return _file(pdf, "pdf", "kuvert.pdf")


@router.get("/templates/prototype/{prototype}.pdf", response_class=Response,
            responses={**_PDF, 401: _ERRORS[401], 422: _ERRORS[422]})
def template_pdf(prototype: Annotated[int, Path(ge=1, le=3)], _who: PrincipalDep,
                 lang: LangQ = "da", paper: PaperQ = "a4") -> Response:
    """A blank envelope for prototype 1, 2 or 3, to fill in by hand."""
    level: Literal[1, 2, 3] = 1 if prototype == 1 else 2 if prototype == 2 else 3
    return _file(diagram.template_pdf(level, lang=lang, paper=paper), "pdf",
                 f"kuvert-prototype-{prototype}.pdf")


@router.get("/cases/{case_id}/export.{fmt}", responses={**_EXPORTS, **_ERRORS},
            response_class=Response)
def export_case(session: SessionDep, who: PrincipalDep, case_id: CaseId, fmt: diagram.Format,
                pseudonymise: PseudoQ = False,
                table: Annotated[Literal["actors", "couplings"],
                                 Query(description="Kun CSV: aktører eller koblinger")] = "actors",
                ) -> Response:
    """The network as JSON, Cytoscape.js JSON, GraphML, GEXF, DOT or CSV."""
    case, doc = cases.read_document(
        session, who, case_id, f"export:{fmt}{':pseudonymised' if pseudonymise else ''}")
    suffix = f"-{table}" if fmt == "csv" else ""
    return _file(diagram.exported(doc, fmt, pseudonymised=pseudonymise, table=table), fmt,
                 f"kuvert-{case_id}{suffix}.{fmt}", version=case.version)


_IMPORT_TYPES = ("application/json", "application/graphml+xml", "application/xml", "text/xml")


_GRAPHML_BODY = {"schema": {"type": "string", "description": "A GraphML file"}}


@router.post("/cases/import", status_code=status.HTTP_201_CREATED, response_model=CaseCreated,
             responses={**_WRITE_ERRORS,
                        415: _error("Hverken et grafdokument (JSON) eller GraphML")},
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/json": {
                     "schema": {"$ref": "#/components/schemas/GraphDocument-Input"}},
                 **{t: _GRAPHML_BODY for t in _IMPORT_TYPES[1:]}}}})
async def import_case(request: Request, session: SessionDep, who: PrincipalDep,
                      response: Response) -> CaseCreated | Response:
    """Create a case from a graph document (JSON) or a GraphML file."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    if kind == "application/json":
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):  # RecursionError: [[[[… nested past any use
            return _refuse(422, "json_invalid", "Indholdet er ikke gyldig JSON.")
        doc = parse_document(data)
    elif kind in _IMPORT_TYPES:
        doc = from_graphml(body)
    else:
        return _refuse(415, "unsupported_media_type",
                       "Send et grafdokument (application/json) eller GraphML "
                       "(application/graphml+xml).")
    case = await run_in_threadpool(
        cases.create_case, session, who, min(who.team_ids, default=0), doc)
    response.headers["ETag"] = etag(case.version)
    response.headers["Location"] = f"/api/v1/cases/{case.id}"
    return CaseCreated(id=case.id, version=case.version)


def _refuse(status_code: int, code: str, message: str) -> Response:
    return JSONResponse(error_body(code, message), status_code=status_code)
