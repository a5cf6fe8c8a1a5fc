"""Errors of the service layer, each with an HTTP status, a stable code and Danish words.

Routes never build error responses themselves: ``app.web.error_handlers`` turns these (and
the graph library's own errors) into JSON, in the request's language.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from app.graph.errors import N_, words

__all__ = ["N_", "Conflict", "Forbidden", "NotAuthenticated", "NotFound", "ServiceError",
           "StaleVersion", "TooLarge", "VersionRequired"]


class ServiceError(Exception):
    """A refusal with an HTTP ``status``, a stable ``code`` and a Danish text.

    ``message`` (the class's, or the one given) is a Danish template marked for the
    catalogue, with ``%(name)s`` placeholders filled from ``params``; after
    ``__init__`` it is the Danish sentence and :meth:`say` gives it in another
    language. ``extra`` goes into the JSON answer as it is.
    """

    status = 400
    code = "bad_request"
    message = N_("Forespørgslen kunne ikke behandles.")

    def __init__(self, message: str | None = None, *,
                 params: Mapping[str, object] | None = None, **extra: object) -> None:
        self.template = message or self.message
        self.params = dict(params or {})
        self.message = words(self.template, self.params)
        super().__init__(self.message)
        self.extra = extra

    def say(self, gettext: Callable[[str], str]) -> str:
        """The message in the language of ``gettext`` (the Danish one for Danish)."""
        return words(gettext(self.template), self.params)


class NotAuthenticated(ServiceError):
    status = 401
    code = "not_authenticated"
    message = N_("Du skal angive en gyldig adgangsnøgle (Authorization: Bearer …).")


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"
    message = N_("Du har ikke ret til at ændre i dette borgerforløb.")


class NotFound(ServiceError):
    """Also used for other teams' cases: their existence is not ours to reveal."""

    status = 404
    code = "not_found"
    message = N_("Borgerforløbet findes ikke, eller du har ikke adgang til det.")


class Conflict(ServiceError):
    status = 409
    code = "conflict"
    message = N_("Ændringen strider mod det, der allerede er gemt.")


class StaleVersion(ServiceError):
    """The change was made on an older version; 412 for If-Match, 409 for a body version."""

    code = "stale_version"
    message = N_(
        "Borgerforløbet er blevet ændret af en anden, siden du hentede det. "
        "Hent den nyeste udgave og prøv igen."
    )

    def __init__(self, current: int, expected: int, via_header: bool) -> None:
        super().__init__(None, current_version=current, your_version=expected)
        self.status = 412 if via_header else 409


class VersionRequired(ServiceError):
    status = 428
    code = "version_required"
    message = N_(
        "Angiv hvilken udgave ændringen bygger på: send headeren If-Match med sagens ETag "
        "eller feltet version i indholdet."
    )


class TooLarge(ServiceError):
    status = 413
    code = "too_large"
    message = N_("Indholdet er for stort.")
