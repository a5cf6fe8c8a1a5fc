"""Export and import of everything, as one JSON document, for moving or backing up.

The export is lossless: importing it into an empty database and exporting again
gives the same JSON. Ids are kept, so audit entries still point at their cases; and
since the audit log outlives the rows it names, an id is never handed out twice:
the export carries the highest id each table has ever used (``high_water``), and an
import refuses ids at or below one the database has already used, and moves the id
counters past every id the export used or its audit entries name.
Importing into a database that already holds teams or cases is refused rather
than merged: a merge of sensitive data should be a deliberate, reviewed job.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, TextIO

from sqlalchemy import Date, DateTime, Integer, Table, delete, func, select, text
from sqlalchemy.orm import Session

from app import models as m
from app.audit import audit
from app.auth import SYSTEM
from app.cases import recount_all
from app.db import Base
from app.errors import N_, Conflict
from app.graph.classify import normalise
from app.graph.cleanup import clean_document, clean_text

FORMAT = "kuvert-export"
FORMAT_VERSION = 1

# Parents before children, so that import can insert in this order.
TABLES: list[type[Base]] = [
    m.Team, m.User, m.Membership, m.ApiToken, m.CatalogueEntry,
    m.Case, m.Actor, m.Coupling, m.Agreement, m.Event, m.Snapshot, m.AuditEntry,
]


# The tables whose ids outlive their rows (models.NEVER_REUSE).
NEVER_REUSE = ["teams", "users", "api_tokens", "cases", "snapshots", "embed_links"]


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


def row_count(session: Session) -> int:
    """How many rows an export holds: the progress bar's whole."""
    return sum(session.scalar(select(func.count()).select_from(_table(model))) or 0
               for model in TABLES)


