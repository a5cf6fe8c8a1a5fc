"""Export and import of everything, as one JSON document, for moving or backing up.

The export is lossless: importing it into an empty database and exporting again
gives the same JSON. Ids are kept, so audit entries still point at their cases.
Importing into a database that already holds teams or cases is refused rather
than merged: a merge of sensitive data should be a deliberate, reviewed job.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Date, DateTime, Integer, Table, delete, func, select, text
from sqlalchemy.orm import Session

from app import models as m
from app.auth import SYSTEM
from app.cases import audit, recount_all
from app.db import Base
from app.errors import Conflict

FORMAT = "kuvert-export"
FORMAT_VERSION = 1

# Parents before children, so that import can insert in this order.
TABLES: list[type[Base]] = [
    m.Team, m.User, m.Membership, m.ApiToken, m.CatalogueEntry,
    m.Case, m.Actor, m.Coupling, m.Agreement, m.Event, m.Snapshot, m.AuditEntry,
]


def _name(model: type[Base]) -> str:
    return str(model.__tablename__)


def _table(model: type[Base]) -> Table:
    return Base.metadata.tables[_name(model)]


def _plain(value: Any) -> Any:
    """Times always in UTC with an offset: SQLite hands them back naive, PostgreSQL not."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def export_all(session: Session) -> dict[str, Any]:
    """Every row of every table, keyed by table name, ordered by primary key."""
    data: dict[str, Any] = {"format": FORMAT, "format_version": FORMAT_VERSION}
    for model in TABLES:
        columns = list(_table(model).columns)
        order = list(_table(model).primary_key.columns)
        rows = session.execute(select(*columns).order_by(*order)).all()
        data[_name(model)] = [
            {col.name: _plain(value) for col, value in zip(columns, row, strict=True)}
            for row in rows
        ]
    audit(session, SYSTEM, "export_all", detail="all tables")
    session.commit()
    return data


def _revive(model: type[Base], row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for col in _table(model).columns:
        value = out.get(col.name)
        if value is None:
            continue
        if isinstance(col.type, DateTime):
            out[col.name] = datetime.fromisoformat(value)
        elif isinstance(col.type, Date):
            out[col.name] = date.fromisoformat(value)
    return out


def import_all(session: Session, data: dict[str, Any]) -> dict[str, int]:
    """Load an export into an empty database; returns how many rows each table got."""
    if data.get("format") != FORMAT or data.get("format_version") != FORMAT_VERSION:
        raise Conflict("Filen er ikke en Kuvert-eksport (format kuvert-export, version 1).")
    if session.scalar(select(func.count()).select_from(m.Team)) or session.scalar(
        select(func.count()).select_from(m.Case)
    ):
        raise Conflict("Databasen indeholder allerede teams eller borgerforløb; "
                       "indlæs kun i en tom database.")
    # The migration seeds the catalogue; the export carries the catalogue as it was.
    session.execute(delete(m.CatalogueEntry))
    counts: dict[str, int] = {}
    for model in TABLES:
        rows = [_revive(model, r) for r in data.get(_name(model), [])]
        if rows:
            session.execute(_table(model).insert(), rows)
        counts[_name(model)] = len(rows)
    _reset_sequences(session)
    session.commit()
    if any("profession_count" not in row for row in data.get("cases", [])):
        recount_all(session)  # an export from before the counts were stored
    return counts


def _reset_sequences(session: Session) -> None:
    """PostgreSQL's id sequences do not see explicit ids; move them past the imported rows."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for model in TABLES:
        table = _table(model)
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not isinstance(pk[0].type, Integer):
            continue
        name = table.name
        session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, false)"
        ))
