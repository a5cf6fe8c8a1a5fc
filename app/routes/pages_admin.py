"""Admin pages: users, API tokens and the catalogue of the teams an admin administers.

Plain HTML forms: each post carries the CSRF token and redirects back (303). A form
that cannot be used is shown again with the reason (422, or 409 for a clash).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import AfterValidator
from sqlalchemy.orm import Session

from app import admin as service
from app import i18n
from app.errors import N_, ServiceError
from app.graph.text import check_text
from app.schemas import DB_INT_MAX
from app.sessions import WebLogin
from app.web.deps import RowId, SessionDep
from app.web.pages import CsrfLoginDep, LoginDep, page
from app.web.template_globals import path_for

router = APIRouter(prefix="/admin", tags=["sider"], include_in_schema=False)

ROLE_NAMES = {"reader": N_("læser"), "editor": N_("redaktør"),
              "coordinator": N_("koordinator"), "admin": N_("administrator")}
SCOPE_NAMES = {"read": N_("kun læse"), "write": N_("læse og skrive")}
KIND_NAMES = {"sector": N_("Sektorer"), "profession": N_("Faggrupper"),
              "organisation": N_("Organisationer"), "panel": N_("Placeringer i kuverten")}

Short = Annotated[str, Form(max_length=200), AfterValidator(check_text)]
"""A short text of a form, checked like every text (app.graph.text): 422 if refused."""
TeamId = Annotated[int, Form(ge=1, le=DB_INT_MAX)]


def require_admin(session: SessionDep, login: LoginDep) -> service.Admin:
    """The login's admin rights; 403 for anyone who is admin of no team."""
    return service.admin_of(session, login.principal, login.username, login.roles)


AdminDep = Annotated[service.Admin, Depends(require_admin)]


def _show(request: Request, login: WebLogin, name: str, context: dict[str, Any],
          error: str | None = None, status: int = 200) -> Response:
    response = page(request, f"admin/{name}.html",
                    {"role_names": ROLE_NAMES, "scope_names": SCOPE_NAMES,
                     "kind_names": KIND_NAMES, "error": error, **context},
                    status_code=status, login=login)
    response.headers["Cache-Control"] = "no-store"
    return response


def _attempt(session: Session, change: Callable[[], object], back: str,
             again: Callable[[str, int], Response]) -> Response:
    """Run one change; on success go back (303), if refused show the form with the reason."""
    try:
        change()
    except ServiceError as exc:
        session.rollback()
        if exc.status not in (409, 422):
            raise
        return again(i18n.say(exc), exc.status)
    return RedirectResponse(back, status_code=303)


# --- overview --------------------------------------------------------------------------


@router.get("", name="page.show_overview")
def show_overview(request: Request, session: SessionDep, login: LoginDep,
                  admin: AdminDep) -> Response:
    """The administered teams at a glance."""
    return _show(request, login, "overview", {"teams": service.overview(session, admin)})


# --- users -----------------------------------------------------------------------------


def _users_page(request: Request, session: Session, login: WebLogin, admin: service.Admin,
                error: str | None = None, status: int = 200,
                form: dict[str, Any] | None = None) -> Response:
    return _show(request, login, "users", {
        "users": service.users(session, admin), "teams": service.teams(session, admin),
        "roles": list(ROLE_NAMES), "form": form or {}, "me": login.username,
    }, error, status)


@router.get("/users", name="page.list_users")
def list_users(request: Request, session: SessionDep, login: LoginDep,
               admin: AdminDep) -> Response:
    """The users of the administered teams, with a form for a new one."""
    return _users_page(request, session, login, admin)


