"""The database tables, as SQLAlchemy 2 typed models.

Only Alembic creates these tables (``migrations/``); a test checks the two agree.
A case's network is also stored as rows (actors, couplings, agreements) so that the
database itself keeps keys unique and couplings pointing at real actors. The graph
document is read from the event that made the case's current version
(``Event.document``, see ``app.cases.document_of``), never rebuilt from the rows; tests
rebuild it (``app.cases.rows_document``) only to prove the rows agree with the history.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base

SHORT = 200
LONG = 2000

# On SQLite, a table without AUTOINCREMENT gives the next row max(id) + 1: after the
# newest row was deleted, its id (and what still names it: audit entries, live streams)
# went to the next one. Every table whose id outlives its row never reuses one
# (PostgreSQL's sequences never do). Migration 0009.
NEVER_REUSE = {"sqlite_autoincrement": True}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Team(Base):
    __tablename__ = "teams"
    __table_args__ = NEVER_REUSE

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(SHORT), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class User(Base):
    __tablename__ = "users"
    __table_args__ = NEVER_REUSE

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(SHORT), unique=True)
    password_hash: Mapped[str] = mapped_column(String(SHORT))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # May read the audit entries of no team (unknown names' failed logins, system jobs).
    site_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )


class Membership(Base):
    """A user's role in one team: reader, editor, coordinator or admin."""

    __tablename__ = "memberships"
    __table_args__ = (
        CheckConstraint("role IN ('reader', 'editor', 'coordinator', 'admin')", name="role"),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(20))

    user: Mapped[User] = relationship(back_populates="memberships")
    team: Mapped[Team] = relationship()


class ApiToken(Base):
    """A REST client's credential; only a SHA-256 of the secret is kept."""

    __tablename__ = "api_tokens"
    __table_args__ = (CheckConstraint("scope IN ('read', 'write')", name="scope"), NEVER_REUSE)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(SHORT))
    scope: Mapped[str] = mapped_column(String(10))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    team: Mapped[Team] = relationship()


class Case(Base):
    """One citizen's network (borgerforløb); never holds a CPR number."""

    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint(
            "target_group IN ('boern', 'unge', 'voksne', 'familie')", name="target_group"
        ),
        CheckConstraint("status IN ('open', 'closed')", name="status"),
        CheckConstraint("version >= 1", name="version"),
        # The case list and search (:func:`app.cases.page_of`): the matches, their order
        # and the prototype filter come from this covering index, not the wide rows.
        Index("ix_cases_search", "team_id", "label_folded", "external_ref", "updated_at",
              "profession_count", "sector_count"),
        # Search on PostgreSQL: trigrams make ``label_folded LIKE '%q%'`` and the
        # reference's ILIKE index lookups (together, as a BitmapOr). SQLite ignores the
        # ``postgresql_*`` options: there it is a plain index.
        Index("ix_cases_label_folded", "label_folded", "external_ref", postgresql_using="gin",
              postgresql_ops={"label_folded": "gin_trgm_ops", "external_ref": "gin_trgm_ops"}),
        NEVER_REUSE,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="RESTRICT"))
    label: Mapped[str] = mapped_column(String(SHORT))
    label_folded: Mapped[str] = mapped_column(String(SHORT))
    target_group: Mapped[str] = mapped_column(String(20))
    external_ref: Mapped[str | None] = mapped_column(String(SHORT))
    coordinator_key: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10), default="open")
    version: Mapped[int] = mapped_column(Integer, default=1)
    consent_given: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_date: Mapped[date | None] = mapped_column(Date)
    consent_scope: Mapped[str | None] = mapped_column(String(LONG))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Distinct professions and sectors among the actors (docs/design.md §2), kept by the service
    # layer on every write: the prototype filter is then SQL over the configured thresholds.
    profession_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    sector_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    team: Mapped[Team] = relationship()
    actors: Mapped[list[Actor]] = relationship(
        back_populates="case", cascade="all, delete-orphan", passive_deletes=True,
        order_by="Actor.position",
    )
    couplings: Mapped[list[Coupling]] = relationship(
        back_populates="case", cascade="all, delete-orphan", passive_deletes=True,
        order_by="Coupling.position",
    )


