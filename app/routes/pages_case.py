"""The case page: the live envelope with the tools to change it.

Every form works without JavaScript (post, then redirect back); with htmx the
answer is the changed ``workspace`` fragment instead. A change made on an old
version is refused and shown as a conflict, with one click to apply it again.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import cases, diagram, i18n, live
from app import models as m
from app.cases import Expected
from app.config import Settings
from app.deps import CaseId, SessionDep, SettingsDep
from app.errors import ServiceError, StaleVersion
from app.graph.analyse import analyse
from app.graph.classify import classify
from app.graph.document import GraphDocument
from app.graph.errors import DocumentInvalid, Problem
from app.web import CsrfLoginDep, LoginDep, fragment, page

router = APIRouter(tags=["sider"], include_in_schema=False)

Version = Annotated[int, Form(ge=1)]
Text = Annotated[str, Form(max_length=2000)]


def _catalogue(session: Session) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {"sector": [], "profession": [], "organisation": [],
                                   "panel": []}
    for entry in session.scalars(select(m.CatalogueEntry).order_by(m.CatalogueEntry.name)):
        found[entry.kind].append(entry.name)
    return found


def _context(session: Session, settings: Settings, case: m.Case, doc: GraphDocument,
             **extra: Any) -> dict[str, Any]:
    events = session.scalars(select(m.Event).where(m.Event.case_id == case.id)
                             .order_by(m.Event.version.desc()).limit(30)).all()
    return {
        "case": case,
        "doc": doc,
        "labels": {a.key: a.label for a in doc.actors},
        "svg": Markup(diagram.envelope_svg(doc, settings, on=case.updated_at.date(),
                                           lang=i18n.current.get())),
        "classification": classify(doc, settings.thresholds),
        "analysis": analyse(doc),
        "events": events,
        "catalogue": _catalogue(session),
        "viewers": live.hub.viewers(case.id),
        **extra,
    }


def _is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


@router.get("/cases/{case_id}")
def show_case(request: Request, session: SessionDep, settings: SettingsDep, login: LoginDep,
              case_id: CaseId) -> Response:
    """The case page: the envelope and everything around it."""
    case, doc = cases.read_document(session, login.principal, case_id)
    response = page(request, "cases/show.html", _context(session, settings, case, doc),
                    login=login)
    response.headers["Vary"] = "HX-Request"
    return response


@router.get("/cases/{case_id}/meeting")
def show_meeting(request: Request, session: SessionDep, settings: SettingsDep, login: LoginDep,
                 case_id: CaseId) -> Response:
    """Meeting mode: the same page, full screen, large type, driven by the keyboard."""
    case, doc = cases.read_document(session, login.principal, case_id)
    return page(request, "cases/show.html",
                _context(session, settings, case, doc, meeting=True), login=login)


@router.get("/cases/{case_id}/workspace")
def show_workspace(request: Request, session: SessionDep, settings: SettingsDep,
                   login: LoginDep, case_id: CaseId) -> Response:
    """The part of the case page that changes; fetched again when someone else changes it."""
    case, doc = cases.read_document(session, login.principal, case_id, "read_live")
    if not _is_htmx(request):
        return RedirectResponse(f"/cases/{case_id}", status_code=303)
    response = fragment(request, "cases/show.html", "workspace",
                        _context(session, settings, case, doc), login=login)
    response.headers["Vary"] = "HX-Request"
    return response


async def _form_dict(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf"}


def _act(request: Request, session: Session, settings: Settings, login: Any, case_id: int,
         form: dict[str, str], change: Callable[[Expected], Any]) -> Response:
    """Run one change and answer with the workspace: updated, or showing what went wrong."""
    version = int(form.get("version", "0") or 0)
    extra: dict[str, Any] = {}
    status = 200
    try:
        change(Expected(version or None))
    except StaleVersion as exc:
        status = 409
        newer = session.scalars(select(m.Event).where(
            m.Event.case_id == case_id, m.Event.version > version).order_by(m.Event.version))
        extra["conflict"] = {
            "events": list(newer),
            "replay": {**form, "version": str(exc.extra["current_version"])},
            "action": request.url.path,
        }
    except DocumentInvalid as exc:
        status = 422
        extra["problems"] = exc.problems
    except ServiceError as exc:
        if exc.status in (401, 403, 404):
            raise
        status = exc.status
        extra["problems"] = [Problem("", exc.code, exc.message)]
    session.expire_all()
    if not _is_htmx(request) and status == 200:
        return RedirectResponse(f"/cases/{case_id}", status_code=303)
    case, doc = cases.read_document(session, login.principal, case_id, "read_live")
    context = _context(session, settings, case, doc, **extra)
    if _is_htmx(request):
        return fragment(request, "cases/show.html", "workspace", context, status_code=status,
                        login=login)
    return page(request, "cases/show.html", context, status_code=status, login=login)


def new_key(label: str, taken: set[str]) -> str:
    """A readable, unique key from a label: "UU-vejleder" -> "uu-vejleder"."""
    base = re.sub(r"[^\w.-]+", "-", label.casefold()).strip("-.")[:40] or "aktoer"
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


@router.post("/cases/{case_id}/actors")
async def add_actor(request: Request, session: SessionDep, settings: SettingsDep,
                    login: CsrfLoginDep, case_id: CaseId) -> Response:
    """Add an actor from the quick-add form."""
    form = await _form_dict(request)

    def change(expected: Expected) -> Any:
        case = cases.read_case(session, login.principal, case_id, "read_live")
        cases.require_write(login.principal, case.team_id)
        taken = {a.key for a in cases.document_of(case).actors}
        actor = {k: form[k] for k in ("label", "kind", "profession", "sector", "organisation",
                                      "panel", "contribution", "contact") if form.get(k)}
        if form.get("ring"):
            actor["ring"] = form["ring"]
        actor["key"] = new_key(form.get("label", ""), taken)
        actor.setdefault("label", "")
        return cases.add_actor(session, login.principal, case_id, expected, actor)

    return await asyncio.to_thread(_act, request, session, settings, login, case_id, form,
                                   change)


@router.post("/cases/{case_id}/actors/{key}")
async def change_actor(request: Request, session: SessionDep, settings: SettingsDep,
                       login: CsrfLoginDep, case_id: CaseId, key: str) -> Response:
    """Save the details form of one actor; an emptied field is cleared."""
    form = await _form_dict(request)
    names = ("label", "profession", "sector", "organisation", "panel", "ring", "contribution",
             "contact")
    fields: dict[str, Any] = {name: (form[name] or None) for name in names if name in form}
    return await asyncio.to_thread(
        _act, request, session, settings, login, case_id, form,
        lambda e: cases.update_actor(session, login.principal, case_id, e, key, fields))


@router.post("/cases/{case_id}/actors/{key}/delete")
async def remove_actor(request: Request, session: SessionDep, settings: SettingsDep,
                       login: CsrfLoginDep, case_id: CaseId, key: str) -> Response:
    form = await _form_dict(request)
    return await asyncio.to_thread(
        _act, request, session, settings, login, case_id, form,
        lambda e: cases.remove_actor(session, login.principal, case_id, e, key))


@router.post("/cases/{case_id}/couplings")
async def couple_actors(request: Request, session: SessionDep, settings: SettingsDep,
                        login: CsrfLoginDep, case_id: CaseId) -> Response:
    """Couple two actors chosen in the form (or by clicking them in the envelope)."""
    form = await _form_dict(request)
    coupling = {k: form[k] for k in ("source", "target", "state", "topic") if form.get(k)}
    coupling.setdefault("source", "")
    coupling.setdefault("target", "")
    return await asyncio.to_thread(
        _act, request, session, settings, login, case_id, form,
        lambda e: cases.add_coupling(session, login.principal, case_id, e, coupling))


@router.post("/cases/{case_id}/couplings/{a}/{b}")
async def change_coupling(request: Request, session: SessionDep, settings: SettingsDep,
                          login: CsrfLoginDep, case_id: CaseId, a: str, b: str) -> Response:
    form = await _form_dict(request)
    fields: dict[str, Any] = {k: (form[k] or None) for k in ("state", "topic") if k in form}
    return await asyncio.to_thread(
        _act, request, session, settings, login, case_id, form,
        lambda e: cases.update_coupling(session, login.principal, case_id, e, a, b, fields))


@router.post("/cases/{case_id}/couplings/{a}/{b}/delete")
async def uncouple_actors(request: Request, session: SessionDep, settings: SettingsDep,
                          login: CsrfLoginDep, case_id: CaseId, a: str, b: str) -> Response:
    form = await _form_dict(request)
    return await asyncio.to_thread(
        _act, request, session, settings, login, case_id, form,
        lambda e: cases.remove_coupling(session, login.principal, case_id, e, a, b))


@router.post("/cases/{case_id}/agreements")
async def add_agreement(request: Request, session: SessionDep, settings: SettingsDep,
                        login: CsrfLoginDep, case_id: CaseId) -> Response:
    """Write down who does what by when, on a coupling."""
    form = await _form_dict(request)
    a, _sep, b = form.get("coupling", "").partition("|")

    def change(expected: Expected) -> Any:
        case = cases.read_case(session, login.principal, case_id, "read_live")
        cases.require_write(login.principal, case.team_id)
        coupling = cases.coupling_of(cases.document_of(case), a, b)
        agreement = {"who": form.get("who", ""), "what": form.get("what", "")}
        if form.get("due"):
            agreement["due"] = form["due"]
        return cases.update_coupling(session, login.principal, case_id, expected, a, b,
                                     {"agreements": [*coupling["agreements"], agreement]})

    return await asyncio.to_thread(_act, request, session, settings, login, case_id, form,
                                   change)


@router.post("/cases/{case_id}/coordinator")
async def name_coordinator(request: Request, session: SessionDep, settings: SettingsDep,
                           login: CsrfLoginDep, case_id: CaseId) -> Response:
    form = await _form_dict(request)
    key = form.get("coordinator") or None

    def edit(doc: dict[str, Any]) -> dict[str, Any]:
        if key:
            doc["coordinator"] = key
        else:
            doc.pop("coordinator", None)
        return doc

    return await asyncio.to_thread(
        _act, request, session, settings, login, case_id, form,
        lambda e: cases.change_document(session, login.principal, case_id, e,
                                        "coordinator_named",
                                        f"Koordinator: {key or 'ingen'}", edit))


@router.post("/cases/{case_id}/undo")
async def undo(request: Request, session: SessionDep, settings: SettingsDep,
               login: CsrfLoginDep, case_id: CaseId) -> Response:
    """Undo the last change: the network as it was one version ago, as a new change."""
    form = await _form_dict(request)
    return await asyncio.to_thread(
        _act, request, session, settings, login, case_id, form,
        lambda e: cases.undo(session, login.principal, case_id, e))


@router.get("/cases/{case_id}/events")
async def case_events(request: Request, session: SessionDep, login: LoginDep,
                      case_id: CaseId) -> StreamingResponse:
    """Server-Sent Events: "changed" when the case changes, "viewers" when people come and go."""
    await asyncio.to_thread(cases.read_case, session, login.principal, case_id, "watch")
    session.close()
    sub = live.hub.subscribe(case_id, login.username)

    async def stream() -> AsyncIterator[str]:
        try:
            yield "retry: 2000\n\n"
            while not await request.is_disconnected():
                try:
                    event, data = await asyncio.wait_for(sub.queue.get(), timeout=15)
                except TimeoutError:
                    yield ": ping\n\n"
                    continue
                if event == "viewers":
                    data = str(Markup.escape(data))
                yield f"event: {event}\ndata: {data}\n\n"
        finally:
            live.hub.unsubscribe(sub)

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