@router.post("/users", name="page.create_user")
def create_user(request: Request, session: SessionDep, login: CsrfLoginDep, admin: AdminDep,
                team_id: TeamId, username: Short = "",
                password: Annotated[str, Form(max_length=1000)] = "",
                role: Short = "editor") -> Response:
    """Create a user with an initial password and a role in one team."""
    kept = {"username": username, "team_id": team_id, "role": role}  # never the password
    return _attempt(
        session, lambda: service.create_user(session, admin, username, password, team_id, role),
        path_for(request, "page.list_users"),
        lambda error, status: _users_page(request, session, login, admin, error, status, kept))


@router.post("/users/{user_id}/role", name="page.change_role")
def change_role(request: Request, session: SessionDep, login: CsrfLoginDep, admin: AdminDep,
                user_id: RowId, team_id: TeamId, role: Short = "") -> Response:
    """Give a user another role in one team."""
    return _attempt(
        session, lambda: service.change_role(session, admin, user_id, team_id, role),
        path_for(request, "page.list_users"),
        lambda error, status: _users_page(request, session, login, admin, error, status))


@router.post("/users/{user_id}/deactivate", name="page.deactivate_user")
def deactivate_user(request: Request, session: SessionDep, login: CsrfLoginDep,
                    admin: AdminDep, user_id: RowId) -> Response:
    """Shut a user out; their open sessions end at once."""
    return _attempt(
        session, lambda: service.set_active(session, admin, user_id, False),
        path_for(request, "page.list_users"),
        lambda error, status: _users_page(request, session, login, admin, error, status))


@router.post("/users/{user_id}/reactivate", name="page.reactivate_user")
def reactivate_user(request: Request, session: SessionDep, login: CsrfLoginDep,
                    admin: AdminDep, user_id: RowId) -> Response:
    """Let a deactivated user log in again."""
    return _attempt(
        session, lambda: service.set_active(session, admin, user_id, True),
        path_for(request, "page.list_users"),
        lambda error, status: _users_page(request, session, login, admin, error, status))


@router.post("/users/{user_id}/unlock", name="page.unlock_user")
def unlock_user(request: Request, session: SessionDep, login: CsrfLoginDep, admin: AdminDep,
                user_id: RowId) -> Response:
    """Lift the lock that repeated failed logins put on an account."""
    return _attempt(
        session, lambda: service.unlock_user(session, admin, user_id),
        path_for(request, "page.list_users"),
        lambda error, status: _users_page(request, session, login, admin, error, status))


# --- API tokens ------------------------------------------------------------------------


def _tokens_page(request: Request, session: Session, login: WebLogin, admin: service.Admin,
                 error: str | None = None, status: int = 200,
                 form: dict[str, Any] | None = None) -> Response:
    return _show(request, login, "tokens", {
        "tokens": service.tokens(session, admin), "teams": service.teams(session, admin),
        "form": form or {},
    }, error, status)


@router.get("/tokens", name="page.list_tokens")
def list_tokens(request: Request, session: SessionDep, login: LoginDep,
                admin: AdminDep) -> Response:
    """The administered teams' API tokens, with a form for a new one."""
    return _tokens_page(request, session, login, admin)


@router.post("/tokens", name="page.create_token")
def create_token(request: Request, session: SessionDep, login: CsrfLoginDep, admin: AdminDep,
                 team_id: TeamId, name: Short = "", scope: Short = "read") -> Response:
    """Create a token and show its secret, this once only."""
    try:
        row, secret = service.create_token(session, admin, team_id, name, scope)
    except ServiceError as exc:
        session.rollback()
        if exc.status not in (409, 422):
            raise
        return _tokens_page(request, session, login, admin, i18n.say(exc), exc.status,
                            {"team_id": team_id, "name": name, "scope": scope})
    return _show(request, login, "token_created", {"token": row, "secret": secret})


@router.post("/tokens/{token_id}/revoke", name="page.revoke_token")
def revoke_token(request: Request, session: SessionDep, login: CsrfLoginDep, admin: AdminDep,
                 token_id: RowId) -> Response:
    """Withdraw a token; clients using it get 401 from now on."""
    return _attempt(
        session, lambda: service.revoke_token(session, admin, token_id),
        path_for(request, "page.list_tokens"),
        lambda error, status: _tokens_page(request, session, login, admin, error, status))


