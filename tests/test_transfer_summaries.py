"""Export and import carry an event's summary both ways: its Danish words and its
message; an export from before messages (migration 0012) still imports, and its
events say the Danish words they have."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from app import cases, edits, transfer
from app import models as m
from app.auth import Principal
from app.cli import migrate
from app.db import Database
from app.graph.examples import claus_nu
from app.i18n import translations
from tests.helpers.database import backends, empty_database


def _exported(url: str) -> dict[str, object]:
    migrate(url)
    db = Database(url)
    with db.session() as session:
        team = m.Team(name="a")
        session.add(team)
        session.commit()
        who = Principal(name="user:test", team_ids=frozenset({team.id}),
                        write_team_ids=frozenset({team.id}), channel="web")
        cases.create_case(session, who, team.id, claus_nu())
        out = io.StringIO()
        transfer.write_export(session, out)
    db.dispose()
    data: dict[str, object] = json.loads(out.getvalue())
    return data


def _said_in_english(url: str, data: dict[str, object]) -> list[str]:
    migrate(url)
    db = Database(url)
    with db.session() as session:
        transfer.import_all(session, data)
        said = [edits.summary_of(e, translations("en").gettext)
                for e in session.scalars(select(m.Event).order_by(m.Event.id))]
    db.dispose()
    return said


@pytest.mark.parametrize("backend", backends())
def test_export_keeps_summary_message_and_old_export_imports(backend: str,
                                                              tmp_path: Path) -> None:
    with empty_database(backend, tmp_path / "a") as source, \
            empty_database(backend, tmp_path / "b") as target, \
            empty_database(backend, tmp_path / "c") as older:
        data = _exported(source)
        events = data["events"]
        assert isinstance(events, list)
        assert [e["summary"] for e in events] == ["Borgerforløb oprettet: Claus, 22 (nu)"]
        assert events[0]["summary_message"] == {
            "template": "Borgerforløb oprettet: %(label)s", "params": {"label": "Claus, 22 (nu)"}}
        assert _said_in_english(target, data) == ["Case created: Claus, 22 (nu)"]
        before_0012 = {**data, "events": [{k: v for k, v in e.items() if k != "summary_message"}
                                          for e in events]}
        assert _said_in_english(older, before_0012) == ["Borgerforløb oprettet: Claus, 22 (nu)"]
