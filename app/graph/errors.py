"""The Kuvertmodel's own errors: the library never speaks HTTP, callers map these."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DocumentInvalid", "GraphError", "Problem"]


class GraphError(Exception):
    """Base of every error the Kuvertmodel raises.

    ``code`` is stable and machine-readable; ``message`` is Danish, for a caseworker.
    """

    code = "graph_error"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a document, named by the field it is in."""

    field: str
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": self.message}


class DocumentInvalid(GraphError):
    """A graph document broke one or more rules; every broken rule is listed."""

    code = "invalid_document"

    def __init__(self, problems: list[Problem]) -> None:
        first = problems[0]
        more = f" (og {len(problems) - 1} mere)" if len(problems) > 1 else ""
        super().__init__(f"{first.field}: {first.message}{more}")
        self.problems = problems
