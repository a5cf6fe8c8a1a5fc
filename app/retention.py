"""How long data is kept: audit entries for a configured period, closed cases until purged.

Audit entries older than the retention go automatically (the app checks at start
and every few hours). Closed cases are erased only by ``kuvert purge --apply``:
a dry run first shows what would go, since erasing a case cannot be undone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app import models as m
from app.audit import audit, forget_case
from app.auth import Principal
from app.config import Settings

PURGER = Principal(name="system:purge", team_ids=frozenset(), channel="cli")


def purge_audit(session: Session, settings: Settings, now: datetime | None = None) -> int:
    """Delete audit entries older than the retention; returns how many went."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=settings.audit_retention_days)
    gone = session.execute(delete(m.AuditEntry).where(m.AuditEntry.at < cutoff))
    session.commit()
    return int(gone.rowcount)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Stale:
    case_id: int
    team_id: int
    updated_at: datetime


def stale_closed_cases(session: Session, settings: Settings,
                       now: datetime | None = None) -> list[Stale]:
    cutoff = (now or datetime.now(UTC)) - timedelta(days=settings.closed_case_retention_days)
    rows = session.execute(
        select(m.Case.id, m.Case.team_id, m.Case.updated_at)
        .where(m.Case.status == "closed", m.Case.updated_at < cutoff).order_by(m.Case.id))
    return [Stale(*row) for row in rows]


def purge_closed_cases(session: Session, settings: Settings, apply: bool,
                       now: datetime | None = None) -> list[Stale]:
    """Closed cases past their retention; erased (history and all) only with ``apply``.

    As with a deletion, the audit entries that could name the citizen lose their free
    text (:func:`app.audit.forget_case`); who did what when stays until the audit
    retention."""
    stale = stale_closed_cases(session, settings, now)
    if apply:
        for item in stale:
            case = session.get(m.Case, item.case_id)
            if case is not None:
                forget_case(session, case)
            session.execute(delete(m.Case).where(m.Case.id == item.case_id))
            audit(session, PURGER, "purge", case_id=item.case_id, team_id=item.team_id,
                  detail="closed case past retention")
        session.commit()
    return stale
