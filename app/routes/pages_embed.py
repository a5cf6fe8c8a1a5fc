"""The embed: a case's envelope, read-only and live, for an iframe on another site.

One viewer session (a page load) is one audit entry: the page carries a signed
reference to it, which the envelope refreshes and the live stream name instead of
writing entries of their own; the stream adds the view's duration when it ends.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from markupsafe import Markup

from app import diagram, embeds, i18n
from app.config import Settings
from app.web import event_streams
from app.web.deps import SessionDep, SettingsDep
from app.web.pages import fragment, page

router = APIRouter(tags=["sider"], include_in_schema=False)

View = Annotated[str, Query(max_length=100, description="Visningens reference")]


def _context(settings: Settings, shown: embeds.Embedded, token: str,
             view: str) -> dict[str, object]:
    svg = diagram.envelope_svg(shown.doc, settings, on=shown.case.updated_at.date(),
                               lang=i18n.current.get())
    return {"token": token, "case": shown.case, "doc": shown.doc, "svg": Markup(svg),
            "link": shown.link, "view": view}


@router.get("/embed/{token}", name="page.show_embed")
def show_embed(request: Request, session: SessionDep, settings: SettingsDep,
               token: str) -> Response:
    """The live envelope behind an embed link."""
    shown = embeds.open_link(session, token, None, i18n.words_for(i18n.current.get()))
    entry = embeds.start_view(session, shown)
    view = embeds.view_token(settings, shown.link.id, entry.id)
    return page(request, "embed/show.html", _context(settings, shown, token, view))


@router.get("/embed/{token}/envelope", name="page.embed_envelope")
def embed_envelope(request: Request, session: SessionDep, settings: SettingsDep,
                   token: str, view: View = "") -> Response:
    """The envelope alone, fetched again when the case changes; part of the view it names
    (audited on its own when it names none)."""
    shown = embeds.open_link(session, token, None, i18n.words_for(i18n.current.get()))
    if not view or embeds.check_view(settings, shown.link.id, view) is None:
        shown = embeds.open_link(session, token, "embed_view_live",
                                 i18n.words_for(i18n.current.get()))
        view = ""
    return fragment(request, "embed/show.html", "envelope",
                    _context(settings, shown, token, view))


@router.get("/embed/{token}/events", name="page.embed_events")
async def embed_events(request: Request, token: str, view: View = "") -> Response:
    """Server-Sent Events for the embed; the stream ends when the link is revoked or
    expires. Holds no database connection and no thread while it waits."""
    return await event_streams.embed_stream(request, token, view)
