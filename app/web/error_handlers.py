"""One place that turns errors into responses.

The API gets JSON with a stable code and words in the request's language (Danish
unless ``Accept-Language`` or the language cookie asks for English),
``{"error": {"code", "message", "problems": [{"field", "code", "message"}]}}``;
pages get an HTML error page, or the login form when nobody is logged in. A database
that cannot be reached (a lost or refused connection) is 503 ``database_unavailable``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from app.errors import ServiceError
from app.graph.document import problems_from_errors
from app.graph.errors import N_, DocumentInvalid, GraphError, Problem
from app.i18n import gettext, ngettext, say, say_problems
from app.web.pages import page

_HTTP_WORDS = {
    400: ("bad_request", N_("Forespørgslen kunne ikke forstås.")),
    401: ("not_authenticated", N_("Du skal logge ind eller angive en adgangsnøgle.")),
    403: ("forbidden", N_("Du har ikke adgang til dette.")),
    404: ("not_found", N_("Siden eller ressourcen findes ikke.")),
    405: ("method_not_allowed", N_("Den metode kan ikke bruges her.")),
    406: ("not_acceptable", N_("Det ønskede format kan ikke leveres.")),
    413: ("too_large", N_("Indholdet er for stort.")),
    415: ("unsupported_media_type", N_("Indholdets format understøttes ikke.")),
}
_TITLES = {403: N_("Ingen adgang"), 404: N_("Findes ikke"), 409: N_("Konflikt"),
           412: N_("Ændret af en anden"), 422: N_("Ugyldigt indhold"),
           503: N_("Midlertidigt utilgængelig")}
_DATABASE_UNAVAILABLE = N_("Databasen svarer ikke lige nu. Prøv igen om lidt.")


def error_body(code: str, message: str, problems: list[Problem] | None = None,
               **extra: object) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message, **extra}
    if problems is not None:
        body["problems"] = [p.as_dict() for p in problems]
    return {"error": body}


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/healthz"


def _respond(request: Request, status: int, body: dict[str, Any],
             headers: dict[str, str] | None = None) -> Response:
    if _is_api(request):  # the words follow Accept-Language, so caches must too
        return JSONResponse(body, status_code=status,
                            headers={**(headers or {}), "Vary": "Accept-Language"})
    if status == 401:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?{urlencode({'next': target})}", status_code=303)
    title = gettext(_TITLES.get(status, N_("Der opstod en fejl")))
    return page(request, "error.html", {"title": title,
                                        "message": body["error"]["message"]},
                status_code=status)


def _invalid(request: Request, problems: list[Problem]) -> Response:
    problems = say_problems(problems)
    first = problems[0]
    message = gettext("Indholdet blev afvist. %(field)s: %(message)s") % {
        "field": first.field, "message": first.message}
    if len(problems) > 1:
        more = len(problems) - 1
        message += ngettext(" (og %(n)s problem mere)", " (og %(n)s problemer mere)",
                            more) % {"n": more}
    return _respond(request, 422, error_body("invalid_document", message, problems))


async def _on_validation(request: Request, exc: RequestValidationError) -> Response:
    problems: list[Problem] = []
    for error in exc.errors():
        where = error["loc"][0] if error["loc"] else "body"
        strip = 1 if where in ("body", "query", "path", "header") else 0
        problems.extend(problems_from_errors([error], strip=strip))
    return _invalid(request,
                    problems or [Problem("dokument", "invalid", N_("Ugyldigt indhold."))])


async def _on_document(request: Request, exc: DocumentInvalid) -> Response:
    return _invalid(request, exc.problems)


async def _on_graph(request: Request, exc: GraphError) -> Response:
    return _respond(request, 422, error_body(exc.code, say(exc)))


async def _on_service(request: Request, exc: ServiceError) -> Response:
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    return _respond(request, exc.status, error_body(exc.code, say(exc), None, **exc.extra),
                    headers)


async def _on_database(request: Request, exc: DBAPIError) -> Response:
    """A connection lost in use (SQLAlchemy has invalidated the pool: the next request
    gets a new one) or never made is 503; any other database error is a bug, left to
    the server's 500."""
    if not (exc.connection_invalidated or exc.statement is None):
        raise exc
    return _respond(request, 503, error_body("database_unavailable",
                                             gettext(_DATABASE_UNAVAILABLE)))


async def _on_http(request: Request, exc: HTTPException) -> Response:
    code, message = _HTTP_WORDS.get(exc.status_code, ("error", N_("Der opstod en fejl.")))
    return _respond(request, exc.status_code, error_body(code, gettext(message)),
                    getattr(exc, "headers", None))


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _on_validation)  # type: ignore[arg-type]
    app.add_exception_handler(DocumentInvalid, _on_document)  # type: ignore[arg-type]
    app.add_exception_handler(GraphError, _on_graph)  # type: ignore[arg-type]
    app.add_exception_handler(ServiceError, _on_service)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _on_http)  # type: ignore[arg-type]
    app.add_exception_handler(DBAPIError, _on_database)  # type: ignore[arg-type]
