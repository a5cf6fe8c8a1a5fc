"""Errors of the service layer, each with an HTTP status, a stable code and Danish words.

Routes never build error responses themselves: ``app.handlers`` turns these (and
the graph library's own errors) into JSON.
"""

from __future__ import annotations


class ServiceError(Exception):
    status = 400
    code = "bad_request"
    message = "Forespørgslen kunne ikke behandles."

    def __init__(self, message: str | None = None, **extra: object) -> None:
        super().__init__(message or self.message)
        if message:
            self.message = message
        self.extra = extra


class NotAuthenticated(ServiceError):
    status = 401
    code = "not_authenticated"
    message = "Du skal angive en gyldig adgangsnøgle (Authorization: Bearer …)."


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"
    message = "Du har ikke ret til at ændre i dette borgerforløb."


class NotFound(ServiceError):
    """Also used for other teams' cases: their existence is not ours to reveal."""

    status = 404
    code = "not_found"
    message = "Borgerforløbet findes ikke, eller du har ikke adgang til det."


class Conflict(ServiceError):
    status = 409
    code = "conflict"
    message = "Ændringen strider mod det, der allerede er gemt."


class StaleVersion(ServiceError):
    """The change was made on an older version; 412 for If-Match, 409 for a body version."""

    code = "stale_version"
    message = (
        "Borgerforløbet er blevet ændret af en anden, siden du hentede det. "
        "Hent den nyeste udgave og prøv igen."
    )

    def __init__(self, current: int, expected: int, via_header: bool) -> None:
        super().__init__(None, current_version=current, your_version=expected)
        self.status = 412 if via_header else 409


class VersionRequired(ServiceError):
    status = 428
    code = "version_required"
    message = (
        "Angiv hvilken udgave ændringen bygger på: send headeren If-Match med sagens ETag "
        "eller feltet version i indholdet."
    )


class TooLarge(ServiceError):
    status = 413
    code = "too_large"
    message = "Indholdet er for stort."
