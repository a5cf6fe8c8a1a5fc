"""The app: wiring only."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app import retention, streams
from app.config import ROOT, Settings, get_settings
from app.db import Database
from app.live import PostgresListener
from app.read_audit import ReadAudit
from app.routes import (
    api_cases,
    api_docs,
    api_embeds,
    api_history,
    api_network,
    api_render,
    api_stateless,
    health,
    pages_about,
    pages_admin,
    pages_auth,
    pages_case,
    pages_cases,
    pages_embed,
    pages_history,
    pages_sso,
    testing,
    vendor,
)
from app.web import error_handlers
from app.web.body_limit import BodyLimit
from app.web.headers import SecurityHeaders
from app.web.language import Language
from app.web.pages import templates
from app.web.request_id import RequestId

log = logging.getLogger(__name__)

DESCRIPTION = """
Den digitale Kuvertmodel: aktørerne omkring en borger, hvem der skal koble sig på
hvem, og sagens kompleksitet (prototype 1/2/3).

Alle `/api/v1`-kald kræver `Authorization: Bearer <token>` (`kuvert token create`).
Læsninger giver sagens version som `ETag` (for `envelope.svg` efterfulgt af et punktum og
et fingeraftryk af tegningens indstillinger, fx `"7.3f9a1c2b4d5e"`; send den som
`If-None-Match` for at få 304, så længe intet er ændret); enhver ændring skal sende den
tilbage som `If-Match` (eller `version` i indholdet). Fejl har formen
`{"error": {"code", "message", "problems": [{"field", "code", "message"}]}}`; teksterne er
på dansk, eller på engelsk med `Accept-Language: en` (koderne er de samme).
"""


async def _purge_audit_regularly(app: FastAPI) -> None:
    """Audit entries past their retention go without anyone having to remember it."""
    while True:
        def purge() -> None:
            with app.state.db.session() as session:
                retention.purge_audit(session, app.state.settings)

        try:
            await asyncio.to_thread(purge)
        except Exception:  # a busy or absent database: try again next round
            log.warning("audit retention: purge failed; retrying later", exc_info=True)
        await asyncio.sleep(6 * 3600)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    listener = None
    if app.state.db.engine.dialect.name == "postgresql":
        listener = PostgresListener(app.state.settings.database_url)
        listener.start()
    purger = asyncio.create_task(_purge_audit_regularly(app))
    if app.state.freeze_startup_heap:
        _freeze_startup_heap()
    yield
    purger.cancel()
    app.state.read_audit.close()  # every queued read's audit row is committed first
    if listener is not None:
        listener.close()


def _freeze_startup_heap() -> None:
    """Leave what lives as long as the process out of the garbage collector's full runs.

    Modules, the router, settings and the compiled templates (compiled here, not on the
    first page) are some 300,000 objects that never become garbage; every full
    collection walked them all, about 130 ms, roughly once in twenty case pages (py-spy
    and ``gc.callbacks``: 80-actor case page p95 190 ms, 43 ms frozen). ``gc.freeze``
    exists for this; only a server process does it (:func:`serve_app`), since a process
    that makes many apps, like the tests, would keep each one's cycles for good.
    """
    for name in templates.env.list_templates(extensions=["html"]):
        templates.get_template(name)
    gc.collect()
    gc.freeze()


def serve_app(settings: Settings | None = None) -> FastAPI:
    """The app as ``kuvert serve`` runs it: :func:`create_app`, and once it has started,
    the heap it built is frozen (:func:`_freeze_startup_heap`)."""
    app = create_app(settings)
    app.state.freeze_startup_heap = True
    return app


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    # FastAPI's own /docs and /redoc would load their scripts from a CDN; api_docs serves
    # them from node_modules instead. The schema is /openapi.json.
    app = FastAPI(title="Kuvert", version=api_docs.VERSION, description=DESCRIPTION,
                  docs_url=None, redoc_url=None, lifespan=_lifespan)
    app.state.settings = settings
    app.state.freeze_startup_heap = False
    app.state.db = Database(settings.database_url,
                            ping_idle_seconds=settings.database_ping_idle_seconds)
    app.state.streams = streams.Streams(app.state.db, settings)
    app.state.read_audit = ReadAudit(app.state.db.engine)
    error_handlers.install(app)
    for module in (health, api_render, api_cases, api_network, api_stateless, api_history,
                   api_embeds, pages_auth, pages_cases, pages_case, pages_history, pages_admin,
                   pages_embed, pages_about, vendor):
        app.include_router(module.router)
    pages_sso.install(app)
    if settings.test_hooks:  # never in production (Settings refuses it)
        app.include_router(testing.router)
    api_docs.install(app)
    app.mount("/static", StaticFiles(directory=ROOT / "app" / "static"), name="static")
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders, embed_frame_ancestors=settings.embed_frame_ancestors)
    if settings.cors_origins:  # browsers on these sites may read the JSON API, nothing more
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                           allow_methods=["GET"], allow_headers=["Authorization"],
                           expose_headers=["ETag"])
    app.add_middleware(Language)
    app.add_middleware(RequestId)  # the id is set before anything logs
    if settings.trusted_proxy_list:  # outermost: everything after sees the real client
        # X-Forwarded-For/-Proto from the configured proxies only; anyone else's are
        # ignored, so a client cannot choose the address the login throttle counts.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxy_list)
    return app