class Actor(Base):
    __tablename__ = "actors"
    __table_args__ = (
        UniqueConstraint("case_id", "key"),
        CheckConstraint(
            "kind IN ('citizen', 'professional', 'organisation', 'network', 'volunteer')",
            name="kind",
        ),
        CheckConstraint("ring IS NULL OR ring BETWEEN 1 AND 3", name="ring"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(SHORT))
    profession: Mapped[str | None] = mapped_column(String(SHORT))
    sector: Mapped[str | None] = mapped_column(String(SHORT))
    organisation: Mapped[str | None] = mapped_column(String(SHORT))
    panel: Mapped[str | None] = mapped_column(String(20))
    ring: Mapped[int | None] = mapped_column(Integer)
    contribution: Mapped[str | None] = mapped_column(String(LONG))
    contact: Mapped[str | None] = mapped_column(String(SHORT))

    case: Mapped[Case] = relationship(back_populates="actors")


class Coupling(Base):
    __tablename__ = "couplings"
    __table_args__ = (
        UniqueConstraint("case_id", "source_id", "target_id"),
        CheckConstraint("state IN ('needed', 'established', 'weak', 'strained')", name="state"),
        CheckConstraint("source_id <> target_id", name="not_self"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    source_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(20))
    topic: Mapped[str | None] = mapped_column(String(LONG))

    case: Mapped[Case] = relationship(back_populates="couplings")
    source: Mapped[Actor] = relationship(foreign_keys=[source_id])
    target: Mapped[Actor] = relationship(foreign_keys=[target_id])
    agreements: Mapped[list[Agreement]] = relationship(
        back_populates="coupling", cascade="all, delete-orphan", passive_deletes=True,
        order_by="Agreement.position",
    )


class Agreement(Base):
    """Who does what by when, on one coupling."""

    __tablename__ = "agreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    coupling_id: Mapped[int] = mapped_column(
        ForeignKey("couplings.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    who_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    what: Mapped[str] = mapped_column(String(LONG))
    due: Mapped[date | None] = mapped_column(Date)

    coupling: Mapped[Coupling] = relationship(back_populates="agreements")
    who: Mapped[Actor] = relationship()


class Event(Base):
    """One change to a case: the history. Erased with the case."""

    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("case_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    principal: Mapped[str] = mapped_column(String(SHORT))
    kind: Mapped[str] = mapped_column(String(40))
    #: The summary in Danish words, as every version of Kuvert has stored it.
    summary: Mapped[str] = mapped_column(String(LONG))
    #: The same summary as a catalogue template with its values (``app.graph.words.Message``),
    #: so the history can say it in the reader's language; None on older events.
    summary_message: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)


class Snapshot(Base):
    """A named state of a case ("før", "efter møde 12/3") to compare with later."""

    __tablename__ = "snapshots"
    __table_args__ = (UniqueConstraint("case_id", "name"), NEVER_REUSE)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(SHORT))
    version: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(SHORT))


class AuditEntry(Base):
    """One use of case data; outlives the case it names (by id only, never reused).

    Append-only, except that deleting a case erases the free text of the entries that
    could name its citizen (``detail``, ``term``); who, what and when stay.
    """

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_case_at", "case_id", "at"), NEVER_REUSE)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    principal: Mapped[str] = mapped_column(String(SHORT))
    team_id: Mapped[int | None] = mapped_column(Integer)
    case_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str | None] = mapped_column(String(LONG))
    # A search's free text (search box, an admin's search by name), apart from the
    # other criteria: erased when a case it matches is deleted.
    term: Mapped[str | None] = mapped_column(String(SHORT))


class CatalogueEntry(Base):
    """A name to pick from when adding actors: sector, profession, organisation, panel."""

    __tablename__ = "catalogue_entries"
    __table_args__ = (
        UniqueConstraint("kind", "name"),
        CheckConstraint(
            "kind IN ('sector', 'profession', 'organisation', 'panel')", name="kind"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(SHORT))
    note: Mapped[str | None] = mapped_column(String(SHORT))


class WebSession(Base):
    """A browser login. The cookie holds a random id; only its hash is kept here,
    so the app stays stateless and a session can be ended from the server."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    lang: Mapped[str] = mapped_column(String(5), default="da")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user: Mapped[User] = relationship()


class EmbedLink(Base):
    """A read-only, expiring, revocable link to one case's live envelope, for an iframe.

    The link's secret is random and kept only as a hash, like API tokens.
    """

    __tablename__ = "embed_links"
    __table_args__ = NEVER_REUSE

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    note: Mapped[str | None] = mapped_column(String(SHORT))
    pseudonymised: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(SHORT))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SsoIdentity(Base):
    """Who a user is at an identity provider: the provider's own, stable subject.

    A login through the provider finds the user by this, never by a name a local
    account might share.
    """

    __tablename__ = "sso_identities"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    method: Mapped[str] = mapped_column(String(10))
    issuer: Mapped[str] = mapped_column(String(SHORT))
    subject: Mapped[str] = mapped_column(String(SHORT))
    last_login_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user: Mapped[User] = relationship()


class SamlRequest(Base):
    """An AuthnRequest Kuvert sent and has not yet had an answer to (InResponseTo)."""

    __tablename__ = "saml_requests"

    id: Mapped[str] = mapped_column(String(SHORT), primary_key=True)
    next: Mapped[str] = mapped_column(String(LONG))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class SamlUsedAssertion(Base):
    """An assertion already used to log in, kept until it expires: a replay is refused."""

    __tablename__ = "saml_used_assertions"

    id: Mapped[str] = mapped_column(String(SHORT), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
