"""Live streams as HTTP answers: ``text/event-stream``, or 429 with ``Retry-After``.

The streams themselves (caps, database slots, access re-checks, the events' text) are
the service ``app/streams.py``; here the request gives the client's address and the
app's :class:`~app.streams.Streams`, and the events become a streaming response. A
refusal over a cap is answered here rather than by the error handlers because it also
tells the browser when to try again.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from app import i18n
from app.streams import Streams, TooManyStreams

__all__ = ["case_stream", "embed_stream", "of"]

# Not cached anywhere, and not held back by a buffering proxy (nginx).
_HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}


def of(request: Request) -> Streams:
    """The app's open streams (one :class:`~app.streams.Streams` per app, made in
    ``app.main``)."""
    found: Streams = request.app.state.streams
    return found


def _address(request: Request) -> str:
    return request.client.host if request.client else ""


def _refused(exc: TooManyStreams) -> Response:
    return JSONResponse({"error": {"code": exc.code, "message": i18n.say(exc)}},
                        status_code=429, headers={"Retry-After": "30"})


def _sent(events: AsyncIterator[str]) -> StreamingResponse:
    return StreamingResponse(events, media_type="text/event-stream", headers=_HEADERS)


async def case_stream(request: Request, case_id: int, cookie: str | None) -> Response:
    """The case page's stream for the login behind ``cookie`` (see
    :meth:`app.streams.Streams.open_case`)."""
    try:
        events = await of(request).open_case(_address(request), cookie, case_id)
    except TooManyStreams as exc:
        return _refused(exc)
    return _sent(events)


async def embed_stream(request: Request, token: str, view: str) -> Response:
    """An embed's stream for the link ``token`` and its viewer session ``view`` (see
    :meth:`app.streams.Streams.open_embed`)."""
    try:
        events = await of(request).open_embed(_address(request), token, view)
    except TooManyStreams as exc:
        return _refused(exc)
    return _sent(events)
