"""Request ids and logs a log collector can read.

Every request gets an id: the proxy's ``X-Request-ID`` when it sends a sensible one,
otherwise a new one. The response carries it back, every log line written while the
request runs carries it, and one access line per request says method, path, status and
duration. ``KUVERT_LOG_FORMAT=json`` writes each line as one JSON object.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["JsonFormatter", "RequestId", "log_config", "request_id"]

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
access = logging.getLogger("kuvert.access")
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


_FIELDS = ("method", "path", "status", "scheme", "duration_ms", "client")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, and extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id.get(),
        }
        entry.update({k: getattr(record, k) for k in _FIELDS if hasattr(record, k)})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        rid = request_id.get()
        return f"{line} [{rid}]" if rid else line


def log_config(fmt: str) -> dict[str, Any]:
    """The logging configuration ``kuvert serve`` hands uvicorn (applied in every worker)."""
    formatter: dict[str, Any] = (
        {"()": "app.observability.JsonFormatter"} if fmt == "json" else
        {"()": "app.observability.TextFormatter",
         "format": "%(asctime)s %(levelname)s %(name)s: %(message)s"})
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": formatter},
        "handlers": {"default": {"class": "logging.StreamHandler", "formatter": "default",
                                 "stream": "ext://sys.stderr"}},
        "root": {"handlers": ["default"], "level": "INFO"},
        "loggers": {
            "uvicorn": {"handlers": [], "level": "INFO", "propagate": True},
            "uvicorn.error": {"handlers": [], "level": "INFO", "propagate": True},
            # The access line comes from RequestId (it knows the request id).
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }
