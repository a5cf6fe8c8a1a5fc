"""The case page: the live envelope with the tools to change it.

Every form works without JavaScript (post, then redirect back); with htmx the
answer is the changed ``workspace`` fragment instead. A change made on an old
version is refused and shown as a conflict, with one click to apply it again.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from functools import lru_cache
from typing import Annotated, Any, Literal
from urllib.parse import unquote

from fastapi import APIRouter, Cookie, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup, escape
from pydantic import BaseModel, BeforeValidator, Field, StringConstraints
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from app import cases, diagram, edits, i18n, live
from app import models as m
from app.cases import Expected
from app.config import Settings
from app.edits import Edit
from app.errors import NotFound, ServiceError, StaleVersion
from app.graph import meaning
from app.graph.classify import classify
from app.graph.document import GraphDocument
from app.graph.edit import ACTOR_FIELDS
from app.graph.errors import N_, DocumentInvalid, Problem
from app.graph.svg import legend_samples
from app.recent import Recent
from app.sessions import WebLogin
from app.web import event_streams
from app.web.deps import CaseId, SessionDep, SettingsDep
from app.web.pages import CsrfLoginDep, LoginDep, block, fragment, page, read_audited, templates
from app.web.template_globals import path_for

router = APIRouter(tags=["sider"], include_in_schema=False)

Version = Annotated[int, Form(ge=1)]
Text = Annotated[str, Form(max_length=2000)]


def _catalogue(session: Session) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {"sector": [], "profession": [], "organisation": [],
                                   "panel": []}
    for kind, name in session.execute(select(m.CatalogueEntry.kind, m.CatalogueEntry.name)
                                      .order_by(m.CatalogueEntry.name)):
        found[kind].append(name)
    return found


def _catalogue_lists(session: Session) -> Markup:
    """The catalogue's suggestions for the actor forms' fields, as ``<datalist>``s."""
    catalogue = _catalogue(session)
    return _datalists(tuple(catalogue["profession"]), tuple(catalogue["sector"]),
                      tuple(catalogue["organisation"]))


@lru_cache(maxsize=8)
def _datalists(professions: tuple[str, ...], sectors: tuple[str, ...],
               organisations: tuple[str, ...]) -> Markup:
    """Drawn once per catalogue: it changes seldom, and every case page and every actor
    form page shows it (with what picking each name fills in, worked out here too)."""
    hints = {name: meaning.hint(name) for name in (*professions, *organisations)}
    return Markup(templates.get_template("cases/_datalists.html").render(
        catalogue={"profession": professions, "sector": sectors,
                   "organisation": organisations}, hints=hints))


def _context(session: Session, settings: Settings, case: m.Case, doc: GraphDocument,
             **extra: Any) -> dict[str, Any]:
    """Everything the case page draws: the workspace and what is around it."""
    return {**_around(session, case), **_workspace_context(session, settings, case, doc),
            **extra}


def _around(session: Session, case: m.Case) -> dict[str, Any]:
    """What the page draws outside the workspace: who is watching, and the catalogue's
    suggestions for the add forms (the same for every case, so not redrawn with one)."""
    return {"catalogue_lists": _catalogue_lists(session),
            "viewers": live.hub.viewers(case.id)}


_E = m.Event.__table__
_LATEST_EVENTS = (select(_E.c.version, _E.c.at, _E.c.principal, _E.c.kind, _E.c.summary,
                         _E.c.summary_message)
                  .where(_E.c.case_id == bindparam("case_id"))
                  .order_by(_E.c.version.desc()).limit(30))


def _workspace_context(session: Session, settings: Settings, case: m.Case,
                       doc: GraphDocument) -> dict[str, Any]:
    """What the workspace draws: all of it follows from the case's version, the
    language and the thresholds (see :func:`_workspace`)."""
    # The history lists who did what, as plain rows: each version's document stays
    # unread, and thirty ORM objects cost an edit's answer more than the query.
    events = session.execute(_LATEST_EVENTS, {"case_id": case.id}).all()
    lang = i18n.current.get()
    classification, analysis = classify(doc, settings.thresholds), diagram.analysis_of(doc)
    return {
        "case": case,
        "doc": doc,
        "labels": {a.key: a.label for a in doc.actors},
        "svg": Markup(diagram.envelope_svg(doc, settings, on=case.updated_at.date(),
                                           lang=lang)),
        "classification": classification,
        "reasons": diagram.reason_texts(classification, lang),
        "analysis": analysis,
        "warnings": list(zip(analysis.warnings, diagram.warning_texts(analysis, lang),
                             strict=True)),
        "events": events,
        "open_forms": frozenset(),
    }


#: Stands where the session's CSRF token goes in a kept workspace. Random for each
#: process, so no text anyone typed into a case can be taken for it.
_CSRF_HOLE = secrets.token_urlsafe(24)
#: Workspaces as drawn for a version of a case, with the hole for the token.
_workspaces: Recent[str] = Recent(size=64)  # some 50 kB each at 30 actors


def _workspace(request: Request, session: Session, settings: Settings, login: WebLogin,
               case: m.Case, stored: str) -> Markup:
    """The workspace of the case's current version, drawn once for everyone who views it.

    In a meeting each change makes every open page fetch the workspace again; they all
    ask for the same version, so the first one draws it and the others get the same
    HTML with their own CSRF token put in. A version's document and history never
    change, so the key names everything the workspace shows: the version (with its
    team and time, so a reused case id is never mistaken for it), the language, the
    thresholds, and the template as loaded (a changed template is a new object).
    Only the plain workspace is kept: open forms, a conflict or a refusal draw anew.
    """
    template = templates.get_template("cases/show.html")
    key = (template, request.app.state.db, case.id, case.team_id, case.version,
           case.updated_at, i18n.current.get(), settings.thresholds)
    kept = _workspaces.get(key)
    if kept is None:
        doc = GraphDocument.model_validate_json(stored)
        kept = block(request, "cases/show.html", "workspace",
                     _workspace_context(session, settings, case, doc),
                     login=replace(login, csrf=_CSRF_HOLE))
        _workspaces.put(key, kept)
    return Markup(kept.replace(_CSRF_HOLE, str(escape(login.csrf))))


def _is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _open_forms(request: Request) -> frozenset[str]:
    """The details the page has open (``X-Kuvert-Open``: ``actor:KEY`` and
    ``coupling:A|B``, URL-encoded, separated by spaces): a redraw draws their forms, so
    what the person typed there can be put back. The others are fetched when opened."""
    return frozenset(unquote(name) for name in request.headers.get("X-Kuvert-Open", "").split())


@router.get("/cases/{case_id}", name="page.show_case")
def show_case(request: Request, session: SessionDep, settings: SettingsDep, login: LoginDep,
              case_id: CaseId) -> Response:
    """The case page: the envelope and everything around it."""
    response = _case_page(request, session, settings, login, case_id)
    response.headers["Vary"] = "HX-Request"
    return response


@router.get("/cases/{case_id}/meeting", name="page.show_meeting")
def show_meeting(request: Request, session: SessionDep, settings: SettingsDep, login: LoginDep,
                 case_id: CaseId) -> Response:
    """Meeting mode: the same page, full screen, large type, driven by the keyboard."""
    return _case_page(request, session, settings, login, case_id, meeting=True,
                      legend={k: Markup(v) for k, v in legend_samples().items()})


def _case_page(request: Request, session: Session, settings: Settings, login: WebLogin,
               case_id: int, **extra: Any) -> Response:
    case, stored = cases.read_stored(session, login.principal, case_id,
                                     audited=read_audited(request))
    return page(request, "cases/show.html", {
        **_around(session, case), "case": case,
        "workspace": _workspace(request, session, settings, login, case, stored), **extra},
        login=login)


@router.get("/cases/{case_id}/workspace", name="page.show_workspace")
def show_workspace(request: Request, session: SessionDep, settings: SettingsDep,
                   login: LoginDep, case_id: CaseId) -> Response:
    """The part of the case page that changes; fetched again when someone else changes it."""
    case, stored = cases.read_stored(session, login.principal, case_id, "read_live",
                                     audited=read_audited(request))
    if not _is_htmx(request):
        return RedirectResponse(path_for(request, "page.show_case", case_id=case_id),
                                status_code=303)
    if opened := _open_forms(request):
        doc = GraphDocument.model_validate_json(stored)
        response = fragment(request, "cases/show.html", "workspace",
                            _context(session, settings, case, doc, open_forms=opened),
                            login=login)
    else:
        response = HTMLResponse(_workspace(request, session, settings, login, case, stored))
    response.headers["Vary"] = "HX-Request"
    return response


def _forms(request: Request, session: Session, login: Any, name: str,
           context: dict[str, Any]) -> Response:
    """The ``form`` block of ``name`` for the case page's script, which fetches it into the
    details just opened; without JavaScript the whole page, with the catalogue's lists."""
    if _is_htmx(request):
        response = fragment(request, name, "form", context, login=login)
    else:
        response = page(request, name, {**context,
                                        "catalogue_lists": _catalogue_lists(session)},
                        login=login)
    response.headers["Vary"] = "HX-Request"
    return response


