"""For integrators: every API operation has examples that fit its schema; /docs and /redoc
come from node_modules under the strict CSP, and render in Chromium without a violation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from fastapi.testclient import TestClient

from app.routes.api_docs import REDOC_STYLE_HASHES, VERSION
from app.web.headers import CSP
from tests.helpers.server import KuvertServer

CHROMIUM = Path("/usr/bin/chromium")


def _operations(doc: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            yield f"{method.upper()} {path}", operation


def test_openapi_document_is_versioned(client: TestClient) -> None:
    info = client.get("/openapi.json").json()["info"]
    assert info["version"] == VERSION and re.fullmatch(r"\d+\.\d+\.\d+", VERSION)


def test_every_operation_has_an_example(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    missing = []
    for name, operation in _operations(doc):
        found = [p["name"] for p in operation.get("parameters", []) if "example" in p]
        body = operation.get("requestBody", {}).get("content", {})
        if "application/json" in body and "example" not in body["application/json"]:
            missing.append(f"{name}: request body")
        for status, answer in operation["responses"].items():
            content = answer.get("content", {})
            if status.startswith("2") and "application/json" in content \
                    and "example" not in content["application/json"]:
                missing.append(f"{name}: answer {status}")
        examples = found + [k for k, c in {**body, **{
            f"{s}:{k}": c for s, a in operation["responses"].items()
            for k, c in a.get("content", {}).items()}}.items() if "example" in c]
        if not examples:
            missing.append(f"{name}: no example at all")
    assert missing == [], "run: .venv/bin/python -m tests.ops.openapi_examples"


def test_examples_fit_their_schemas(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    checked = 0
    for name, operation in _operations(doc):
        bodies = [("request", c) for c in operation.get("requestBody", {}).get(
            "content", {}).values()]
        bodies += [(f"answer {s}", c) for s, a in operation["responses"].items()
                   for c in a.get("content", {}).values()]
        for where, content in bodies:
            if "example" not in content or "schema" not in content:
                continue
            schema = {"components": doc["components"], **content["schema"]}
            errors = list(jsonschema_rs.Draft202012Validator(schema).iter_errors(
                content["example"]))
            assert errors == [], f"{name} {where}: {errors[0].message}"
            checked += 1
    assert checked >= 40


def test_docs_pages_come_from_node_modules_under_strict_csp(client: TestClient) -> None:
    docs = client.get("/docs")
    assert docs.status_code == 200 and docs.headers["content-security-policy"] == CSP
    redoc = client.get("/redoc")
    nonce = re.search(r'data-nonce="([^"]+)"', redoc.text)
    assert nonce is not None
    # Only difference: ReDoc's injected <style> elements are let in by this answer's nonce.
    assert redoc.headers["content-security-policy"] == CSP.replace(
        "style-src 'self'", " ".join(["style-src 'self'", f"'nonce-{nonce.group(1)}'",
                                      *REDOC_STYLE_HASHES]))
    assert "unsafe-inline" not in redoc.headers["content-security-policy"]
    assert client.get("/redoc").headers["content-security-policy"] != \
        redoc.headers["content-security-policy"]  # a new nonce each time
    for page in (docs, redoc):
        assert "<script>" not in page.text and "//cdn" not in page.text
        for src in re.findall(r'(?:src|href)="(/[^"]+)"', page.text):
            answer = client.get(src)
            assert answer.status_code == 200, src
            assert len(answer.content) > 50
    assert client.get("/static/apidocs/nothing.js").status_code == 404


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from app.cli import migrate

    tmp = tmp_path_factory.mktemp("apidocs")
    url = f"sqlite:///{tmp / 'kuvert.db'}"
    migrate(url)
    with KuvertServer(url, log=tmp / "server.log",
                      settings={"KUVERT_ENVIRONMENT": "development"}) as running:
        yield running.base


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")
@pytest.mark.parametrize(("path", "shown"), [
    ("/docs", ".swagger-ui .opblock-summary-path"),
    ("/redoc", "[data-section-id^='operation/']"),
])
def test_docs_page_renders_without_csp_violation(server: str, path: str, shown: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM),
                                    args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            page.add_init_script(
                "document.addEventListener('securitypolicyviolation', e => "
                "(window.__violations = window.__violations || []).push("
                "[e.violatedDirective, e.blockedURI].join(' ')));")
            problems: list[str] = []
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.goto(server + path)
            page.wait_for_selector(shown, timeout=15_000)
            assert page.locator(shown).count() >= 20  # the operations are listed
            assert "Kuvert" in page.content()
            violations = page.evaluate("() => window.__violations || []")
            # ReDoc's maker's logo from its CDN: blocked, so no request leaves the browser.
            logo = "img-src https://cdn.redoc.ly/redoc/logo-mini.svg"
            assert [v for v in violations if v != logo] == []
            assert [m for m in problems if "Content Security Policy" in m
                    and "cdn.redoc.ly/redoc/logo-mini.svg" not in m] == [], problems
        finally:
            browser.close()
