"""API shapes around the graph document: case metadata, patches, pages, history."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from app.graph.document import (
    Actor,
    Agreement,
    Coupling,
    CouplingState,
    GraphDocument,
    IsoDate,
    LongText,
    OptionalText,
    Panel,
    TargetGroup,
    Text,
)

DB_INT_MAX = 2**31 - 1
"""Ids and versions are 32-bit integers in the database: a larger number names nothing."""

Version = Annotated[int | None, Field(default=None, ge=1, le=DB_INT_MAX, description=(
    "The case version this change builds on (instead of the If-Match header)."))]


def _as_utc(value: dt.datetime) -> dt.datetime:
    """SQLite hands back stored UTC times without their zone; say that they are UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


UtcDateTime = Annotated[dt.datetime, AfterValidator(_as_utc)]
"""A moment as the API shows it: always with its UTC offset (RFC 3339 ``date-time``)."""


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProblemPublic(BaseModel):
    """One thing wrong with what was sent, named by the field it is in."""

    field: str
    code: str
    message: str


class ErrorDetail(BaseModel):
    """A stable ``code``, Danish words, and for refused content the ``problems``."""

    model_config = ConfigDict(extra="allow")  # e.g. current_version for stale_version

    code: str
    message: str
    problems: list[ProblemPublic] | None = None


class ApiError(BaseModel):
    """Every error the API answers with (declared in the OpenAPI document)."""

    error: ErrorDetail


class Consent(BaseModel):
    """The citizen's consent to a joint plan across areas (LAB § 30 b)."""

    model_config = ConfigDict(extra="forbid")

    given: bool = False
    date: IsoDate | None = None
    scope: LongText = None


class CasePublic(BaseModel):
    id: int
    label: str
    target_group: str
    external_ref: str | None
    status: Literal["open", "closed"]
    version: int
    consent: Consent
    actors: int
    couplings: int
    created_at: UtcDateTime
    updated_at: UtcDateTime


class CaseCreated(BaseModel):
    id: int
    version: int


class CasePage(BaseModel):
    items: list[CasePublic]
    total: int
    offset: int
    limit: int


class CasePatch(_In):
    label: Text | None = None
    target_group: TargetGroup | None = None
    external_ref: OptionalText = None
    status: Literal["open", "closed"] | None = None
    consent: Consent | None = None
    version: Version = None


class GraphWrite(GraphDocument):
    """The whole network, for an atomic replace."""

    version: Version = None


class ActorCreate(Actor):
    version: Version = None


class ActorPatch(_In):
    kind: Literal["professional", "organisation", "network", "volunteer", "citizen"] | None = None
    label: Text | None = None
    profession: OptionalText = None
    sector: OptionalText = None
    organisation: OptionalText = None
    panel: Panel | None = None
    ring: Annotated[int, Field(ge=1, le=3)] | None = None
    contribution: LongText = None
    contact: OptionalText = None
    version: Version = None


class CouplingCreate(Coupling):
    version: Version = None


class CouplingPatch(_In):
    state: CouplingState | None = None
    topic: LongText = None
    agreements: list[Agreement] | None = None
    version: Version = None


class EventPublic(BaseModel):
    version: int
    at: UtcDateTime
    by: str
    kind: str
    summary: str


class History(BaseModel):
    case_id: int
    version: int
    events: list[EventPublic]


__all__ = [
    "ActorCreate", "ActorPatch", "ApiError", "CaseCreated", "CasePage", "CasePatch", "CasePublic",
    "Consent", "CouplingCreate", "CouplingPatch", "EventPublic", "GraphDocument",
    "GraphWrite", "History", "UtcDateTime",
]