@router.get("/cases/{case_id}/actors/{key}", name="page.edit_actor")
def edit_actor(request: Request, session: SessionDep, login: LoginDep, case_id: CaseId,
               key: str) -> Response:
    """One actor's details form (and removing the actor), drawn when it is opened."""
    case, doc = cases.read_document(session, login.principal, case_id,
                                    audited=read_audited(request))
    try:
        actor = doc.actor(key)
    except KeyError:
        raise NotFound(N_("Aktøren «%(key)s» findes ikke i forløbet (længere)."),
                       params={"key": key[:64]}) from None
    return _forms(request, session, login, "cases/actor.html",
                  {"case": case, "doc": doc, "actor": actor})


@router.get("/cases/{case_id}/couplings/{a}/{b}", name="page.edit_coupling")
def edit_coupling(request: Request, session: SessionDep, login: LoginDep, case_id: CaseId,
                  a: str, b: str) -> Response:
    """One coupling's forms (its state, removing it), drawn when they are opened."""
    case, doc = cases.read_document(session, login.principal, case_id,
                                    audited=read_audited(request))
    coupling = next((c for c in doc.couplings if (c.source, c.target) == (a, b)), None)
    if coupling is None:
        raise NotFound(N_("Koblingen %(a)s – %(b)s findes ikke i forløbet (længere)."),
                       params={"a": a[:64], "b": b[:64]})
    return _forms(request, session, login, "cases/coupling.html",
                  {"case": case, "doc": doc, "c": coupling,
                   "labels": {actor.key: actor.label for actor in doc.actors}})


