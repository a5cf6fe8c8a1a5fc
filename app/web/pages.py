"""What page routes share: templates and their globals, the login behind the cookie, CSRF."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Cookie, Depends, Form, Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse, Response

from app import edits, i18n
from app import models as m
from app.cases import AuditedBy
from app.config import ROOT
from app.errors import N_, Forbidden
from app.graph.analyse import WARNING_CODES
from app.graph.words import KIND_NAMES, STATE_NAMES, TARGET_GROUP_NAMES
from app.security import same
from app.sessions import WebLogin, current_login
from app.web import template_gettext, template_globals
from app.web.deps import SessionDep, SettingsDep

SESSION_COOKIE = "kuvert_session"
LOGIN_CSRF_COOKIE = "kuvert_login_csrf"

templates = Jinja2Templates(directory=str(ROOT / "templates"))

template_gettext.install(templates.env)


PANEL_NAMES = {"afdelinger": N_("Afdelinger"), "organisationer": N_("Organisationer"),
               "civilsamfund": N_("Civilsamfund"), "netvaerk": N_("Netværk")}
templates.env.globals.update(state_names=STATE_NAMES, kind_names=KIND_NAMES,
                             target_group_names=TARGET_GROUP_NAMES, panel_names=PANEL_NAMES,
                             current_lang=i18n.current.get, warning_codes=WARNING_CODES,
                             language_names=i18n.LANGUAGE_NAMES)
template_globals.install(templates.env)


def summary(event: m.Event) -> str:
    """An event's summary in the request's language: ``{{ event|summary }}``."""
    return edits.summary_of(event, i18n.gettext)


templates.env.filters["summary"] = summary


def get_login(
    session: SessionDep, settings: SettingsDep,
    kuvert_session: Annotated[str | None, Cookie()] = None,
) -> WebLogin:
    return current_login(session, settings, kuvert_session)


LoginDep = Annotated[WebLogin, Depends(get_login)]


def check_csrf(login: LoginDep, csrf: Annotated[str, Form()] = "") -> WebLogin:
    """Every form that changes something carries the session's CSRF token."""
    if not csrf or not same(csrf, login.csrf):
        raise Forbidden(N_("Formularen er udløbet. Genindlæs siden og prøv igen."))
    return login


CsrfLoginDep = Annotated[WebLogin, Depends(check_csrf)]


def read_audited(request: Request) -> AuditedBy:
    """How a page's read of a case reaches the audit log: by the group-commit writer
    (app/read_audit.py), which returns once the row is committed."""
    audited: AuditedBy = request.app.state.read_audit.record_sync
    return audited


def page(request: Request, name: str, context: dict[str, Any], status_code: int = 200,
         login: WebLogin | None = None) -> Response:
    return templates.TemplateResponse(request, name, {
        "login": login, **context,
        **template_globals.bound(request, login, context.get("case"))},
        status_code=status_code)


def fragment(request: Request, name: str, block_name: str, context: dict[str, Any],
             status_code: int = 200, login: WebLogin | None = None) -> Response:
    """One named block of a page, for an htmx request (the page stays the single source)."""
    return HTMLResponse(block(request, name, block_name, context, login),
                        status_code=status_code)


def block(request: Request, name: str, block_name: str, context: dict[str, Any],
          login: WebLogin | None = None) -> str:
    """The HTML of one named block of a page."""
    template = templates.get_template(name)
    ctx = template.new_context({"request": request, "login": login, **context,
                                **template_globals.bound(request, login, context.get("case"))})
    return "".join(template.blocks[block_name](ctx))
