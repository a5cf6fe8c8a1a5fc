"""For integrators: /docs (Swagger UI) and /redoc, served from the npm packages the
lockfile pins (never a CDN), and examples from app/openapi_examples.json on every operation.

Both pages keep the strict Content-Security-Policy: their start-up code is a file, not an
inline script. ReDoc injects ``<style>`` elements; /redoc alone allows those, never by
``'unsafe-inline'``: styled-components' by a nonce made for each answer, and the one
stylesheet its bundle inserts before it can be given the nonce (perfect-scrollbar's) by
its hash. ReDoc's search would run in a worker made from a ``blob:`` URL, which the policy
refuses: search is off (the sidebar lists every operation). ReDoc's sidebar also tries to
show its maker's logo from cdn.redoc.ly; the policy blocks that request and ReDoc then
leaves the image out. tests/ops/test_api_docs.py renders both pages in Chromium and fails
on any other violation (say, after an upgrade of the pinned packages).
"""

from __future__ import annotations

import json
import secrets
from functools import cache
from html import escape
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, HTMLResponse

from app.config import ROOT
from app.errors import N_, NotFound
from app.web.headers import CSP

__all__ = ["VERSION", "add_examples", "install"]

router = APIRouter(include_in_schema=False)

try:
    VERSION = version("kuvert")
except PackageNotFoundError:  # run from a checkout that was never installed
    VERSION = "0.0.0"

NODE = ROOT / "node_modules"
OWN = ROOT / "app" / "static" / "apidocs"
FILES = {
    "swagger-ui.css": (NODE / "swagger-ui-dist" / "swagger-ui.css", "text/css"),
    "swagger-ui-bundle.js": (NODE / "swagger-ui-dist" / "swagger-ui-bundle.js",
                             "text/javascript"),
    "redoc.standalone.js": (NODE / "redoc" / "bundles" / "redoc.standalone.js",
                            "text/javascript"),
    "swagger-init.js": (OWN / "swagger-init.js", "text/javascript"),
    "redoc-init.js": (OWN / "redoc-init.js", "text/javascript"),
    "apidocs.css": (OWN / "apidocs.css", "text/css"),
}
EXAMPLES = ROOT / "app" / "openapi_examples.json"
# The <style> elements redoc 2.5.4's bundle inserts itself (perfect-scrollbar's CSS, and
# the empty element it starts as), by hash; Chromium names them in its CSP report.
REDOC_STYLE_HASHES = ("'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
                      "'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='")

PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Kuvert API {version} – {tool}</title>
  <link rel="icon" href="data:,">
  {styles}
</head>
<body>
  <div id="{element}" data-url="/openapi.json"{extra}></div>
  <script src="/static/apidocs/{bundle}"></script>
  <script src="/static/apidocs/{init}"></script>
</body>
</html>
"""


@router.get("/static/apidocs/{name}")
def api_docs_file(name: str) -> FileResponse:
    """The Swagger UI and ReDoc files, from node_modules."""
    path, media_type = FILES.get(name, (None, ""))
    if path is None or not path.exists():
        raise NotFound(N_("Filen findes ikke (er `npm ci` kørt? `make run` gør det)."))
    return FileResponse(path, media_type=media_type,
                        headers={"Cache-Control": "public, max-age=86400"})


@router.get("/docs")
def swagger_ui() -> HTMLResponse:
    """Swagger UI on the OpenAPI document."""
    styles = ('<link rel="stylesheet" href="/static/apidocs/swagger-ui.css">\n  '
              '<link rel="stylesheet" href="/static/apidocs/apidocs.css">')
    return HTMLResponse(PAGE.format(version=escape(VERSION), tool="Swagger UI", styles=styles,
                                    element="swagger-ui", extra="",
                                    bundle="swagger-ui-bundle.js", init="swagger-init.js"))


@router.get("/redoc")
def redoc() -> HTMLResponse:
    """ReDoc on the OpenAPI document; its injected styles carry this answer's nonce."""
    nonce = secrets.token_urlsafe(16)
    html = PAGE.format(version=escape(VERSION), tool="ReDoc",
                       styles='<link rel="stylesheet" href="/static/apidocs/apidocs.css">',
                       element="redoc", extra=f' data-nonce="{nonce}"',
                       bundle="redoc.standalone.js", init="redoc-init.js")
    csp = CSP.replace("style-src 'self'", " ".join(
        ["style-src 'self'", f"'nonce-{nonce}'", *REDOC_STYLE_HASHES]))
    return HTMLResponse(html, headers={"Content-Security-Policy": csp,
                                       "Cache-Control": "no-store"})


@cache
def _examples() -> dict[str, dict[str, Any]]:
    loaded: dict[str, dict[str, Any]] = json.loads(EXAMPLES.read_text(encoding="utf-8"))
    return loaded


def add_examples(schema: dict[str, Any], examples: dict[str, dict[str, Any]]) -> None:
    """Put each operation's recorded request and answer into the OpenAPI document."""
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            example = examples.get(f"{method.upper()} {path}")
            if example is None:
                continue
            values = {k.lower(): v for k, v in example.get("parameters", {}).items()}
            for parameter in operation.get("parameters", []):
                if parameter["name"].lower() in values:
                    parameter["example"] = values[parameter["name"].lower()]
            body = operation.get("requestBody", {}).get("content", {})
            if "request" in example and "application/json" in body:
                body["application/json"]["example"] = example["request"]
            answer = operation.get("responses", {}).get(str(example["status"]), {})
            content = answer.get("content", {})
            if "response" in example:
                kind = ("application/json" if not isinstance(example["response"], str)
                        else next((k for k in content if "svg" in k), None))
                if kind in content:
                    content[kind]["example"] = example["response"]


def install(app: FastAPI) -> None:
    """The pages, and examples in the document FastAPI generates (made once, then kept)."""
    app.include_router(router)
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            add_examples(generate(), _examples())
        assert app.openapi_schema is not None
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
