"""History as the caseworker sees it: named snapshots, and two versions to compare.

Part of the service layer (see :mod:`app.cases`): every read goes through
:func:`app.cases.read_case`, so it is access-checked and audited; creating a
snapshot is a write, committed here together with its audit entry.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import cases
from app import models as m
from app.audit import audit
from app.auth import Principal
from app.edits import in_danish
from app.errors import N_, Conflict, NotFound, ServiceError
from app.graph.document import GraphDocument
from app.graph.errors import DocumentInvalid, Problem
from app.graph.text import TEXT_CODES, text_problem
from app.schemas import EventPublic, UtcDateTime

__all__ = [
    "BadReference", "Overview", "Side", "SnapshotPublic", "Versions", "create_snapshot",
    "list_snapshots", "overview", "overview_of", "versions_for_compare",
]

NAME_MAX = m.SHORT
_REF = re.compile(r"^([vs])(\d{1,9})$")  # 9 digits fit a 32-bit id


class SnapshotPublic(BaseModel):
    """A named state of the case, as the API and the pages show it."""

    id: int
    name: str
    version: int
    created_at: UtcDateTime
    created_by: str

    @property
    def ref(self) -> str:
        return f"s{self.id}"


@dataclass(frozen=True)
class Side:
    """One side of a comparison: a version from the history, or a snapshot."""

    ref: str  # "v3" or "s7"
    name: str  # "Version 3", or the snapshot's name
    version: int  # the case version it shows
    at: datetime  # when the version was made, or the snapshot taken
    document: GraphDocument


@dataclass(frozen=True)
class Versions:
    """The case and the two sides chosen to compare."""

    case: m.Case
    left: Side
    right: Side


@dataclass(frozen=True)
class Overview:
    """Everything the history page lists: every change, and the snapshots."""

    case: m.Case
    events: list[EventPublic]
    snapshots: list[SnapshotPublic]


class BadReference(ServiceError):
    status = 422
    code = "invalid_reference"
    message = N_('Angiv en udgave som "v3" eller et øjebliksbillede som "s7".')


def _public(row: m.Snapshot) -> SnapshotPublic:
    return SnapshotPublic(id=row.id, name=row.name, version=row.version,
                          created_at=row.created_at, created_by=row.created_by)


def _snapshots(session: Session, case: m.Case) -> list[SnapshotPublic]:
    rows = session.scalars(select(m.Snapshot).where(m.Snapshot.case_id == case.id)
                           .order_by(m.Snapshot.created_at, m.Snapshot.id))
    return [_public(row) for row in rows]


def _check_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        problem = Problem("name", "missing", N_("Giv øjebliksbilledet et navn."))
    elif len(name) > NAME_MAX:
        problem = Problem.of("name", "string_too_long",
                             N_("Navnet er for langt (højst %(n)s tegn)."), n=NAME_MAX)
    elif (code := text_problem(name)) is not None:  # NUL, invisible characters, a CPR
        problem = Problem("name", code, TEXT_CODES[code])
    else:
        return name
    raise DocumentInvalid([problem])


def _taken(name: str) -> Conflict:
    return Conflict(N_("Der findes allerede et øjebliksbillede med navnet «%(name)s»."),
                    params={"name": name})


def create_snapshot(session: Session, who: Principal, case_id: int, name: str) -> SnapshotPublic:
    """Save the case's network as it is now under ``name`` (unique within the case).

    Raises NotFound for a case the principal may not see, Forbidden for read-only
    access, DocumentInvalid for an empty, too long or CPR-like name, and
    Conflict when the case already has a snapshot of that name.
    """
    case = cases.read_case(session, who, case_id)
    cases.require_write(who, case.team_id)
    name = _check_name(name)
    if session.scalar(select(m.Snapshot.id).where(m.Snapshot.case_id == case.id,
                                                  m.Snapshot.name == name)) is not None:
        raise _taken(name)
    row = m.Snapshot(case_id=case.id, name=name, version=case.version,
                     document=cases.dump(cases.document_of(case)), created_by=who.name)
    session.add(row)
    audit(session, who, "create_snapshot", case_id=case.id, team_id=case.team_id,
                detail=name)
    try:
        session.commit()
    except IntegrityError:  # the same name, saved by someone else a moment ago
        session.rollback()
        raise _taken(name) from None
    return _public(row)


def list_snapshots(session: Session, who: Principal, case_id: int) -> list[SnapshotPublic]:
    """The case's snapshots, oldest first."""
    case = cases.read_case(session, who, case_id, "read_history")
    return _snapshots(session, case)


def overview_of(session: Session, case: m.Case,
                gettext: Callable[[str], str | None] = in_danish) -> Overview:
    """Every change and every snapshot of a case already read (and audited); the
    changes' summaries said with ``gettext`` (the reader's language)."""
    events = session.scalars(
        select(m.Event).where(m.Event.case_id == case.id).order_by(m.Event.version.desc())
    )
    return Overview(case=case, snapshots=_snapshots(session, case),
                    events=[cases.event_public(e, gettext) for e in events])


def overview(session: Session, who: Principal, case_id: int,
             gettext: Callable[[str], str | None] = in_danish) -> Overview:
    """Every change to the case, newest first, and its snapshots."""
    return overview_of(session, cases.read_case(session, who, case_id, "read_history"),
                       gettext)


def _side(session: Session, case: m.Case, ref: str) -> Side:
    found = _REF.match(ref)
    if found is None:
        raise BadReference()
    kind, number = found.group(1), int(found.group(2))
    if kind == "v":
        event = session.scalar(
            select(m.Event).where(m.Event.case_id == case.id, m.Event.version == number))
        if event is None:
            raise NotFound(N_("Borgerforløbet har ingen udgave %(n)s."), params={"n": number})
        return Side(ref=ref, name=f"Version {number}", version=number, at=event.at,
                    document=GraphDocument.model_validate(event.document))
    snapshot = session.scalar(
        select(m.Snapshot).where(m.Snapshot.case_id == case.id, m.Snapshot.id == number))
    if snapshot is None:
        raise NotFound(N_("Øjebliksbilledet findes ikke i dette borgerforløb."))
    return Side(ref=ref, name=snapshot.name, version=snapshot.version, at=snapshot.created_at,
                document=GraphDocument.model_validate(snapshot.document))


def versions_for_compare(
    session: Session, who: Principal, case_id: int, left: str, right: str
) -> Versions:
    """The two networks to put side by side.

    ``left`` and ``right`` are each ``"v<N>"`` (version N from the history) or
    ``"s<id>"`` (a snapshot of this case). Raises BadReference for anything
    else, NotFound for a version or snapshot the case does not have.
    """
    case = cases.read_case(session, who, case_id, "read_history")
    return Versions(case=case, left=_side(session, case, left.strip()),
                    right=_side(session, case, right.strip()))
