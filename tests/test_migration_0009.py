"""Migration 0009 on a database with data: nothing lost, and no id handed out twice.

A 0008 database holds a team, a user, a token, a case with an actor, a coupling, an
event, a snapshot and an embed link, and the audit log of a case deleted before
(id 40, above every case still there). After 0009 every row and link is there,
the next case gets an id above 40 (SQLite rebuilt its tables with AUTOINCREMENT;
PostgreSQL never reused ids), users are no site admins, and down and up again
keeps the data.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, text

from app.cli import alembic_config
from app.db import make_engine
from tests.helpers.database import backends, empty_database

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
COUNTED = ["teams", "users", "memberships", "api_tokens", "cases", "actors", "couplings",
           "events", "snapshots", "embed_links", "audit_entries"]


def _fill(engine: Engine) -> None:
    rows = [
        ("INSERT INTO teams (id, name, created_at) VALUES (1, 'a', :now)", {}),
        ("INSERT INTO users (id, username, password_hash, active, failed_logins, created_at) "
         "VALUES (1, 'anna', 'x', :yes, 0, :now)", {}),
        ("INSERT INTO memberships (user_id, team_id, role) VALUES (1, 1, 'admin')", {}),
        ("INSERT INTO api_tokens (id, team_id, name, scope, token_hash, prefix, created_at) "
         "VALUES (3, 1, 'sys', 'write', 'h', 'kvt_', :now)", {}),
        ("INSERT INTO cases (id, team_id, label, label_folded, target_group, status, version, "
         "consent_given, created_at, updated_at, profession_count, sector_count) "
         "VALUES (7, 1, 'Claus', 'claus', 'unge', 'open', 1, :no, :now, :now, 0, 0)", {}),
        ("INSERT INTO actors (id, case_id, position, key, kind, label) "
         "VALUES (1, 7, 0, 'c', 'citizen', 'Claus')", {}),
        ("INSERT INTO actors (id, case_id, position, key, kind, label) "
         "VALUES (2, 7, 1, 'm', 'professional', 'Mette')", {}),
        ("INSERT INTO couplings (id, case_id, position, source_id, target_id, state) "
         "VALUES (1, 7, 0, 1, 2, 'established')", {}),
        ("INSERT INTO events (id, case_id, version, at, principal, kind, summary, document) "
         "VALUES (1, 7, 1, :now, 'user:anna', 'create', 'Oprettet', '{}')", {}),
        ("INSERT INTO snapshots (id, case_id, name, version, document, created_at, created_by) "
         "VALUES (2, 7, 'før', 1, '{}', :now, 'user:anna')", {}),
        ("INSERT INTO embed_links (id, case_id, token_hash, pseudonymised, created_by, "
         "created_at, expires_at) VALUES (5, 7, 'e', :yes, 'user:anna', :now, :now)", {}),
    ]
    audit = [(7, "create", "user:anna"), (40, "create", "user:anna"),
             (40, "read", "token:9:sys"), (40, "delete", "user:anna"),
             (None, "login", "user:anna"), (7, "embed_view", "embed:12")]
    with engine.begin() as conn:
        for sql, extra in rows:
            conn.execute(text(sql), {"now": NOW, "yes": True, "no": False, **extra})
        for case_id, action, principal in audit:
            conn.execute(text(
                "INSERT INTO audit_entries (at, principal, team_id, case_id, action, channel) "
                "VALUES (:now, :p, 1, :c, :a, 'web')"), {"now": NOW, "p": principal,
                                                         "c": case_id, "a": action})


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.scalar(text(f"SELECT COUNT(*) FROM {t}")) or 0 for t in COUNTED}


def _new_ids(engine: Engine) -> dict[str, int]:
    """Insert one row into each table whose id must not be reused; their new ids."""
    with engine.begin() as conn:
        ids = {
            "cases": conn.scalar(text(
                "INSERT INTO cases (team_id, label, label_folded, target_group, status, version,"
                " consent_given, created_at, updated_at) VALUES (1, 'Ny', 'ny', 'unge', 'open',"
                " 1, :no, :now, :now) RETURNING id"), {"no": False, "now": NOW}),
            "api_tokens": conn.scalar(text(
                "INSERT INTO api_tokens (team_id, name, scope, token_hash, prefix, created_at) "
                "VALUES (1, 'ny', 'read', :h, 'kvt_', :now) RETURNING id"),
                {"now": NOW, "h": secrets.token_hex(8)}),
            "embed_links": conn.scalar(text(
                "INSERT INTO embed_links (case_id, token_hash, pseudonymised, created_by, "
                "created_at, expires_at) VALUES (7, :h, :yes, 'x', :now, :now) RETURNING id"),
                {"yes": True, "now": NOW, "h": secrets.token_hex(8)}),
        }
    return {k: int(v) for k, v in ids.items()}


@pytest.mark.parametrize("backend", backends())
def test_0009_keeps_the_data_and_never_reuses_an_id(backend: str, tmp_path: Path) -> None:
    with empty_database(backend, tmp_path) as url:
        config = alembic_config(url)
        command.upgrade(config, "0008")
        engine = make_engine(url)
        _fill(engine)
        before = _counts(engine)
        if backend == "sqlite":  # what went wrong: max(id) + 1 hands out a deleted id
            with engine.connect() as conn:
                conn.execute(text("DELETE FROM cases WHERE id = 7"))
                assert conn.scalar(text(
                    "INSERT INTO cases (team_id, label, label_folded, target_group, status, "
                    "version, consent_given, created_at, updated_at) VALUES (1, 'x', 'x', "
                    "'unge', 'open', 1, 0, :now, :now) RETURNING id"), {"now": NOW}) <= 7
                conn.rollback()
        command.upgrade(config, "0009")
        assert _counts(engine) == before  # nothing cascaded away during the rebuild
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT site_admin FROM users WHERE id = 1")) is not None
            assert not conn.scalar(text("SELECT site_admin FROM users WHERE id = 1"))
            assert conn.scalar(text("SELECT COUNT(*) FROM audit_entries WHERE term IS NULL")) \
                == before["audit_entries"]
            if backend == "sqlite":
                assert conn.execute(text("PRAGMA foreign_key_check")).fetchall() == []
                schema = conn.scalar(text(
                    "SELECT sql FROM sqlite_master WHERE name = 'cases'")) or ""
                assert "AUTOINCREMENT" in schema and "ck_cases_status" in schema
                assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        ids = _new_ids(engine)
        assert ids["cases"] > 40  # past the deleted case the audit log still names
        assert ids["api_tokens"] > 9 and ids["embed_links"] > 12
        if backend == "sqlite":
            with engine.begin() as conn:  # delete the newest: its id stays used
                conn.execute(text("DELETE FROM cases WHERE id = :i"), {"i": ids["cases"]})
            assert _new_ids(engine)["cases"] > ids["cases"]
        command.downgrade(config, "0008")
        command.upgrade(config, "head")
        counts = _counts(engine)
        assert counts["actors"] == before["actors"] and counts["snapshots"] == before["snapshots"]
        engine.dispose()
