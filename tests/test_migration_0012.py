"""Migration 0012: events get ``summary_message`` beside their Danish ``summary``; older
events keep their words and say them in every language, and the downgrade keeps them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.orm import Session

from app import edits
from app import models as m
from app.cli import alembic_config
from app.db import make_engine
from app.i18n import translations
from tests.helpers.database import backends, empty_database

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
OLD = "Fortrudt: Aktør tilføjet: Mentor"


def _t(name: str, *cols: str) -> sa.TableClause:
    return sa.table(name, *(sa.column(c) for c in cols))


def _fill(conn: sa.Connection) -> None:
    """One case with one event written as Kuvert wrote them before 0012: Danish only."""
    conn.execute(_t("teams", "id", "name", "created_at").insert(),
                 {"id": 1, "name": "t", "created_at": NOW})
    conn.execute(_t("cases", "id", "team_id", "label", "label_folded", "target_group",
                    "status", "version", "consent_given", "created_at", "updated_at").insert(),
                 {"id": 1, "team_id": 1, "label": "Claus", "label_folded": "claus",
                  "target_group": "unge", "status": "open", "version": 1,
                  "consent_given": False, "created_at": NOW, "updated_at": NOW})
    conn.execute(sa.table("events", sa.column("case_id"), sa.column("version"),
                          sa.column("at"), sa.column("principal"), sa.column("kind"),
                          sa.column("summary"), sa.column("document", sa.JSON)).insert(),
                 {"case_id": 1, "version": 1, "at": NOW, "principal": "user:mette",
                  "kind": "undone", "summary": OLD,
                  "document": {"label": "Claus", "target_group": "unge", "actors": [],
                               "couplings": []}})


@pytest.mark.parametrize("backend", backends())
def test_0012_adds_summary_messages_and_old_events_keep_their_words(
        backend: str, tmp_path: Path) -> None:
    english = translations("en").gettext
    with empty_database(backend, tmp_path) as url:
        config = alembic_config(url)
        command.upgrade(config, "0011")
        engine = make_engine(url)
        try:
            with engine.begin() as conn:
                _fill(conn)
            command.upgrade(config, "0012")
            with Session(engine) as session:
                old = session.scalars(sa.select(m.Event)).one()
                assert old.summary == OLD and old.summary_message is None
                assert edits.summary_of(old, english) == OLD
                redone = edits.undo_summary(old)
                assert redone.danish == "Gjort igen: Aktør tilføjet: Mentor"
                session.add(m.Event(case_id=1, version=2, principal="user:mette",
                                    kind="undone", summary=redone.danish,
                                    summary_message=redone.as_json(), document=old.document))
                session.commit()
                new = session.scalars(sa.select(m.Event).where(m.Event.version == 2)).one()
                assert edits.summary_of(new, english) == "Redone: Aktør tilføjet: Mentor"
            with engine.connect() as conn:  # no message is SQL NULL, not JSON null
                assert conn.scalar(sa.text(
                    "SELECT count(*) FROM events WHERE summary_message IS NULL")) == 1
            command.downgrade(config, "0011")
            assert "summary_message" not in {
                c["name"] for c in sa.inspect(engine).get_columns("events")}
            with engine.connect() as conn:
                assert list(conn.execute(sa.text(
                    "SELECT summary FROM events ORDER BY version")).scalars()) == [
                    OLD, "Gjort igen: Aktør tilføjet: Mentor"]
        finally:
            engine.dispose()