# --- the page's forms: parsed like API bodies, a bad one answers 422 -----------------------

MAX_VERSION = 2**31 - 1
PanelChoice = Literal["", "afdelinger", "organisationer", "civilsamfund", "netvaerk"]
StateChoice = Literal["needed", "established", "weak", "strained"]
Short = Annotated[str, StringConstraints(max_length=200)]
Long = Annotated[str, StringConstraints(max_length=2000)]
FormKey = Annotated[str, StringConstraints(max_length=64, pattern=r"^[\w.-]*$")]


def _blank_to_none(value: object) -> object:
    return None if value == "" else value


def _whole_number(value: object) -> object:
    # "1.0", "1e3", " 1", "١" and the like are not versions a page ever sends.
    if isinstance(value, str) and not (value.isascii() and value.isdigit()):
        raise ValueError("Versionen skal være et helt tal.")
    return value


Ring = Annotated[int | None, BeforeValidator(_blank_to_none), Field(ge=1, le=3)]


class VersionForm(BaseModel):
    """What every change form carries: the version it was built on."""

    version: Annotated[int, BeforeValidator(_whole_number), Field(ge=1, le=MAX_VERSION)]


class ActorForm(VersionForm):
    """The quick-add form."""

    label: Short
    kind: Literal["professional", "organisation", "network", "volunteer"] = "professional"
    profession: Short = ""
    sector: Short = ""
    organisation: Short = ""
    panel: PanelChoice = ""
    ring: Ring = None
    contribution: Long = ""
    contact: Short = ""


class ActorChangeForm(VersionForm):
    """The details form of one actor: of the fields it ``shows`` (all, if it does not
    say), one sent empty is cleared. A browser's empty field and a missing one look
    the same once parsed, hence the list."""

    shows: Annotated[str, StringConstraints(max_length=200, pattern=r"^[a-z ]*$")] = ""

    label: Short | None = None
    profession: Short | None = None
    sector: Short | None = None
    organisation: Short | None = None
    panel: PanelChoice | None = None
    ring: Ring = None
    contribution: Long | None = None
    contact: Short | None = None


class MoveForm(VersionForm):
    """Where an actor was dropped (or moved to by keyboard) in the envelope."""

    panel: Literal["afdelinger", "organisationer", "civilsamfund", "netvaerk"]
    ring: Annotated[int, Field(ge=1, le=3)]


