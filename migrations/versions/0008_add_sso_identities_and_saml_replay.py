"""Sign-on: who users are at the identity provider, and the SAML requests and assertions
already seen.

Revision ID: 0008
Revises: 0005
Create Date: 2026-11-24

- ``sso_identities``: (issuer, subject) of an OIDC provider or SAML IdP -> user;
  a sign-on finds its user by the provider's subject, not by a shared username.
- ``saml_requests``: AuthnRequest ids sent and not yet answered; a response must
  answer one of them (InResponseTo), once.
- ``saml_used_assertions``: assertion ids already used, until they expire; a second
  use is a replay and is refused.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sso_identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("issuer", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_sso_identities_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sso_identities")),
        sa.UniqueConstraint("issuer", "subject", name=op.f("uq_sso_identities_issuer_subject")),
    )
    op.create_index(op.f("ix_sso_identities_user_id"), "sso_identities", ["user_id"])
    op.create_table(
        "saml_requests",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("next", sa.String(length=2000), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saml_requests")),
    )
    op.create_index(op.f("ix_saml_requests_expires_at"), "saml_requests", ["expires_at"])
    op.create_table(
        "saml_used_assertions",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saml_used_assertions")),
    )
    op.create_index(op.f("ix_saml_used_assertions_expires_at"), "saml_used_assertions",
                    ["expires_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_saml_used_assertions_expires_at"), table_name="saml_used_assertions")
    op.drop_table("saml_used_assertions")
    op.drop_index(op.f("ix_saml_requests_expires_at"), table_name="saml_requests")
    op.drop_table("saml_requests")
    op.drop_index(op.f("ix_sso_identities_user_id"), table_name="sso_identities")
    op.drop_table("sso_identities")
