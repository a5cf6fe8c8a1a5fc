"""Liveness for load balancers: answers without login, says nothing about cases."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from app.db import Database
from app.reads import in_thread

router = APIRouter(tags=["drift"])


def _ping(db: Database) -> bool:
    try:
        with db.lone_statements.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:  # any database failure means "not healthy", nothing more to say
        return False
    return True


@router.get("/healthz")
async def health(request: Request) -> JSONResponse:
    """Ok when the app runs and its database answers."""
    # One trip to a worker thread (the database call) and no session or dependencies:
    # py-spy showed /healthz spending more on the thread trips of sync dependencies
    # (get_database, get_session's enter and exit, the route) than on the query.
    if await in_thread(_ping, request.app.state.db):
        return JSONResponse({"status": "ok", "database": "ok"})
    return JSONResponse({"status": "error", "database": "unavailable"}, status_code=503)
