"""Actor keys safe in URLs, and stored texts up to the stricter text rules (issue 10).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02

Data only, no schema change. Keys ``.``, ``..`` (or only dots and hyphens) were valid
and break the case page's form URLs (the browser reads them as path steps); the text
rules now refuse invisible characters and recognise CPR numbers written with other
separators. Every stored document (each version in the history, every snapshot) and the
rows beside it are brought up to the rules by :mod:`app.graph.cleanup`, with one key
mapping per case so that its versions still compare. Not reversible: a downgrade leaves
the cleaned data as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from app.graph.classify import normalise
from app.graph.cleanup import clean_document, clean_text

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 200

cases = sa.table("cases", sa.column("id", sa.Integer), sa.column("label", sa.String),
                 sa.column("label_folded", sa.String), sa.column("external_ref", sa.String),
                 sa.column("coordinator_key", sa.String), sa.column("consent_scope", sa.String))
events = sa.table("events", sa.column("id", sa.Integer), sa.column("case_id", sa.Integer),
                  sa.column("version", sa.Integer), sa.column("document", sa.JSON))
snapshots = sa.table("snapshots", sa.column("id", sa.Integer), sa.column("case_id", sa.Integer),
                     sa.column("version", sa.Integer), sa.column("document", sa.JSON))
_ACTOR_TEXTS = ("label", "profession", "sector", "organisation", "contribution", "contact")
actors = sa.table("actors", sa.column("id", sa.Integer), sa.column("case_id", sa.Integer),
                  sa.column("key", sa.String), *(sa.column(f, sa.String) for f in _ACTOR_TEXTS))
couplings = sa.table("couplings", sa.column("id", sa.Integer), sa.column("case_id", sa.Integer),
                     sa.column("topic", sa.String))
agreements = sa.table("agreements", sa.column("id", sa.Integer),
                      sa.column("coupling_id", sa.Integer), sa.column("what", sa.String))


def _changed(row: Any, columns: Sequence[str]) -> dict[str, Any]:
    return {c: clean_text(getattr(row, c)) for c in columns
            if clean_text(getattr(row, c)) != getattr(row, c)}


def _clean_case(conn: sa.Connection, case_id: int) -> None:
    renames: dict[str, str] = {}
    for table in (events, snapshots):
        for row in conn.execute(sa.select(table.c.id, table.c.document)
                                .where(table.c.case_id == case_id)
                                .order_by(table.c.version, table.c.id)):
            cleaned = clean_document(row.document, renames)
            if cleaned != row.document:
                conn.execute(table.update().where(table.c.id == row.id)
                             .values(document=cleaned))
    for row in conn.execute(sa.select(actors).where(actors.c.case_id == case_id)):
        values = _changed(row, _ACTOR_TEXTS)
        if row.key in renames:
            values["key"] = renames[row.key]
        if values:
            conn.execute(actors.update().where(actors.c.id == row.id).values(**values))
    coupling_ids = []
    for row in conn.execute(sa.select(couplings).where(couplings.c.case_id == case_id)):
        coupling_ids.append(row.id)
        if values := _changed(row, ("topic",)):
            conn.execute(couplings.update().where(couplings.c.id == row.id).values(**values))
    if coupling_ids:
        for row in conn.execute(sa.select(agreements)
                                .where(agreements.c.coupling_id.in_(coupling_ids))):
            if values := _changed(row, ("what",)):
                conn.execute(agreements.update().where(agreements.c.id == row.id)
                             .values(**values))
    case = conn.execute(sa.select(cases).where(cases.c.id == case_id)).one()
    values = _changed(case, ("label", "external_ref", "consent_scope"))
    if "label" in values:
        values["label_folded"] = normalise(values["label"])
    if case.coordinator_key in renames:
        values["coordinator_key"] = renames[case.coordinator_key]
    if values:
        conn.execute(cases.update().where(cases.c.id == case_id).values(**values))


def upgrade() -> None:
    conn = op.get_bind()
    last = 0
    while True:
        ids = list(conn.scalars(sa.select(cases.c.id).where(cases.c.id > last)
                                .order_by(cases.c.id).limit(BATCH)))
        if not ids:
            return
        for case_id in ids:
            _clean_case(conn, case_id)
        last = ids[-1]


def downgrade() -> None:
    """Nothing to undo in the schema; the cleaned data stays clean."""
