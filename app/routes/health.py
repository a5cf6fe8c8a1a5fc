"""Liveness for load balancers: answers without login, says nothing about cases."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from app.deps import SessionDep

router = APIRouter(tags=["drift"])


@router.get("/healthz")
def health(session: SessionDep) -> JSONResponse:
    """Ok when the app runs and its database answers."""
    try:
        session.execute(text("SELECT 1"))
    except Exception:  # any database failure means "not healthy", nothing more to say
        return JSONResponse({"status": "error", "database": "unavailable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})
