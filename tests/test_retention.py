"""Retention: old audit entries go automatically; closed cases only with purge --apply."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from app import models as m
from app import retention
from app.config import Settings
from app.graph.examples import claus_nu, prototype_1
from tests.helpers.clients import Api


def test_purge_audit_keeps_recent_entries(db: Any, settings: Settings) -> None:
    old = datetime.now(UTC) - timedelta(days=settings.audit_retention_days + 1)
    with db.session() as session:
        session.add(m.AuditEntry(principal="test:old", action="read", channel="api", at=old))
        session.add(m.AuditEntry(principal="test:new", action="read", channel="api"))
        session.commit()
        assert retention.purge_audit(session, settings) >= 1
        left = set(session.scalars(select(m.AuditEntry.principal).where(
            m.AuditEntry.principal.like("test:%"))))
    assert left == {"test:new"}


def test_purge_closed_cases_dry_run_then_apply(api: Api, db: Any, settings: Settings) -> None:
    closed, version = api.create(claus_nu())
    still_open, _ = api.create(prototype_1())
    api.patch(f"/api/v1/cases/{closed}", json={"status": "closed", "version": version})
    later = datetime.now(UTC) + timedelta(days=settings.closed_case_retention_days + 1)
    with db.session() as session:
        dry = retention.purge_closed_cases(session, settings, apply=False, now=later)
        assert closed in [s.case_id for s in dry] and still_open not in [s.case_id for s in dry]
        assert session.get(m.Case, closed) is not None
        retention.purge_closed_cases(session, settings, apply=True, now=later)
        assert session.get(m.Case, closed) is None
        assert session.get(m.Case, still_open) is not None
        assert session.scalars(select(m.Event).where(m.Event.case_id == closed)).all() == []
        purged = session.scalars(select(m.AuditEntry.action).where(
            m.AuditEntry.case_id == closed, m.AuditEntry.action == "purge")).all()
    assert purged == ["purge"]
