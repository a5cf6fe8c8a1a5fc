"""The embed: a case's envelope, read-only and live, for an iframe on another site."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from markupsafe import Markup

from app import diagram, embeds, i18n, live
from app.deps import SessionDep, SettingsDep
from app.web import fragment, page

router = APIRouter(tags=["sider"], include_in_schema=False)


def _context(session: SessionDep, settings: SettingsDep, token: str,
             action: str) -> dict[str, object]:
    shown = embeds.open_link(session, token, action)
    svg = diagram.envelope_svg(shown.doc, settings, on=shown.case.updated_at.date(),
                               lang=i18n.current.get())
    return {"token": token, "case": shown.case, "doc": shown.doc, "svg": Markup(svg),
            "link": shown.link}


@router.get("/embed/{token}")
def show_embed(request: Request, session: SessionDep, settings: SettingsDep,
               token: str) -> Response:
    """The live envelope behind an embed link."""
    return page(request, "embed/show.html", _context(session, settings, token, "embed_view"))


@router.get("/embed/{token}/envelope")
def embed_envelope(request: Request, session: SessionDep, settings: SettingsDep,
                   token: str) -> Response:
    """The envelope alone, fetched again when the case changes."""
    return fragment(request, "embed/show.html", "envelope",
                    _context(session, settings, token, "embed_view_live"))


@router.get("/embed/{token}/events")
async def embed_events(request: Request, session: SessionDep, token: str) -> StreamingResponse:
    """Server-Sent Events for the embed; the stream ends when the link is revoked or expires."""
    shown = await asyncio.to_thread(embeds.open_link, session, token, "embed_watch")
    session.close()
    sub = live.hub.subscribe(shown.case.id, f"embed:{shown.link.id}")

    def still_valid() -> bool:
        try:
            embeds.open_link(session, token, "embed_watch_check")
        except Exception:  # gone, revoked or expired: the stream ends
            return False
        finally:
            session.close()
        return True

    async def stream() -> AsyncIterator[str]:
        try:
            yield "retry: 5000\n\n"
            while not await request.is_disconnected():
                try:
                    event, data = await asyncio.wait_for(sub.queue.get(), timeout=15)
                except TimeoutError:
                    if not await asyncio.to_thread(still_valid):
                        return
                    yield ": ping\n\n"
                    continue
                if event == "changed":
                    yield f"event: changed\ndata: {data}\n\n"
        finally:
            live.hub.unsubscribe(sub)

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store"})
