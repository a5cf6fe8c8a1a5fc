"""Log in and out in the browser."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Cookie, Form, Request
from fastapi.responses import RedirectResponse, Response

from app import i18n, sessions
from app.config import Settings
from app.errors import N_, ServiceError
from app.security import new_secret, same
from app.sso import people
from app.web.deps import SessionDep, SettingsDep
from app.web.pages import LOGIN_CSRF_COOKIE, SESSION_COOKIE, CsrfLoginDep, page
from app.web.template_globals import path_for

router = APIRouter(tags=["sider"], include_in_schema=False)

LOCAL_LOGIN_OFF = N_("Log ind med kommunens login; lokale adgangskoder er slået fra.")


def secure_cookies(request: Request, settings: Settings) -> bool:
    """Cookies go over HTTPS only when so configured, and whenever the request came over
    HTTPS (directly, or through a trusted proxy that says so in X-Forwarded-Proto)."""
    return settings.cookie_secure or request.url.scheme == "https"


def _safe_next(target: str | None) -> str:
    """Only paths on this site: a login must never bounce the user elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/cases"


@router.get("/login", name="page.show_login")
def show_login(request: Request, settings: SettingsDep, next: str | None = None,
               error: str | None = None) -> Response:
    """The login form."""
    token = new_secret()
    response = page(request, "auth/login.html", {"next": _safe_next(next), "csrf": token,
                                                 "error": error})
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict",
                        secure=secure_cookies(request, settings), path="/login")
    return response


@router.post("/login", name="page.log_in")
def log_in(
    request: Request, session: SessionDep, settings: SettingsDep,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/cases",
    kuvert_login_csrf: Annotated[str | None, Cookie()] = None,
) -> Response:
    """Check the password; on success go where the user was heading."""
    if not settings.local_login_enabled:  # KUVERT_LOCAL_LOGIN=false: sign-on only
        return _again(request, settings, next, i18n.gettext(LOCAL_LOGIN_OFF), 403)
    if not kuvert_login_csrf or not same(csrf, kuvert_login_csrf):
        return _again(request, settings, next,
                      i18n.gettext("Formularen er udløbet. Prøv igen."), 403)
    try:
        # The real client: behind a proxy in KUVERT_TRUSTED_PROXIES, the address it
        # forwarded (app/main.py); otherwise whoever connected.
        address = request.client.host if request.client else ""
        token = sessions.log_in(session, settings, username, password, address)
    except ServiceError as exc:
        return _again(request, settings, next, i18n.say(exc), exc.status)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax",
                        secure=secure_cookies(request, settings))
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


def _again(request: Request, settings: SettingsDep, next: str, error: str,
           status: int) -> Response:
    response = show_login(request, settings, next, error)
    response.status_code = status
    return response


@router.post("/logout", name="page.log_out")
def log_out(request: Request, session: SessionDep, _login: CsrfLoginDep,
            kuvert_session: Annotated[str | None, Cookie()] = None) -> Response:
    """End the session on the server, not only in the browser (and at the identity
    provider too, after a sign-on: /logout/sso)."""
    signed_on = request.scope.get("session", {}).get("signed_on")
    if signed_on:  # audited with the method; the provider's logout follows
        people.signed_out(session, kuvert_session, str(signed_on.get("method", "sso")))
    else:
        sessions.log_out(session, kuvert_session)
    response = RedirectResponse(
        path_for(request, "page.leave_provider" if signed_on else "page.show_login"),
        status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.post("/lang", name="page.choose_language")
def choose_language(request: Request, settings: SettingsDep,
                    lang: Annotated[str, Form(max_length=5)] = "da",
                    next: Annotated[str, Form(max_length=2000)] = "/cases") -> Response:
    """Switch between Danish and English; remembered in a cookie for a year."""
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(i18n.LANG_COOKIE, i18n.pick(lang), max_age=365 * 24 * 3600,
                        httponly=True, samesite="lax",
                        secure=secure_cookies(request, settings))
    return response
