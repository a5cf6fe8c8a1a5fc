"""The accessibility statement and the privacy page: public, linked from every footer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Cookie, Request
from fastapi.responses import Response

from app.errors import NotAuthenticated
from app.sessions import WebLogin, current_login
from app.web.deps import SessionDep, SettingsDep
from app.web.pages import page

router = APIRouter(tags=["sider"], include_in_schema=False)


def _maybe_login(session: SessionDep, settings: SettingsDep,
                 kuvert_session: str | None) -> WebLogin | None:
    """Who is logged in, if anyone: the pages are public, the header shows the login."""
    if not kuvert_session:
        return None
    try:
        return current_login(session, settings, kuvert_session)
    except NotAuthenticated:  # expired or unknown: shown as logged out, nothing more
        return None


@router.get("/tilgaengelighed", name="page.show_accessibility")
def show_accessibility(request: Request, session: SessionDep, settings: SettingsDep,
                       kuvert_session: Annotated[str | None, Cookie()] = None) -> Response:
    """What is done and tested for accessibility, and the municipality's statement."""
    return page(request, "about/accessibility.html",
                {"statement_url": settings.accessibility_statement_url},
                login=_maybe_login(session, settings, kuvert_session))


@router.get("/privatliv", name="page.show_privacy")
def show_privacy(request: Request, session: SessionDep, settings: SettingsDep,
                 kuvert_session: Annotated[str | None, Cookie()] = None) -> Response:
    """What Kuvert stores, for how long, what it logs, and the citizen's access report."""
    return page(request, "about/privacy.html",
                {"audit_days": settings.audit_retention_days,
                 "case_days": settings.closed_case_retention_days,
                 "idle_minutes": settings.session_idle_minutes},
                login=_maybe_login(session, settings, kuvert_session))
