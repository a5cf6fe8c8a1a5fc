"""Log in with the municipality's identity provider: OpenID Connect and SAML 2.0."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.middleware.sessions import SessionMiddleware

from app import i18n
from app.config import Settings
from app.db import Database
from app.errors import N_, NotFound
from app.routes.pages_auth import _safe_next, show_login
from app.sso import oidc, people
from app.sso.errors import InvalidLogout, SignOnRefused, SignOnUnavailable
from app.sso.mapping import identify
from app.sso.saml import SamlSignOn
from app.web.deps import SessionDep, SettingsDep
from app.web.pages import SESSION_COOKIE, page
from app.web.template_globals import path_for

router = APIRouter(tags=["sider"], include_in_schema=False)

SSO_COOKIE = "kuvert_sso"  # signed, short-lived: state, nonce, PKCE verifier, where to go


def install(app: FastAPI) -> None:
    """The sign-on routes and the signed cookie that carries a login across the provider."""
    settings: Settings = app.state.settings
    app.include_router(router)
    app.add_middleware(SessionMiddleware, secret_key=settings.secret_key or secrets.token_hex(32),
                       session_cookie=SSO_COOKIE, max_age=3600, same_site="lax",
                       https_only=settings.cookie_secure)


def external(request: Request, settings: Settings, path: str) -> str:
    """An absolute address of ours, from KUVERT_BASE_URL when set (behind a proxy)."""
    if settings.base_url:
        return settings.base_url.rstrip("/") + path
    return str(request.base_url).rstrip("/") + path


class SignOnOff(NotFound):
    """A sign-on method this server is not set up for does not exist here (404)."""

    code = "sign_on_off"
    message = N_("Login via kommunen er ikke slået til her. Log ind med brugernavn og "
                 "adgangskode.")


def _oidc_on(settings: SettingsDep) -> None:
    if not settings.oidc_enabled:
        raise SignOnOff()


def _saml_on(settings: SettingsDep) -> None:
    if not settings.saml_enabled:
        raise SignOnOff()


OidcOn = [Depends(_oidc_on)]
SamlOn = [Depends(_saml_on)]


def _refused(request: Request, settings: Settings, error: SignOnRefused) -> Response:
    response = show_login(request, settings, "/cases", i18n.say(error))
    response.status_code = error.status
    return response


def _logged_in(settings: Settings, token: str, target: str) -> Response:
    response = RedirectResponse(_safe_next(target), status_code=303)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax",
                        secure=settings.cookie_secure)
    return response


def _sign_on(request: Request, claims: dict[str, Any], *, method: str, issuer: str,
             subject: str) -> str:
    """Map and sign on in one transaction; a refusal is audited before it is raised."""
    settings: Settings = request.app.state.settings
    db: Database = request.app.state.db
    with db.session() as session:
        try:
            identity = identify(claims, method=method, issuer=issuer, subject=subject,
                                settings=settings)
        except SignOnRefused as error:
            people.refuse(session, error, method=method, subject=subject,
                          why=str(error.extra.get("why", "")))
            raise
        return people.sign_on(session, identity)


def _audit_refusal(request: Request, error: SignOnRefused, method: str) -> None:
    db: Database = request.app.state.db
    with db.session() as session:
        people.refuse(session, error, method=method, why=str(error.extra.get("why", "")))


# --- OpenID Connect ------------------------------------------------------------------------


@router.get("/login/oidc", dependencies=OidcOn, name="page.start_oidc")
async def start_oidc(request: Request, settings: SettingsDep, next: str | None = None) -> Response:
    """Off to the provider's login page."""
    request.session["next"] = _safe_next(next)
    try:
        response: Response = await oidc.start(
            request, external(request, settings, path_for(request, "page.finish_oidc")))
    except SignOnRefused as error:
        await run_in_threadpool(_audit_refusal, request, error, "oidc")
        return _refused(request, settings, error)
    return response


@router.get("/login/oidc/callback", dependencies=OidcOn, name="page.finish_oidc")
async def finish_oidc(request: Request, settings: SettingsDep) -> Response:
    """Back from the provider: check its answer, then who the person is in Kuvert."""
    target = str(request.session.pop("next", "/cases"))
    try:
        claims, id_token = await oidc.finish(request, settings)
    except SignOnRefused as error:
        await run_in_threadpool(_audit_refusal, request, error, "oidc")
        return _refused(request, settings, error)
    try:
        token = await run_in_threadpool(_sign_on, request, claims, method="oidc",
                                        issuer=settings.oidc_issuer, subject=str(claims["sub"]))
    except SignOnRefused as error:  # already audited, with the provider's subject
        return _refused(request, settings, error)
    request.session["signed_on"] = {"method": "oidc", "id_token": id_token}
    return _logged_in(settings, token, target)


