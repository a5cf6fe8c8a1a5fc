"""Logs a log collector can read, each line with its request's id.

The request id is set by the web layer's middleware (``app/web/request_id.py``: the
proxy's ``X-Request-ID`` when it sends a sensible one, otherwise a new one), which also
writes one access line per request (method, path, status, duration) to
:data:`access`. Here are the context variable that carries the id and the formats
``kuvert serve`` configures; ``KUVERT_LOG_FORMAT=json`` writes each line as one JSON
object. No HTTP framework is needed for either, so the CLI can use them.
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

__all__ = ["JsonFormatter", "TextFormatter", "access", "log_config", "request_id"]

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
#: One line per request, written by ``app.web.request_id.RequestId``.
access = logging.getLogger("kuvert.access")


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
            # The access line comes from app.web.request_id (it knows the request id).
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }
