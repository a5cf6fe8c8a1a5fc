"""Every request gets an id, carried back in ``X-Request-ID``, and one access line.

The id is the proxy's ``X-Request-ID`` when it sends a sensible one, otherwise a new one.
It is kept in :data:`app.observability.request_id`, so every log line written while the
request runs carries it; the log formats themselves are in ``app/observability.py``
because the CLI configures logging without any request.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.observability import access, request_id

__all__ = ["RequestId"]

_SENSIBLE = re.compile(r"[A-Za-z0-9._:-]{1,128}")


class RequestId:
    """Pure ASGI middleware: the request id in a context variable and a response header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v for k, v in scope["headers"] if k == b"x-request-id"), b"")
        try:
            text = given.decode("ascii")
        except UnicodeDecodeError:
            text = ""
        rid = text if _SENSIBLE.fullmatch(text) else uuid.uuid4().hex
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500

        async def with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []),
                                      (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, with_id)
        finally:
            if access.isEnabledFor(logging.INFO):
                client = scope.get("client")
                access.info("%s %s %s", scope["method"], scope["path"], status, extra={
                    "method": scope["method"], "path": scope["path"], "status": status,
                    "scheme": scope.get("scheme"),
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "client": client[0] if client else None})
            request_id.reset(token)
