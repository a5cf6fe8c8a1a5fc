"""Events keep their summary as a catalogue message too, so history speaks the reader's language.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03

``events.summary_message`` (JSON, nullable) holds the summary's Danish template (a
msgid of the catalogue) and its values, nested where a value is itself words ("Fortrudt:
%(change)s" holds the change it undid; a changed field's name is a word of its own).
``events.summary`` stays as it was, the Danish sentence, for exports, backups and
older events: those get no message (their words cannot be taken apart again safely)
and keep showing their Danish text. The downgrade drops the column; the Danish
summaries are all a downgraded Kuvert needs.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("events", sa.Column("summary_message", sa.JSON(none_as_null=True),
                                      nullable=True))


def downgrade() -> None:
    # SQLite drops a column in place (3.35+): no copy of the whole history table.
    with op.batch_alter_table("events", recreate="never") as batch_op:
        batch_op.drop_column("summary_message")
