"""Migration 0010 on a database holding what the looser rules let in: keys ``.`` and
``..``, a zero-width space in a label, a CPR number written with an en dash."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory

from app import transfer
from app.cli import alembic_config
from app.errors import Conflict
from app.graph.cleanup import REDACTED
from app.graph.document import GraphDocument
from tests.helpers.database import backends, empty_database

NOW = datetime(2026, 1, 1, tzinfo=UTC)

V1: dict[str, Any] = {
    "label": "Claus\u200b, 22", "target_group": "unge",
    "actors": [
        {"key": "claus", "kind": "citizen", "label": "Claus"},
        {"key": ".", "kind": "professional", "label": "Punktum"},
        {"key": "..", "kind": "professional", "label": "Prikker 010203\u20131234"},
    ],
    "couplings": [{"source": ".", "target": "..", "state": "weak", "topic": "Emne\u202e",
                   "agreements": [{"who": "..", "what": "Ringer"}]}],
    "coordinator": "..",
}
V2: dict[str, Any] = {**V1, "actors": [*V1["actors"],
                                       {"key": "uu", "kind": "professional", "label": "UU"}]}


def _t(name: str, *cols: str) -> sa.TableClause:
    return sa.table(name, *(sa.column(c) for c in cols))


def _fill(conn: sa.Connection) -> int:
    conn.execute(_t("teams", "id", "name", "created_at").insert(),
                 {"id": 1, "name": "t", "created_at": NOW})
    conn.execute(_t("cases", "id", "team_id", "label", "label_folded", "target_group",
                    "status", "version", "consent_given", "created_at", "updated_at",
                    "coordinator_key").insert(),
                 {"id": 1, "team_id": 1, "label": V2["label"], "label_folded": "claus 22",
                  "target_group": "unge", "status": "open", "version": 2,
                  "consent_given": False, "created_at": NOW, "updated_at": NOW,
                  "coordinator_key": ".."})
    actors = _t("actors", "id", "case_id", "position", "key", "kind", "label")
    for i, actor in enumerate(V2["actors"], start=1):
        conn.execute(actors.insert(), {"id": i, "case_id": 1, "position": i - 1,
                                       "key": actor["key"], "kind": actor["kind"],
                                       "label": actor["label"]})
    conn.execute(_t("couplings", "id", "case_id", "position", "source_id", "target_id",
                    "state", "topic").insert(),
                 {"id": 1, "case_id": 1, "position": 0, "source_id": 2, "target_id": 3,
                  "state": "weak", "topic": "Emne\u202e"})
    conn.execute(_t("agreements", "id", "coupling_id", "position", "who_id", "what").insert(),
                 {"id": 1, "coupling_id": 1, "position": 0, "who_id": 3, "what": "Ringer"})
    events = sa.table("events", sa.column("case_id"), sa.column("version"), sa.column("at"),
                      sa.column("principal"), sa.column("kind"), sa.column("summary"),
                      sa.column("document", sa.JSON))
    for version, doc in ((1, V1), (2, V2)):
        conn.execute(events.insert(), {"case_id": 1, "version": version, "at": NOW,
                                       "principal": "x", "kind": "edit", "summary": "s",
                                       "document": doc})
    conn.execute(sa.table("snapshots", sa.column("case_id"), sa.column("name"),
                          sa.column("version"), sa.column("document", sa.JSON),
                          sa.column("created_at"), sa.column("created_by")).insert(),
                 {"case_id": 1, "name": "før", "version": 1, "document": V1,
                  "created_at": NOW, "created_by": "x"})
    return 1


@pytest.mark.parametrize("backend", backends())
def test_0010_renames_unsafe_keys_and_cleans_texts(backend: str, tmp_path: Path) -> None:
    with empty_database(backend, tmp_path) as url:
        config = alembic_config(url)
        before = ScriptDirectory.from_config(config).get_revision("0010").down_revision
        assert isinstance(before, str)
        command.upgrade(config, before)
        engine = sa.create_engine(url)
        try:
            with engine.begin() as conn:
                _fill(conn)
            with pytest.raises(Exception):  # noqa: B017 - what the stricter rules refuse
                GraphDocument.model_validate(V2)
            command.upgrade(config, "0010")
            with engine.connect() as conn:
                docs = [row[0] for row in conn.execute(sa.text(
                    "SELECT document FROM events ORDER BY version"))]
                snap = conn.execute(sa.text("SELECT document FROM snapshots")).scalar_one()
                keys = sorted(conn.execute(sa.text("SELECT key FROM actors")).scalars())
                case = conn.execute(sa.text(
                    "SELECT label, coordinator_key FROM cases")).one()
                label3 = conn.execute(sa.text(
                    "SELECT label FROM actors WHERE id = 3")).scalar_one()
                topic = conn.execute(sa.text("SELECT topic FROM couplings")).scalar_one()
        finally:
            engine.dispose()
    parsed = [GraphDocument.model_validate(json.loads(d) if isinstance(d, str) else d)
              for d in [*docs, snap]]
    v1, v2, snapshot = parsed
    assert [a.key for a in v2.actors] == ["claus", "punktum", "punktum_punktum", "uu"]
    assert [a.key for a in v1.actors] == [a.key for a in snapshot.actors] == [
        "claus", "punktum", "punktum_punktum"]  # the same new key in every version
    assert (v2.couplings[0].source, v2.couplings[0].target) == ("punktum", "punktum_punktum")
    assert v2.couplings[0].agreements[0].who == v2.coordinator == "punktum_punktum"
    assert v2.label == "Claus, 22" and v2.couplings[0].topic == "Emne"
    assert v2.actor("punktum_punktum").label == f"Prikker {REDACTED}"
    assert keys == ["claus", "punktum", "punktum_punktum", "uu"]
    assert tuple(case) == ("Claus, 22", "punktum_punktum")
    assert label3 == f"Prikker {REDACTED}" and topic == "Emne"


def test_an_older_export_is_cleaned_like_the_database_on_import() -> None:
    data = {
        "cases": [{"id": 1, "label": V2["label"], "label_folded": "x", "coordinator_key": ".."}],
        "actors": [{"id": i, "case_id": 1, "key": a["key"], "label": a["label"]}
                   for i, a in enumerate(V2["actors"], start=1)],
        "couplings": [{"id": 1, "case_id": 1, "topic": "Emne\u202e"}],
        "agreements": [{"id": 1, "coupling_id": 1, "what": "Ringer"}],
        "events": [{"id": 2, "case_id": 1, "version": 2, "document": V2},
                   {"id": 1, "case_id": 1, "version": 1, "document": V1}],
        "snapshots": [{"id": 1, "case_id": 1, "version": 1, "document": V1}],
    }
    out = transfer.clean_export(data)
    docs = [GraphDocument.model_validate(r["document"]) for r in
            [*out["events"], *out["snapshots"]]]
    assert {a.key for d in docs for a in d.actors} == {"claus", "punktum", "punktum_punktum",
                                                       "uu"}
    assert [r["key"] for r in out["actors"]] == ["claus", "punktum", "punktum_punktum", "uu"]
    assert out["cases"][0]["coordinator_key"] == "punktum_punktum"
    assert out["cases"][0]["label"] == "Claus, 22" and out["couplings"][0]["topic"] == "Emne"
    assert out["actors"][2]["label"] == f"Prikker {REDACTED}"
    clean = {"cases": [], "events": [{"id": 1, "case_id": 1, "version": 1,
                                      "document": GraphDocument.model_validate({
                                          **V1, "label": "Claus", "actors": V1["actors"][:1],
                                          "couplings": [], "coordinator": None,
                                      }).model_dump(mode="json")}]}
    assert transfer.clean_export(clean)["events"] == clean["events"]  # lossless when clean


@pytest.mark.parametrize("raw", ["[" * 5000, "[]", '{"cases": 3}', '{"cases": [1]}', "{"])
def test_import_refuses_what_is_not_an_export(raw: str) -> None:
    with pytest.raises(Conflict):
        transfer.read_export(raw)