# --- catalogue -------------------------------------------------------------------------


def _catalogue_page(request: Request, session: Session, login: WebLogin,
                    error: str | None = None, status: int = 200,
                    form: dict[str, Any] | None = None) -> Response:
    return _show(request, login, "catalogue", {
        "catalogue": service.catalogue(session), "kinds": service.KINDS, "form": form or {},
    }, error, status)


@router.get("/catalogue", name="page.show_catalogue")
def show_catalogue(request: Request, session: SessionDep, login: LoginDep,
                   _admin: AdminDep) -> Response:
    """The names to pick from when adding actors, per kind."""
    return _catalogue_page(request, session, login)


@router.post("/catalogue", name="page.add_catalogue_entry")
def add_catalogue_entry(request: Request, session: SessionDep, login: CsrfLoginDep,
                        admin: AdminDep, kind: Short = "", name: Short = "",
                        note: Short = "") -> Response:
    """Add a name to the catalogue."""
    return _attempt(
        session, lambda: service.add_catalogue_entry(session, admin, kind, name, note),
        path_for(request, "page.show_catalogue"),
        lambda error, status: _catalogue_page(request, session, login, error, status,
                                              {"kind": kind, "name": name, "note": note}))


@router.post("/catalogue/{entry_id}/delete", name="page.remove_catalogue_entry")
def remove_catalogue_entry(request: Request, session: SessionDep, login: CsrfLoginDep,
                           admin: AdminDep, entry_id: RowId) -> Response:
    """Take a name out of the catalogue."""
    return _attempt(
        session, lambda: service.remove_catalogue_entry(session, admin, entry_id),
        path_for(request, "page.show_catalogue"),
        lambda error, status: _catalogue_page(request, session, login, error, status))


# --- audit log -------------------------------------------------------------------------


def _audit_query(case_id: str | None, principal: str | None, action: str | None,
                 since: str | None, until: str | None) -> service.AuditQuery:
    try:
        number = int(case_id) if case_id else None
        if number is not None and not 1 <= number <= DB_INT_MAX:
            raise ValueError(case_id)  # a larger number names no case (and overflows the query)
        return service.AuditQuery(
            case_id=number, principal=principal or None,
            action=action or None, since=date.fromisoformat(since) if since else None,
            until=date.fromisoformat(until) if until else None)
    except ValueError:
        raise service.Invalid("Forløbsnummer skal være et tal og datoer ÅÅÅÅ-MM-DD.") from None


AuditTerm = Annotated[str | None, Query(max_length=200), AfterValidator(check_text)]


@router.get("/audit", name="page.show_audit")
def show_audit(request: Request, session: SessionDep, login: LoginDep, admin: AdminDep,
               case_id: AuditTerm = None, principal: AuditTerm = None, action: AuditTerm = None,
               since: AuditTerm = None, until: AuditTerm = None) -> Response:
    """Search the audit log of the administered teams."""
    query = _audit_query(case_id, principal, action, since, until)
    rows = service.audit_log(session, admin, query)
    return _show(request, login, "audit", {"rows": rows, "query": query,
                                           "raw": request.query_params})


@router.get("/audit.csv", name="page.export_audit")
def export_audit(session: SessionDep, admin: AdminDep, case_id: AuditTerm = None,
                 principal: AuditTerm = None, action: AuditTerm = None,
                 since: AuditTerm = None, until: AuditTerm = None) -> Response:
    """The same search as CSV, for the data-protection officer."""
    query = _audit_query(case_id, principal, action, since, until)
    rows = service.audit_log(session, admin, query, limit=100_000)
    return Response(service.audit_csv(rows), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="kuvert-audit.csv"',
                             "Cache-Control": "no-store"})
