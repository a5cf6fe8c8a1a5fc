"""The app's routes, flattened: what the access matrix and the request-bound tests walk."""

from __future__ import annotations

from fastapi import routing
from starlette.routing import Mount

from app.config import Settings
from app.main import create_app


def app_routes(settings: Settings) -> set[tuple[str, str]]:
    """(METHOD, path template) of every route of the app, the static mount as STATIC.

    FastAPI's own ``/openapi.json`` is left out (``test_openapi_is_public`` covers it).
    """
    app = create_app(settings)
    found: set[tuple[str, str]] = set()
    try:
        for context in routing.iter_route_contexts(app.routes):
            route = getattr(context, "original_route", context)
            path = str(getattr(context, "path", None) or getattr(route, "path", ""))
            if isinstance(route, Mount):
                found.add(("GET", path.rstrip("/") + "/{path}"))
                continue
            if path == app.openapi_url:
                continue
            methods = getattr(context, "methods", None) or getattr(route, "methods", None)
            assert methods, f"a route without methods: {route!r}"
            found |= {(str(method), path) for method in methods}
    finally:
        app.state.db.dispose()
    return found
