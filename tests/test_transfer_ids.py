"""Export and import never hand a used id to another row (issue 10, item 2).

The export names the deleted newest case only in its audit entries; after an import
into an empty database the next case must still get a new id, and an import must
not put rows at ids the target database has already used.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from app import cases, transfer
from app import models as m
from app.auth import Principal
from app.cases import Expected
from app.cli import migrate
from app.db import Database
from app.errors import Conflict
from app.graph.examples import claus_nu
from tests.helpers.database import backends, empty_database


def _writer(team_id: int) -> Principal:
    return Principal(name="user:test", team_ids=frozenset({team_id}),
                     write_team_ids=frozenset({team_id}), channel="web")


def _team(db: Database) -> int:
    with db.session() as session:
        team = m.Team(name="a")
        session.add(team)
        session.commit()
        return team.id


@pytest.mark.parametrize("backend", backends())
def test_import_moves_every_id_counter_past_what_the_export_used(backend: str,
                                                                 tmp_path: Path) -> None:
    with empty_database(backend, tmp_path / "a") as source_url, \
            empty_database(backend, tmp_path / "b") as target_url:
        migrate(source_url)
        migrate(target_url)
        source = Database(source_url)
        team_id = _team(source)
        who = _writer(team_id)
        with source.session() as session:
            kept = cases.create_case(session, who, team_id, claus_nu())
            gone = cases.create_case(session, who, team_id, claus_nu())
            gone_id, kept_id = gone.id, kept.id
            cases.read_case(session, who, gone_id)
            session.commit()
            cases.delete_case(session, who, gone_id, Expected(gone.version))
            out = io.StringIO()
            transfer.write_export(session, out)
        source.dispose()
        data = json.loads(out.getvalue())
        assert data["high_water"]["cases"] >= gone_id > kept_id
        assert [row["id"] for row in data["cases"]] == [kept_id]

        target = Database(target_url)
        with target.session() as session:
            transfer.import_all(session, data)
        with target.session() as session:
            new = cases.create_case(session, who, team_id, claus_nu())
            assert new.id > gone_id
            assert session.scalars(select(m.AuditEntry.action).where(
                m.AuditEntry.case_id == new.id)).all() == ["create"]
        target.dispose()


@pytest.mark.parametrize("backend", backends())
def test_import_refuses_ids_the_database_has_used(backend: str, tmp_path: Path) -> None:
    with empty_database(backend, tmp_path) as url:
        migrate(url)
        db = Database(url)
        team_id = _team(db)
        with db.session() as session:
            case = cases.create_case(session, _writer(team_id), team_id, claus_nu())
            cases.delete_case(session, _writer(team_id), case.id, Expected(case.version))
            session.execute(m.Team.__table__.delete())
            session.commit()
            export = {"format": transfer.FORMAT, "format_version": transfer.FORMAT_VERSION,
                      "teams": [{"id": team_id + 1, "name": "b",
                                 "created_at": "2026-12-01T00:00:00+00:00"}],
                      "cases": [_case_row(case.id, team_id + 1)]}
            with pytest.raises(Conflict, match="allerede har brugt"):
                transfer.import_all(session, export)
            session.rollback()
            assert session.scalar(select(m.Team.id)) is None
        db.dispose()


def _case_row(case_id: int, team_id: int) -> dict[str, object]:
    return {"id": case_id, "team_id": team_id, "label": "x", "label_folded": "x",
            "target_group": "unge", "status": "open", "version": 1, "consent_given": False,
            "created_at": "2026-12-01T00:00:00+00:00",
            "updated_at": "2026-12-01T00:00:00+00:00",
            "profession_count": 0, "sector_count": 0}

