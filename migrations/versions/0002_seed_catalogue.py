"""Seed the catalogue with the units and professions named in the source documents.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

Names come from the seeds (Aarhus MSB's driftsområder and centres, the
Fredericia and Assens units, the professions the texts mention), so that a
caseworker picks "Unge, Uddannelse og Job" instead of typing it five ways.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CATALOGUE: dict[str, list[tuple[str, str | None]]] = {
    "panel": [
        ("afdelinger", "Afdelinger: egen forvaltnings driftsområder og centre"),
        ("organisationer", "Organisationer: andre offentlige og private organisationer"),
        ("civilsamfund", "Civilsamfund: foreninger, frivillige, arbejdsgivere"),
        ("netvaerk", "Netværk: borgerens eget netværk"),
    ],
    "sector": [
        ("beskæftigelse", None),
        ("social", None),
        ("sundhed", None),
        ("uddannelse", None),
        ("bolig", None),
        ("civilsamfund", None),
        ("privat netværk", None),
    ],
    "organisation": [
        ("Børn og Familier", "MSB, Aarhus"),
        ("Unge, Uddannelse og Job", "MSB, Aarhus: koordinerer for unge 15-29 år"),
        ("Job og Uddannelse", "MSB, Aarhus"),
        ("Job, Sundhed og Ydelse", "MSB, Aarhus: bl.a. ydelser og rusmiddelbehandling"),
        ("Socialpsykiatri og Udsatte Voksne", "MSB, Aarhus"),
        ("Sociallægeinstitutionen", "MSB, Aarhus"),
        ("Rusmiddelcenter Aarhus", "MSB, Aarhus"),
        ("Sundhed og Omsorg", "Aarhus Kommune"),
        ("Børn og Unge", "Aarhus Kommune"),
        ("Jobcenter", None),
        ("Frivillighedscenter", None),
        ("Din Indgang", "Fredericia Kommune"),
        ("Job og Familie", "Assens Kommune"),
        ("Opgang til Opgang", "Aarhus, Gellerup"),
    ],
    "profession": [
        ("Sagsbehandler", None),
        ("Koordinerende sagsbehandler", None),
        ("Socialrådgiver", None),
        ("Myndighedsrådgiver", None),
        ("Myndighedskoordinator", None),
        ("UU-vejleder", None),
        ("Jobkonsulent", None),
        ("Virksomhedskonsulent", None),
        ("Jobcentermedarbejder", None),
        ("Mentor", None),
        ("Støttekontaktperson", None),
        ("Familiebehandler", None),
        ("Visitator", None),
        ("Frivilligkoordinator", None),
        ("Misbrugsbehandler", None),
        ("Sundhedsplejerske", None),
        ("Psykolog", None),
        ("Pædagog", None),
        ("Lærer", None),
        ("Læge", None),
        ("Tolk", None),
    ],
}

catalogue = sa.table(
    "catalogue_entries",
    sa.column("kind", sa.String),
    sa.column("name", sa.String),
    sa.column("note", sa.String),
)


def upgrade() -> None:
    op.bulk_insert(
        catalogue,
        [
            {"kind": kind, "name": name, "note": note}
            for kind, entries in CATALOGUE.items()
            for name, note in entries
        ],
    )


def downgrade() -> None:
    for kind, entries in CATALOGUE.items():
        op.execute(
            catalogue.delete().where(
                catalogue.c.kind == kind, catalogue.c.name.in_([n for n, _ in entries])
            )
        )
