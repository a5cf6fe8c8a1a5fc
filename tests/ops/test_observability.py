"""Request ids on every answer and in every log line; JSON logs a collector can read."""

from __future__ import annotations

import json
import logging
import logging.config
import sys

import pytest
from fastapi.testclient import TestClient

from app.observability import JsonFormatter, TextFormatter, log_config, request_id


def test_request_id_from_proxy_is_kept(client: TestClient) -> None:
    answer = client.get("/healthz", headers={"X-Request-ID": "nginx-0a1b2c"})
    assert answer.headers["x-request-id"] == "nginx-0a1b2c"


def test_request_id_made_when_missing_or_not_sensible(client: TestClient) -> None:
    made = client.get("/healthz").headers["x-request-id"]
    assert len(made) == 32 and int(made, 16) >= 0
    for bad in ("<script>", "x" * 200, "a b"):
        answer = client.get("/healthz", headers={"X-Request-ID": bad})
        assert answer.headers["x-request-id"] != bad
        assert len(answer.headers["x-request-id"]) == 32


def test_request_id_on_error_answers(client: TestClient) -> None:
    answer = client.get("/api/v1/cases", headers={"X-Request-ID": "fejl-1"})
    assert answer.status_code == 401 and answer.headers["x-request-id"] == "fejl-1"


def test_access_line_carries_request_id(client: TestClient,
                                        caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="kuvert.access"):
        client.get("/healthz", headers={"X-Request-ID": "linje-7"})
    record = next(r for r in caplog.records if r.name == "kuvert.access")
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "GET /healthz 200"
    assert line["status"] == 200 and line["method"] == "GET" and line["path"] == "/healthz"
    assert line["level"] == "info" and "duration_ms" in line


def test_json_formatter_names_the_request_and_the_exception() -> None:
    token = request_id.set("abc-123")
    try:
        try:
            raise ValueError("øv")
        except ValueError:
            record = logging.getLogger("kuvert").makeRecord(
                "kuvert", logging.ERROR, __file__, 1, "noget gik galt: %s", ("æ",),
                exc_info=sys.exc_info())
        line = json.loads(JsonFormatter().format(record))
        text = TextFormatter("%(levelname)s %(message)s").format(record)
    finally:
        request_id.reset(token)
    assert line["request_id"] == "abc-123" and line["message"] == "noget gik galt: æ"
    assert "ValueError: øv" in line["exception"]
    assert text.startswith("ERROR noget gik galt: æ") and "[abc-123]" in text


def test_log_config_json_and_text() -> None:
    assert log_config("json")["formatters"]["default"]["()"].endswith("JsonFormatter")
    assert log_config("text")["formatters"]["default"]["()"].endswith("TextFormatter")
    logging.config.dictConfig(log_config("json"))  # accepted by the logging module
    logging.config.dictConfig({"version": 1, "disable_existing_loggers": False,
                               "root": {"level": "WARNING", "handlers": []}})