class CoupleForm(VersionForm):
    """The form that couples two actors."""

    source: FormKey
    target: FormKey
    state: StateChoice = "needed"
    topic: Long = ""


class CouplingChangeForm(VersionForm):
    """A coupling's state (sent as soon as it is chosen) or topic."""

    state: StateChoice | None = None
    topic: Long | None = None


class AgreementForm(VersionForm):
    """Who does what by when, on which coupling ("a|b")."""

    coupling: Annotated[str, StringConstraints(max_length=130,
                                               pattern=r"^[\w.-]+\|[\w.-]+$")]
    who: FormKey
    what: Long
    due: Annotated[str, StringConstraints(max_length=20)] = ""


class CoordinatorForm(VersionForm):
    """The coordinator's key, or empty for nobody."""

    coordinator: FormKey = ""


SAFE_KEY = re.compile(r"^[\w.-]{1,64}$")
DUE = re.compile(r"^\s*(\d{1,2})[.\-/ ](\d{1,2})[.\-/ ](\d{4})\s*$")
ISO_DUE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s*$")  # what a date field would send


def parse_due(text: str) -> str | None:
    """A due date written dd.mm.åååå (or d.m.åååå) as ISO text; empty is no date.

    >>> parse_due("24.12.2026"), parse_due("1.2.2027"), parse_due("2027-02-01")
    ('2026-12-24', '2027-02-01', '2027-02-01')
    >>> try:
    ...     parse_due("31.02.2026")
    ... except DocumentInvalid as refused:
    ...     print(refused.problems[0].message)
    Datoen «31.02.2026» findes ikke. Skriv den som dd.mm.åååå, fx 24.12.2026.
    """
    if not text.strip():
        return None
    found, iso = DUE.match(text), ISO_DUE.match(text)
    when = None
    if found or iso:
        if found:
            day, month, year = (int(x) for x in found.groups())
        else:
            assert iso is not None
            year, month, day = (int(x) for x in iso.groups())
        try:
            when = date(year, month, day)
        except ValueError:
            when = None
    if when is None:
        raise DocumentInvalid([Problem.of(
            "due", "invalid_date",
            N_("Datoen «%(text)s» findes ikke. Skriv den som dd.mm.åååå, fx 24.12.2026."),
            text=text.strip()[:20])])
    return when.isoformat()


def _sent(form: BaseModel) -> dict[str, str]:
    """The form's fields as sent, for "Gentag min ændring" (version replaced later)."""
    return {name: "" if value is None else str(value)
            for name, value in form.model_dump(include=form.model_fields_set).items()
            if name != "version"}


def _not_saved(reason: str) -> str:
    return i18n.gettext("Din ændring blev ikke gemt: %(what)s") % {"what": reason}


def _act(request: Request, session: Session, settings: Settings, login: Any, case_id: int,
         form: VersionForm, change: Callable[[Expected], Any], tried: str,
         actor: str | None = None) -> Response:
    """Run one change and answer with the workspace: updated, or showing what went wrong.

    ``tried`` says in words what the person did, for the screen reader's announcement
    and, if it is refused, for the conflict box. A refused change to ``actor``'s details
    shows that actor's form open (the script's page keeps it open by itself).
    """
    version = form.version
    extra: dict[str, Any] = {}
    status = 200
    try:
        change(Expected(version))
        extra["said"] = tried
    except StaleVersion as exc:
        status = 409
        newer = session.scalars(select(m.Event).where(
            m.Event.case_id == case_id, m.Event.version > version).order_by(m.Event.version))
        extra["conflict"] = {
            "events": list(newer),
            "tried": tried,
            "replay": {**_sent(form), "version": str(exc.extra["current_version"])},
            "action": request.url.path,
        }
        extra["said"] = _not_saved(i18n.gettext("forløbet er ændret af en anden"))
    except DocumentInvalid as exc:
        status = 422
        extra["problems"] = i18n.say_problems(exc.problems)
        extra["said"] = _not_saved(extra["problems"][0].message)
    except ServiceError as exc:
        if exc.status in (401, 403):
            raise
        # A part someone else removed meanwhile is a conflict for the page, not a 404.
        status = 409 if exc.status == 404 else exc.status
        extra["problems"] = [Problem("", exc.code, i18n.say(exc))]
        extra["said"] = _not_saved(i18n.say(exc))
    session.expire_all()
    if not _is_htmx(request) and status == 200:
        return RedirectResponse(path_for(request, "page.show_case", case_id=case_id),
                                status_code=303)
    case, doc = cases.read_document(session, login.principal, case_id, "read_live",
                                    audited=read_audited(request))
    opened = _open_forms(request) | ({f"actor:{actor}"} if actor and status != 200 else set())
    context = _context(session, settings, case, doc, open_forms=opened, **extra)
    if _is_htmx(request):
        return fragment(request, "cases/show.html", "workspace", context, status_code=status,
                        login=login)
    return page(request, "cases/show.html", context, status_code=status, login=login)


def _apply(request: Request, session: Session, settings: Settings, login: Any, case_id: int,
           form: VersionForm, edit: Edit, tried: str, actor: str | None = None) -> Response:
    return _act(request, session, settings, login, case_id, form,
                lambda expected: cases.apply_edit(session, login.principal, case_id,
                                                  expected, edit), tried, actor)


def _label(session: Session, case_id: int, key: str) -> str:
    """What the page calls an actor in its messages: its label (from the case's rows)."""
    if not SAFE_KEY.fullmatch(key):  # from the address: never hand the database a NUL byte
        return key
    label = session.scalar(select(m.Actor.label).where(m.Actor.case_id == case_id,
                                                       m.Actor.key == key))
    return label or key


@router.post("/cases/{case_id}/actors", name="page.add_actor")
async def add_actor(request: Request, session: SessionDep, settings: SettingsDep,
                    login: CsrfLoginDep, case_id: CaseId,
                    form: Annotated[ActorForm, Form()]) -> Response:
    """Add an actor from the quick-add form; its key is made from its label."""
    actor = {k: v for k, v in form.model_dump(exclude={"version"}).items()
             if v not in ("", None)}
    actor["label"] = form.label
    tried = i18n.gettext("Aktør tilføjet: %(label)s") % {"label": form.label}
    return await asyncio.to_thread(_apply, request, session, settings, login, case_id, form,
                                   edits.add_actor(actor), tried)


@router.post("/cases/{case_id}/actors/{key}", name="page.change_actor")
async def change_actor(request: Request, session: SessionDep, settings: SettingsDep,
                       login: CsrfLoginDep, case_id: CaseId, key: str,
                       form: Annotated[ActorChangeForm, Form()]) -> Response:
    """Save the details form of one actor; an emptied field is cleared."""
    shown = set(form.shows.split()) & set(ACTOR_FIELDS) or set(ACTOR_FIELDS)
    fields = {name: (value if value != "" else None)
              for name, value in form.model_dump(include=shown).items()}
    label = form.label or _label(session, case_id, key)
    tried = i18n.gettext("Aktør ændret: %(label)s") % {"label": label}
    return await asyncio.to_thread(_apply, request, session, settings, login, case_id, form,
                                   edits.change_actor(key, fields), tried, key)


@router.post("/cases/{case_id}/actors/{key}/move", name="page.move_actor")
async def move_actor(request: Request, session: SessionDep, settings: SettingsDep,
                     login: CsrfLoginDep, case_id: CaseId, key: str,
                     form: Annotated[MoveForm, Form()]) -> Response:
    """Move an actor to another panel or ring (dragged, or moved by keyboard, in the envelope)."""
    tried = i18n.gettext("Aktør flyttet: %(label)s") % {"label": _label(session, case_id, key)}
    return await asyncio.to_thread(_apply, request, session, settings, login, case_id, form,
                                   edits.move_actor(key, form.panel, form.ring), tried)


@router.post("/cases/{case_id}/actors/{key}/delete", name="page.remove_actor")
async def remove_actor(request: Request, session: SessionDep, settings: SettingsDep,
                       login: CsrfLoginDep, case_id: CaseId, key: str,
                       form: Annotated[VersionForm, Form()]) -> Response:
    """Remove an actor with its couplings."""
    tried = i18n.gettext("Aktør fjernet: %(label)s") % {"label": _label(session, case_id, key)}
    return await asyncio.to_thread(_apply, request, session, settings, login, case_id, form,
                                   edits.remove_actor(key), tried)


@router.post("/cases/{case_id}/couplings", name="page.couple_actors")
async def couple_actors(request: Request, session: SessionDep, settings: SettingsDep,
                        login: CsrfLoginDep, case_id: CaseId,
                        form: Annotated[CoupleForm, Form()]) -> Response:
    """Couple two actors chosen in the form (or by clicking them in the envelope)."""
    coupling = {"source": form.source, "target": form.target, "state": form.state,
                "topic": form.topic or None}
    tried = i18n.gettext("Kobling tilføjet: %(a)s – %(b)s") % {
        "a": _label(session, case_id, form.source), "b": _label(session, case_id, form.target)}
    return await asyncio.to_thread(_apply, request, session, settings, login, case_id, form,
                                   edits.couple(coupling), tried)


@router.post("/cases/{case_id}/couplings/{a}/{b}", name="page.change_coupling")
async def change_coupling(request: Request, session: SessionDep, settings: SettingsDep,
                          login: CsrfLoginDep, case_id: CaseId, a: str, b: str,
                          form: Annotated[CouplingChangeForm, Form()]) -> Response:
    """Change a coupling's state or topic."""
    fields = {name: (value or None)
              for name, value in form.model_dump(include=form.model_fields_set).items()
              if name != "version"}
    tried = i18n.gettext("Kobling ændret: %(a)s – %(b)s") % {
        "a": _label(session, case_id, a), "b": _label(session, case_id, b)}
    return await asyncio.to_thread(_apply, request, session, settings, login, case_id, form,
                                   edits.change_coupling(a, b, fields), tried)


@router.post("/cases/{case_id}/couplings/{a}/{b}/delete", name="page.uncouple_actors")
async def uncouple_actors(request: Request, session: SessionDep, settings: SettingsDep,
                          login: CsrfLoginDep, case_id: CaseId, a: str, b: str,
                          form: Annotated[VersionForm, Form()]) -> Response:
    """Remove a coupling with its agreements."""
    tried = i18n.gettext("Kobling fjernet: %(a)s – %(b)s") % {
        "a": _label(session, case_id, a), "b": _label(session, case_id, b)}
    return await asyncio.to_thread(_apply, request, session, settings, login, case_id, form,
                                   edits.uncouple(a, b), tried)


@router.post("/cases/{case_id}/agreements", name="page.add_agreement")
async def add_agreement(request: Request, session: SessionDep, settings: SettingsDep,
                        login: CsrfLoginDep, case_id: CaseId,
                        form: Annotated[AgreementForm, Form()]) -> Response:
    """Write down who does what by when, on a coupling."""
    a, _sep, b = form.coupling.partition("|")
    tried = i18n.gettext("Aftale tilføjet: %(what)s") % {"what": form.what}

    def change(expected: Expected) -> Any:
        agreement = {"who": form.who, "what": form.what, "due": parse_due(form.due)}
        return cases.apply_edit(session, login.principal, case_id, expected,
                                edits.add_agreement(a, b, agreement))

    return await asyncio.to_thread(_act, request, session, settings, login, case_id, form,
                                   change, tried)


@router.post("/cases/{case_id}/coordinator", name="page.name_coordinator")
async def name_coordinator(request: Request, session: SessionDep, settings: SettingsDep,
                           login: CsrfLoginDep, case_id: CaseId,
                           form: Annotated[CoordinatorForm, Form()]) -> Response:
    """Name the case's coordinator, or nobody."""
    key = form.coordinator or None
    who = _label(session, case_id, key) if key else i18n.gettext("ingen")
    tried = i18n.gettext("Koordinator: %(label)s") % {"label": who}
    return await asyncio.to_thread(_apply, request, session, settings, login, case_id, form,
                                   edits.set_coordinator(key), tried)


@router.post("/cases/{case_id}/undo", name="page.undo")
async def undo(request: Request, session: SessionDep, settings: SettingsDep,
               login: CsrfLoginDep, case_id: CaseId,
               form: Annotated[VersionForm, Form()]) -> Response:
    """Undo the last change: the network as it was one version ago, as a new change."""
    return await asyncio.to_thread(
        _act, request, session, settings, login, case_id, form,
        lambda e: cases.undo(session, login.principal, case_id, e),
        i18n.gettext("Seneste ændring fortrudt"))


@router.get("/cases/{case_id}/events", name="page.case_events")
async def case_events(request: Request, case_id: CaseId,
                      kuvert_session: Annotated[str | None, Cookie()] = None) -> Response:
    """Server-Sent Events: "changed" when the case changes, "viewers" when people come and
    go. Holds no database connection and no thread while it waits (app/streams.py)."""
    return await event_streams.case_stream(request, case_id, kuvert_session)
