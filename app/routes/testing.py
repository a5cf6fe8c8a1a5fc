"""For the test suite only (``settings.test_hooks``, refused in production): what a
server process holds, so a test can see that closed streams leave nothing behind."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from app.web.event_streams import of

router = APIRouter(include_in_schema=False)


@router.get("/_test/live")
async def live_state(request: Request) -> JSONResponse:
    """Open streams and checked-out database connections of this process."""
    return JSONResponse(of(request).census())
