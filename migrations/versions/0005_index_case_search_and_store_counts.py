"""Index the case list and search; store each case's profession and sector counts.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23

- ``ix_cases_search`` (team, folded label, reference, last change, the two counts)
  answers a search, the list's order and the prototype filter from the index alone;
  it replaces ``ix_cases_team_id``, whose column it starts with.
- ``ix_cases_label_folded`` also covers ``external_ref``; on PostgreSQL it becomes a
  trigram GIN index (``pg_trgm``), which both halves of a search (``label_folded LIKE
  '%q%'``, ``external_ref ILIKE 'q'``) can use.
- ``profession_count``/``sector_count``: the distinct professions and sectors of the
  case's actors (docs/design.md §2), counted here for the cases already stored; from now on
  the service layer keeps them (``kuvert reclassify`` recounts them all).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.graph.classify import normalise

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 2000

cases = sa.table("cases", sa.column("id", sa.Integer), sa.column("profession_count", sa.Integer),
                 sa.column("sector_count", sa.Integer))
actors = sa.table("actors", sa.column("case_id", sa.Integer), sa.column("kind", sa.String),
                  sa.column("profession", sa.String), sa.column("sector", sa.String))


def _count_existing() -> None:
    """Count the stored cases' professions and sectors, a batch of cases at a time."""
    conn = op.get_bind()
    last = 0
    while True:
        ids = list(conn.scalars(sa.select(cases.c.id).where(cases.c.id > last)
                                .order_by(cases.c.id).limit(BATCH)))
        if not ids:
            return
        professions: dict[int, set[str]] = defaultdict(set)
        sectors: dict[int, set[str]] = defaultdict(set)
        rows = conn.execute(sa.select(actors.c.case_id, actors.c.profession, actors.c.sector)
                            .where(actors.c.case_id.between(ids[0], ids[-1]),
                                   actors.c.kind != "citizen"))
        for case_id, profession, sector in rows:
            if profession and normalise(profession):
                professions[case_id].add(normalise(profession))
            if sector and normalise(sector):
                sectors[case_id].add(normalise(sector))
        counted = [{"case": i, "p": len(professions[i]), "s": len(sectors[i])} for i in ids
                   if professions[i] or sectors[i]]
        if counted:
            conn.execute(cases.update().where(cases.c.id == sa.bindparam("case"))
                         .values(profession_count=sa.bindparam("p"),
                                 sector_count=sa.bindparam("s")), counted)
        last = ids[-1]


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.add_column("cases", sa.Column("profession_count", sa.Integer(), server_default="0",
                                     nullable=False))
    op.add_column("cases", sa.Column("sector_count", sa.Integer(), server_default="0",
                                     nullable=False))
    op.create_index("ix_cases_search", "cases", ["team_id", "label_folded", "external_ref",
                                                 "updated_at", "profession_count",
                                                 "sector_count"])
    op.drop_index("ix_cases_team_id", table_name="cases")
    if postgres:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.drop_index("ix_cases_label_folded", table_name="cases")
    op.create_index("ix_cases_label_folded", "cases", ["label_folded", "external_ref"],
                    postgresql_using="gin",
                    postgresql_ops={"label_folded": "gin_trgm_ops",
                                    "external_ref": "gin_trgm_ops"})
    _count_existing()


def downgrade() -> None:
    # pg_trgm stays installed: other databases' objects may use it by now.
    op.drop_index("ix_cases_label_folded", table_name="cases")
    op.create_index("ix_cases_label_folded", "cases", ["label_folded"])
    op.create_index("ix_cases_team_id", "cases", ["team_id"])
    op.drop_index("ix_cases_search", table_name="cases")
    with op.batch_alter_table("cases", recreate="never") as batch_op:
        batch_op.drop_column("sector_count")
        batch_op.drop_column("profession_count")