@router.get("/logout/sso", name="page.leave_provider")
async def leave_provider(request: Request, settings: SettingsDep) -> Response:
    """After the local logout: end the login at the provider too, where it offers that."""
    signed_on = request.session.pop("signed_on", None) or {}
    after = external(request, settings, path_for(request, "page.show_login"))
    url = None
    if signed_on.get("method") == "oidc" and settings.oidc_enabled:
        url = await oidc.logout_url(request, str(signed_on.get("id_token", "")), after)
    elif signed_on.get("method") == "saml" and settings.saml_enabled:
        url = await run_in_threadpool(_saml_logout, request, settings, signed_on)
    if url is None:
        return RedirectResponse(path_for(request, "page.show_login"), status_code=303)
    # A page with a link, not a redirect: the logout form's navigation may not leave the
    # site (CSP form-action 'self'), and the user sees that Kuvert's part is done.
    return page(request, "auth/logged_out.html", {"provider_logout": url})


# --- SAML 2.0 ------------------------------------------------------------------------------


def _saml(request: Request, settings: Settings) -> SamlSignOn:
    """The one service provider of this app, made at first use (reads the IdP metadata)."""
    state = request.app.state
    if getattr(state, "saml", None) is None:
        try:
            state.saml = SamlSignOn(settings, external(request, settings, ""))
        except Exception as error:  # unreadable metadata: a file or an address
            raise SignOnUnavailable(why=f"{type(error).__name__}: {error}"[:200]) from error
    saml: SamlSignOn = state.saml
    return saml


@router.get("/saml/metadata", dependencies=SamlOn, name="page.saml_metadata")
def saml_metadata(request: Request, settings: SettingsDep) -> Response:
    """Kuvert's SP metadata, at a stable address for the IdP's administrator."""
    return Response(_saml(request, settings).metadata(), media_type="application/samlmetadata+xml")


@router.get("/saml/login", dependencies=SamlOn, name="page.start_saml")
def start_saml(request: Request, session: SessionDep, settings: SettingsDep,
               next: str | None = None) -> Response:
    """Off to the IdP with a new AuthnRequest."""
    try:
        location = _saml(request, settings).start(session, _safe_next(next))
    except SignOnRefused as error:
        people.refuse(session, error, method="saml", why=str(error.extra.get("why", "")))
        return _refused(request, settings, error)
    return RedirectResponse(location, status_code=303)


@router.post("/saml/acs", dependencies=SamlOn, name="page.finish_saml")
def finish_saml(request: Request, session: SessionDep, settings: SettingsDep,
                SAMLResponse: Annotated[str, Form(max_length=500_000)] = "") -> Response:
    """The IdP's answer, posted by the browser: verify it, then who the person is."""
    try:
        assertion = _saml(request, settings).finish(session, SAMLResponse)
    except SignOnRefused as error:
        session.rollback()
        people.refuse(session, error, method="saml", why=str(error.extra.get("why", "")))
        return _refused(request, settings, error)
    try:
        token = _sign_on(request, assertion.attributes, method="saml", issuer=assertion.issuer,
                         subject=assertion.subject)
    except SignOnRefused as error:  # already audited, with the IdP's subject
        return _refused(request, settings, error)
    request.session["signed_on"] = {
        "method": "saml", "issuer": assertion.issuer, "subject": assertion.subject,
        "name_id": assertion.name_id, "session_index": assertion.session_index}
    return _logged_in(settings, token, assertion.next)


def _saml_logout(request: Request, settings: Settings, signed_on: dict[str, Any]) -> str | None:
    """The IdP address with a LogoutRequest for this login, or None: logout is local only
    when the IdP has no single logout (or its metadata cannot be read now)."""
    db: Database = request.app.state.db
    try:
        saml = _saml(request, settings)
    except SignOnUnavailable:
        return None
    with db.session() as session:
        return saml.start_logout(
            session, str(signed_on.get("issuer", "")), str(signed_on.get("name_id", "")),
            str(signed_on.get("session_index", "")), str(signed_on.get("subject", "")))


Saml = Annotated[str | None, Query(max_length=100_000)]
SamlShort = Annotated[str | None, Query(max_length=2_000)]


@router.get("/saml/slo", dependencies=SamlOn, name="page.single_logout")
def single_logout(request: Request, session: SessionDep, settings: SettingsDep,
                  SAMLRequest: Saml = None, SAMLResponse: Saml = None,
                  RelayState: SamlShort = None, SigAlg: SamlShort = None,
                  Signature: SamlShort = None) -> Response:
    """Single logout: the IdP's LogoutRequest (it ends this person's Kuvert sessions) or its
    LogoutResponse to ours (the local session ended already, at our logout)."""
    saml = _saml(request, settings)
    try:
        if SAMLRequest:
            logout = saml.receive_logout(session, SAMLRequest, RelayState, SigAlg, Signature)
            known = people.ended_by_provider(session, method="saml", issuer=logout.issuer,
                                             subject=logout.subject)
            return RedirectResponse(saml.answer_logout(logout, known), status_code=303)
        if not SAMLResponse:
            raise InvalidLogout("other", why="neither SAMLRequest nor SAMLResponse")
        subject = saml.finish_logout(session, SAMLResponse, RelayState, SigAlg, Signature)
    except InvalidLogout as error:
        session.rollback()
        people.logout_refused(session, error, method="saml", why=error.why)
        return page(request, "auth/logged_out.html", {"error": i18n.say(error)},
                    status_code=error.status)
    people.provider_logged_out(session, method="saml", subject=subject)
    return page(request, "auth/logged_out.html", {"provider_done": True})