def write_export(session: Session, out: TextIO,
                 progress: Callable[[int], object] | None = None, batch: int = 2000) -> None:
    """Every row of every table to ``out`` as one JSON object, ``batch`` rows at a time.

    Streamed, because a municipality's database does not fit in memory as one
    document. Keys are sorted and each row is one line, so two exports of the same
    data are the same text. On PostgreSQL the tables are read in one repeatable-read
    snapshot, so a change made meanwhile is either wholly in the export or not at all.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    parts: dict[str, Any] = {"format": FORMAT, "format_version": FORMAT_VERSION}
    parts.update({_name(model): model for model in TABLES})
    parts["high_water"] = high_water(session)
    out.write("{\n")
    for i, (key, part) in enumerate(sorted(parts.items())):
        out.write(json.dumps(key) + ": ")
        if isinstance(part, type):
            _write_rows(session, part, out, progress, batch)
        else:
            out.write(json.dumps(part))
        out.write(",\n" if i < len(parts) - 1 else "\n")
    out.write("}\n")
    audit(session, SYSTEM, "export_all", detail="all tables")
    session.commit()


def _write_rows(session: Session, model: type[Base], out: TextIO,
                progress: Callable[[int], object] | None, batch: int) -> None:
    table = _table(model)
    columns = sorted(table.columns, key=lambda col: col.name)
    query = select(*columns).order_by(*table.primary_key.columns)
    out.write("[")
    first = True
    for rows in session.execute(query.execution_options(yield_per=batch)).partitions():
        for row in rows:
            out.write("\n" if first else ",\n")
            first = False
            out.write(json.dumps({col.name: _plain(value) for col, value
                                  in zip(columns, row, strict=True)}, ensure_ascii=False))
        if progress is not None:
            progress(len(rows))
    out.write("]" if first else "\n]")


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


def read_export(raw: str) -> dict[str, Any]:
    """The export in ``raw`` as a dict, or Conflict with the reason in Danish.

    Checks the shape before anything is written: an object, each table a list of
    objects; JSON nested past any use is refused like JSON that is not JSON.
    """
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        if isinstance(exc, json.JSONDecodeError):
            raise Conflict(N_("Filen er ikke gyldig JSON: %(error)s."),
                           params={"error": exc}) from None
        raise Conflict(N_("Filen er ikke gyldig JSON.")) from None
    if not isinstance(data, dict):
        raise Conflict(N_("Filen er ikke en Kuvert-eksport."))
    for model in TABLES:
        rows = data.get(_name(model), [])
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise Conflict(N_("Tabellen «%(table)s» i filen er ikke en liste af rækker."),
                           params={"table": _name(model)})
    return data


def clean_export(data: dict[str, Any]) -> dict[str, Any]:
    """An export from before migration 0010 brought up to today's rules, as the migration
    does for a database: unsafe actor keys renamed (the same way in every version of a
    case), invisible characters and CPR numbers taken out of texts."""
    renames: dict[Any, dict[str, str]] = {}
    out = dict(data)
    for table in ("events", "snapshots"):
        rows = sorted(data.get(table, []), key=lambda r: (r.get("version") or 0, r.get("id") or 0))
        by_row = {id(r): {**r, "document": clean_document(
            r["document"], renames.setdefault(r.get("case_id"), {}))}
            for r in rows if isinstance(r.get("document"), dict)}
        out[table] = [by_row.get(id(r), r) for r in data.get(table, [])]
    texts = ("label", "profession", "sector", "organisation", "contribution", "contact")

    def cleaned(row: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
        return {**row, **{f: clean_text(row[f]) for f in fields if f in row}}

    out["actors"] = [{**cleaned(r, texts), "key": renames.get(r.get("case_id"), {}).get(
        r.get("key"), r.get("key"))} for r in data.get("actors", [])]
    out["couplings"] = [cleaned(r, ("topic",)) for r in data.get("couplings", [])]
    out["agreements"] = [cleaned(r, ("what",)) for r in data.get("agreements", [])]
    cases = []
    for row in data.get("cases", []):
        case = cleaned(row, ("label", "external_ref", "consent_scope"))
        if case.get("label") != row.get("label") and isinstance(case.get("label"), str):
            case["label_folded"] = normalise(case["label"])
        key = row.get("coordinator_key")
        if key in renames.get(row.get("id"), {}):
            case["coordinator_key"] = renames[row["id"]][key]
        cases.append(case)
    out["cases"] = cases
    return out


def import_all(session: Session, data: dict[str, Any],
               progress: Callable[[int], object] | None = None,
               batch: int = 2000) -> dict[str, int]:
    """Load an export into an empty database; returns how many rows each table got.

    One transaction: an import that fails or is interrupted leaves the database empty.
    """
    if data.get("format") != FORMAT or data.get("format_version") != FORMAT_VERSION:
        raise Conflict(N_("Filen er ikke en Kuvert-eksport (format kuvert-export, version 1)."))
    if session.scalar(select(func.count()).select_from(m.Team)) or session.scalar(
        select(func.count()).select_from(m.Case)
    ):
        raise Conflict(N_("Databasen indeholder allerede teams eller borgerforløb; "
                          "indlæs kun i en tom database."))
    used = _merge(high_water(session), named_in_audit(session))
    for name in NEVER_REUSE:
        clash = [row["id"] for row in data.get(name, []) if int(row["id"]) <= used[name]]
        if clash:
            raise Conflict(N_("Eksporten har id'er, som databasen allerede har brugt "
                              "(%(table)s %(id)s); et id må aldrig gå til en anden række."),
                           params={"table": name, "id": min(clash)})
    # The migration seeds the catalogue; the export carries the catalogue as it was.
    session.execute(delete(m.CatalogueEntry))
    data = clean_export(data)
    counts: dict[str, int] = {}
    for model in TABLES:
        rows = data.get(_name(model), [])
        for start in range(0, len(rows), batch):
            chunk = [_revive(model, r) for r in rows[start:start + batch]]
            session.execute(_table(model).insert(), chunk)
            if progress is not None:
                progress(len(chunk))
        counts[_name(model)] = len(rows)
    _reset_sequences(session)
    given = data.get("high_water")
    marks: dict[str, Any] = given if isinstance(given, dict) else {}
    _raise_high_water(session, _merge(used, {k: int(v) for k, v in marks.items()},
                                      named_in_audit(session)))
    session.commit()
    if any("profession_count" not in row for row in data.get("cases", [])):
        recount_all(session)  # an export from before the counts were stored
    return counts


def rows_in(data: dict[str, Any]) -> int:
    return sum(len(data.get(_name(model), [])) for model in TABLES)


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


def _merge(*marks: dict[str, int]) -> dict[str, int]:
    return {name: max(mark.get(name, 0) for mark in marks) for name in NEVER_REUSE}


def high_water(session: Session) -> dict[str, int]:
    """The highest id each table has handed out (its row may be gone), at least its max id."""
    marks: dict[str, int] = {}
    dialect = session.get_bind().dialect.name
    for name in NEVER_REUSE:
        used = session.scalar(text(f"SELECT MAX(id) FROM {name}")) or 0
        if dialect == "sqlite":
            seq = session.scalar(text("SELECT seq FROM sqlite_sequence WHERE name = :t"),
                                 {"t": name})
        elif dialect == "postgresql":
            sequence = session.scalar(text(f"SELECT pg_get_serial_sequence('{name}', 'id')"))
            last, called = session.execute(
                text(f"SELECT last_value, is_called FROM {sequence}")).one()
            seq = last if called else last - 1
        else:
            seq = 0
        marks[name] = max(int(used), int(seq or 0))
    return marks


def named_in_audit(session: Session) -> dict[str, int]:
    """The highest id of each table that the audit log names."""
    entries = m.AuditEntry
    marks = {name: 0 for name in NEVER_REUSE}
    marks["cases"] = session.scalar(select(func.max(entries.case_id))) or 0
    marks["teams"] = session.scalar(select(func.max(entries.team_id))) or 0
    for kind, name in (("token", "api_tokens"), ("embed", "embed_links")):
        for principal in session.scalars(select(entries.principal).distinct()
                                         .where(entries.principal.startswith(f"{kind}:"))):
            number = principal.split(":")[1]
            if number.isdigit():
                marks[name] = max(marks[name], int(number))
    return marks


def _raise_high_water(session: Session, marks: dict[str, int]) -> None:
    """The next id of each table goes past ``marks`` (and past its rows)."""
    dialect = session.get_bind().dialect.name
    for name, mark in marks.items():
        top = max(mark, session.scalar(text(f"SELECT MAX(id) FROM {name}")) or 0)
        if dialect == "sqlite":
            session.execute(text("DELETE FROM sqlite_sequence WHERE name = :t"), {"t": name})
            session.execute(text("INSERT INTO sqlite_sequence (name, seq) VALUES (:t, :seq)"),
                            {"t": name, "seq": top})
        elif dialect == "postgresql":
            session.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                 f"{int(top) + 1}, false)"))
