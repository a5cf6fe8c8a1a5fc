"""Catalogue: the regional and health actors a Danish case has, and more common units.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02

A case seldom stays within the municipality: the region's psychiatry, the
citizen's own doctor, a nurse, a private employer, a debt adviser from an
association. Their names in the catalogue let a caseworker pick them, and
``app/graph/meaning.py`` knows where each belongs in the envelope (a copy of the
names, not an import: a migration stays as it was written). Names an admin has
already added (in any case) are left alone.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CATALOGUE: dict[str, list[tuple[str, str | None]]] = {
    "organisation": [
        ("Region (sundhed og psykiatri)", "Organisationer"),
        ("Regionspsykiatrien", "Organisationer: regionens psykiatri"),
        ("Psykiatrisk ambulatorium", "Organisationer: regionens psykiatri"),
        ("Hospital", "Organisationer"),
        ("Lægepraksis (egen læge)", "Organisationer: praktiserende læge"),
        ("Privat praksis", "Organisationer: fx psykolog, fysioterapeut"),
        ("Privat arbejdsgiver", "Organisationer"),
        ("Udbetaling Danmark", "Organisationer"),
        ("Kriminalforsorgen", "Organisationer"),
        ("A-kasse", "Organisationer"),
        ("Borgerservice", "Afdelinger: kommunens egen enhed"),
        ("PPR (Pædagogisk Psykologisk Rådgivning)", "Afdelinger: kommunens egen enhed"),
        ("Hjemmeplejen", "Afdelinger: kommunens egen enhed"),
        ("Forening", "Civilsamfund"),
        ("Frivillig organisation", "Civilsamfund"),
    ],
    "profession": [
        ("Sygeplejerske", "Organisationer"),
        ("Psykiatrisk sygeplejerske", "Organisationer"),
        ("Hjemmesygeplejerske", "Afdelinger"),
        ("Egen læge", "Organisationer"),
        ("Praktiserende læge", "Organisationer"),
        ("Psykiater", "Organisationer"),
        ("Fysioterapeut", "Organisationer"),
        ("Jordemoder", "Organisationer"),
        ("Arbejdsgiver", "Organisationer"),
        ("Gældsrådgiver", "Civilsamfund"),
        ("Frivillig", "Civilsamfund"),
    ],
}

catalogue = sa.table(
    "catalogue_entries",
    sa.column("kind", sa.String),
    sa.column("name", sa.String),
    sa.column("note", sa.String),
)


def upgrade() -> None:
    bind = op.get_bind()
    taken = {(kind, name.lower()) for kind, name in
             bind.execute(sa.select(catalogue.c.kind, catalogue.c.name))}
    rows = [{"kind": kind, "name": name, "note": note}
            for kind, entries in CATALOGUE.items() for name, note in entries
            if (kind, name.lower()) not in taken]
    if rows:
        op.bulk_insert(catalogue, rows)


def downgrade() -> None:
    for kind, entries in CATALOGUE.items():
        op.execute(
            catalogue.delete().where(
                catalogue.c.kind == kind, catalogue.c.name.in_([n for n, _ in entries])
            )
        )
