"""Ids are never reused; site admins; search terms kept apart so they can be erased.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02

- On SQLite, a table without ``AUTOINCREMENT`` hands out ``max(id) + 1``: after the
  newest case was deleted, the next case got its id and inherited its audit entries
  and open live streams. Every table whose id outlives its row (teams, users, API
  tokens, cases, snapshots, embed links, audit entries) is rebuilt with
  ``AUTOINCREMENT``, and its counter starts past every id the audit log still names
  (a case deleted before this migration keeps its id to itself). PostgreSQL's
  sequences never hand out an id twice, but one set by an import only went past the
  imported rows: it too moves past every id the audit log names.
- ``users.site_admin``: may read the audit entries that belong to no team (failed
  logins of unknown names, system jobs, the shared catalogue).
- ``audit_entries.term``: the free text of a search (the search box, an admin's
  audit search by name), apart from the other criteria, so that it can be erased
  when a case it could name is deleted.

SQLite rebuilds tables by copy, drop and rename; ``migrations/env.py`` turns off
foreign-key enforcement for the migration, or dropping ``cases`` would cascade to
every actor, event and snapshot.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Parents first: a child's rebuild then finds its parent already in place.
TABLES = ["teams", "users", "api_tokens", "cases", "snapshots", "embed_links", "audit_entries"]


def _rebuild(autoincrement: bool) -> None:
    for table in TABLES:
        with op.batch_alter_table(table, recreate="always",
                                  table_kwargs={"sqlite_autoincrement": autoincrement}):
            pass


def _high_water() -> dict[str, int]:
    """The highest id of each table the audit log still names (its rows may be gone)."""
    conn = op.get_bind()
    marks = {
        "cases": conn.scalar(sa.text("SELECT MAX(case_id) FROM audit_entries")) or 0,
        "teams": conn.scalar(sa.text("SELECT MAX(team_id) FROM audit_entries")) or 0,
    }
    for kind, table in (("token", "api_tokens"), ("embed", "embed_links")):
        top = 0
        for (principal,) in conn.execute(sa.text(
                "SELECT DISTINCT principal FROM audit_entries WHERE principal LIKE :p"),
                {"p": f"{kind}:%"}):
            number = str(principal).split(":")[1]
            if number.isdigit():
                top = max(top, int(number))
        marks[table] = top
    return marks


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("site_admin", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    with op.batch_alter_table("audit_entries") as batch:
        batch.add_column(sa.Column("term", sa.String(length=200), nullable=True))
    conn = op.get_bind()
    marks = _high_water()
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        _rebuild(autoincrement=True)
    for table in TABLES:
        used = max(marks.get(table, 0),
                   conn.scalar(sa.text(f"SELECT MAX(id) FROM {table}")) or 0)
        if sqlite:
            conn.execute(sa.text("DELETE FROM sqlite_sequence WHERE name = :t"), {"t": table})
            conn.execute(sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES (:t, :seq)"),
                         {"t": table, "seq": used})
            continue
        # PostgreSQL: its sequence already never goes back, but an import (before 0009)
        # set it just past the rows, not past the ids the audit log names.
        sequence = conn.scalar(sa.text(f"SELECT pg_get_serial_sequence('{table}', 'id')"))
        last, called = conn.execute(sa.text(f"SELECT last_value, is_called FROM {sequence}")).one()
        used = max(used, last if called else last - 1)
        if used >= 1:
            conn.execute(sa.text("SELECT setval(:s, :v, true)"), {"s": sequence, "v": used})


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild(autoincrement=False)
    with op.batch_alter_table("audit_entries") as batch:
        batch.drop_column("term")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("site_admin")
