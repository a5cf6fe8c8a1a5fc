"""One place that turns errors into responses: JSON with a stable code and Danish words.

Shape: ``{"error": {"code", "message", "problems": [{"field", "code", "message"}]}}``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from app.errors import ServiceError
from app.graph.document import problems_from_errors
from app.graph.errors import DocumentInvalid, GraphError, Problem

_HTTP_WORDS = {
    400: ("bad_request", "Forespørgslen kunne ikke forstås."),
    401: ("not_authenticated", "Du skal logge ind eller angive en adgangsnøgle."),
    403: ("forbidden", "Du har ikke adgang til dette."),
    404: ("not_found", "Siden eller ressourcen findes ikke."),
    405: ("method_not_allowed", "Den metode kan ikke bruges her."),
    406: ("not_acceptable", "Det ønskede format kan ikke leveres."),
    413: ("too_large", "Indholdet er for stort."),
    415: ("unsupported_media_type", "Indholdets format understøttes ikke."),
}


def error_body(code: str, message: str, problems: list[Problem] | None = None,
               **extra: object) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message, **extra}
    if problems is not None:
        body["problems"] = [p.as_dict() for p in problems]
    return {"error": body}


def _invalid(problems: list[Problem]) -> JSONResponse:
    first = problems[0]
    message = f"Indholdet blev afvist. {first.field}: {first.message}"
    if len(problems) > 1:
        message += f" (og {len(problems) - 1} problem(er) mere)"
    return JSONResponse(error_body("invalid_document", message, problems), status_code=422)


async def _on_validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
    problems: list[Problem] = []
    for error in exc.errors():
        where = error["loc"][0] if error["loc"] else "body"
        strip = 1 if where in ("body", "query", "path", "header") else 0
        problems.extend(problems_from_errors([error], strip=strip))
    return _invalid(problems or [Problem("dokument", "invalid", "Ugyldigt indhold.")])


async def _on_document(_request: Request, exc: DocumentInvalid) -> JSONResponse:
    return _invalid(exc.problems)


async def _on_graph(_request: Request, exc: GraphError) -> JSONResponse:
    return JSONResponse(error_body(exc.code, exc.message), status_code=422)


async def _on_service(_request: Request, exc: ServiceError) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    return JSONResponse(error_body(exc.code, exc.message, None, **exc.extra),
                        status_code=exc.status, headers=headers)


async def _on_http(_request: Request, exc: HTTPException) -> JSONResponse:
    code, message = _HTTP_WORDS.get(exc.status_code, ("error", "Der opstod en fejl."))
    return JSONResponse(error_body(code, message), status_code=exc.status_code,
                        headers=getattr(exc, "headers", None))


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _on_validation)  # type: ignore[arg-type]
    app.add_exception_handler(DocumentInvalid, _on_document)  # type: ignore[arg-type]
    app.add_exception_handler(GraphError, _on_graph)  # type: ignore[arg-type]
    app.add_exception_handler(ServiceError, _on_service)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _on_http)  # type: ignore[arg-type]
