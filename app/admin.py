"""Administration: the users, API tokens and catalogue an admin looks after.

An admin manages the teams in which they hold the ``admin`` role, and nothing
else: another team's users and tokens answer "not found". The catalogue is shared
by all teams, so every admin may change it. Every change is one transaction that
also writes an ``admin:…`` audit entry naming the admin.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, delete, func, literal, select
from sqlalchemy.orm import Session, selectinload

from app import accounts, live
from app import models as m
from app.accounts import SCOPES, Invalid, check_role
from app.audit import audit
from app.auth import Principal
from app.errors import N_, Conflict, Forbidden, NotFound
from app.graph.text import TEXT_CODES, text_problem
from app.security import hash_token, new_token

__all__ = [
    "KINDS",
    "Admin",
    "Invalid",
    "TeamOverview",
    "UserRow",
    "add_catalogue_entry",
    "admin_of",
    "catalogue",
    "change_role",
    "create_token",
    "create_user",
    "overview",
    "remove_catalogue_entry",
    "revoke_token",
    "set_active",
    "set_site_admin",
    "teams",
    "tokens",
    "unlock_user",
    "users",
]

KINDS = ("sector", "profession", "organisation", "panel")


def _check_text(value: str) -> None:
    """The same check as every other text (app.graph.text): NUL, invisible characters, CPR."""
    code = text_problem(value)
    if code is not None:
        raise Invalid(TEXT_CODES[code], problem=code)


@dataclass(frozen=True)
class Admin:
    """Who administers, and which teams: the person for the audit log, the teams for access."""

    principal: Principal
    team_ids: frozenset[int]
    user_id: int
    # Also reads the audit entries of no team: unknown names' failed logins, system jobs.
    site_admin: bool = False


def admin_of(session: Session, principal: Principal, username: str,
             roles: dict[int, str]) -> Admin:
    """The admin behind a login, or Forbidden if the person is admin of no team (and no
    site admin)."""
    team_ids = frozenset(team for team, role in roles.items() if role == "admin")
    user = session.execute(select(m.User.id, m.User.site_admin)
                           .where(m.User.username == username)).first()
    if user is None or not (team_ids or user.site_admin):
        raise Forbidden(N_("Kun administratorer har adgang til administrationen."))
    return Admin(principal=principal, team_ids=team_ids, user_id=user.id,
                 site_admin=bool(user.site_admin))


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    """SQLite hands times back without a zone; they are UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _team(admin: Admin, team_id: int) -> int:
    if team_id not in admin.team_ids:
        raise Forbidden(N_("Du er ikke administrator for det team."))
    return team_id


# --- reading ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamOverview:
    id: int
    name: str
    users: int
    admins: int
    tokens: int


def teams(session: Session, admin: Admin) -> list[m.Team]:
    """The teams the admin administers, by name."""
    return list(session.scalars(
        select(m.Team).where(m.Team.id.in_(admin.team_ids)).order_by(m.Team.name)))


def overview(session: Session, admin: Admin) -> list[TeamOverview]:
    """Each administered team with its number of users, admins and live tokens."""
    result = []
    for team in teams(session, admin):
        members = session.scalars(
            select(m.Membership.role).where(m.Membership.team_id == team.id)).all()
        live = session.scalar(select(func.count()).where(
            m.ApiToken.team_id == team.id, m.ApiToken.revoked_at.is_(None))) or 0
        result.append(TeamOverview(id=team.id, name=team.name, users=len(members),
                                   admins=sum(role == "admin" for role in members),
                                   tokens=live))
    return result


@dataclass(frozen=True)
class UserRow:
    """A user as an admin sees them: only the memberships of teams the admin manages."""

    id: int
    username: str
    active: bool
    locked: bool
    failed_logins: int
    memberships: list[tuple[m.Team, str]]  # (team, role)


def users(session: Session, admin: Admin) -> list[UserRow]:
    """The users of the administered teams, by username."""
    now = _now()
    found = session.scalars(
        select(m.User)
        .where(m.User.id.in_(select(m.Membership.user_id)
                             .where(m.Membership.team_id.in_(admin.team_ids))))
        .options(selectinload(m.User.memberships).selectinload(m.Membership.team))
        .order_by(m.User.username)
    )
    return [
        UserRow(
            id=user.id, username=user.username, active=user.active,
            locked=bool(user.locked_until and _aware(user.locked_until) > now),
            failed_logins=user.failed_logins,
            memberships=sorted(((ms.team, ms.role) for ms in user.memberships
                                if ms.team_id in admin.team_ids), key=lambda p: p[0].name),
        )
        for user in found
    ]


def tokens(session: Session, admin: Admin) -> list[m.ApiToken]:
    """The API tokens of the administered teams, newest first (revoked ones too)."""
    return list(session.scalars(
        select(m.ApiToken).where(m.ApiToken.team_id.in_(admin.team_ids))
        .options(selectinload(m.ApiToken.team))
        .order_by(m.ApiToken.created_at.desc(), m.ApiToken.id.desc())))


def catalogue(session: Session) -> dict[str, list[m.CatalogueEntry]]:
    """The catalogue per kind, each kind sorted by name."""
    found: dict[str, list[m.CatalogueEntry]] = {kind: [] for kind in KINDS}
    for entry in session.scalars(select(m.CatalogueEntry).order_by(m.CatalogueEntry.name)):
        found.setdefault(entry.kind, []).append(entry)
    return found


# --- users -----------------------------------------------------------------------------


def _managed_user(session: Session, admin: Admin, user_id: int) -> m.User:
    """A user in one of the admin's teams; any other user is "not found"."""
    user = session.get(m.User, user_id)
    if user is None or not any(ms.team_id in admin.team_ids for ms in user.memberships):
        raise NotFound(N_("Brugeren findes ikke, eller du administrerer ikke brugerens team."))
    return user


def create_user(session: Session, admin: Admin, username: str, password: str,
                team_id: int, role: str) -> m.User:
    """A new active user in one of the admin's teams, by the rules of
    :func:`app.accounts.create_user`."""
    return accounts.create_user(session, username, password, _team(admin, team_id), role,
                                by=admin.principal)


def _keeps_an_admin(session: Session, team_id: int, leaving: int) -> bool:
    """Whether the team still has an active admin other than user ``leaving``."""
    others = session.scalar(
        select(func.count()).select_from(m.Membership).join(m.User)
        .where(m.Membership.team_id == team_id, m.Membership.role == "admin",
               m.Membership.user_id != leaving, m.User.active.is_(True))
    ) or 0
    return others > 0


def change_role(session: Session, admin: Admin, user_id: int, team_id: int, role: str) -> None:
    """Give the user another role in one of the admin's teams."""
    user = _managed_user(session, admin, user_id)
    _team(admin, team_id)
    check_role(role)
    membership = next((ms for ms in user.memberships if ms.team_id == team_id), None)
    if membership is None:
        raise NotFound(N_("Brugeren er ikke med i det team."))
    if membership.role == role:
        return
    if membership.role == "admin" and not _keeps_an_admin(session, team_id, user.id):
        raise Conflict(N_("Teamet skal have mindst én aktiv administrator."))
    before, membership.role = membership.role, role
    audit(session, admin.principal, "admin:role_changed", team_id=team_id,
          detail=f"user={user.username} role={before}->{role}")
    session.commit()


def set_active(session: Session, admin: Admin, user_id: int, active: bool) -> None:
    """Deactivate a user (their sessions end at once) or let them in again."""
    user = _managed_user(session, admin, user_id)
    if user.active == active:
        return
    if not active:
        if user.id == admin.user_id:
            raise Conflict(N_("Du kan ikke deaktivere dig selv."))
        for ms in user.memberships:
            if ms.role == "admin" and not _keeps_an_admin(session, ms.team_id, user.id):
                raise Conflict(N_("Teamet skal have mindst én aktiv administrator."))
        session.execute(delete(m.WebSession).where(m.WebSession.user_id == user.id))
        live.end_streams(session, "deactivated", user_id=user.id)
    user.active = active
    audit(session, admin.principal,
          "admin:user_reactivated" if active else "admin:user_deactivated",
          team_id=_first_team(admin, user), detail=f"user={user.username}")
    session.commit()


def unlock_user(session: Session, admin: Admin, user_id: int) -> None:
    """Lift a lock after failed logins, and start counting failures from zero."""
    user = _managed_user(session, admin, user_id)
    user.locked_until = None
    user.failed_logins = 0
    audit(session, admin.principal, "admin:user_unlocked", team_id=_first_team(admin, user),
          detail=f"user={user.username}")
    session.commit()


def _first_team(admin: Admin, user: m.User) -> int | None:
    return min((ms.team_id for ms in user.memberships if ms.team_id in admin.team_ids),
               default=None)


def set_site_admin(session: Session, who: Principal, username: str, on: bool) -> m.User:
    """Make a user site admin (or no longer): only from the command line, by whoever runs
    the server. A site admin reads the audit entries of no team, see :func:`visible_to`."""
    user = session.scalar(select(m.User).where(m.User.username == username.strip()))
    if user is None:
        raise NotFound(N_("Brugeren «%(name)s» findes ikke."), params={"name": username})
    if user.site_admin != on:
        user.site_admin = on
        audit(session, who, "admin:site_admin_granted" if on else "admin:site_admin_revoked",
              detail=f"user={user.username}")
        session.commit()
    return user


# --- API tokens ------------------------------------------------------------------------


def create_token(session: Session, admin: Admin, team_id: int, name: str,
                 scope: str) -> tuple[m.ApiToken, str]:
    """A new token for one of the admin's teams; the secret is returned once, never stored."""
    _team(admin, team_id)
    name = " ".join(name.split())
    if not name or len(name) > 100:
        raise Invalid(N_("Giv nøglen et navn på 1-100 tegn, fx systemet der bruger den."))
    _check_text(name)
    if scope not in SCOPES:
        raise Invalid(N_("Vælg om nøglen må læse eller også skrive."))
    secret = new_token()
    row = m.ApiToken(team_id=team_id, name=name, scope=scope, token_hash=hash_token(secret),
                     prefix=secret[:8])
    session.add(row)
    session.flush()
    audit(session, admin.principal, "admin:token_created", team_id=team_id,
          detail=f"token={row.id} name={name} scope={scope}")
    session.commit()
    return row, secret


def revoke_token(session: Session, admin: Admin, token_id: int) -> None:
    """Withdraw a token: from now on it gets 401. Revoking twice changes nothing."""
    row = session.get(m.ApiToken, token_id)
    if row is None or row.team_id not in admin.team_ids:
        raise NotFound(N_("Nøglen findes ikke, eller du administrerer ikke dens team."))
    if row.revoked_at is not None:
        return
    row.revoked_at = _now()
    audit(session, admin.principal, "admin:token_revoked", team_id=row.team_id,
          detail=f"token={row.id} name={row.name}")
    session.commit()


# --- catalogue -------------------------------------------------------------------------


def add_catalogue_entry(session: Session, admin: Admin, kind: str, name: str,
                        note: str | None = None) -> m.CatalogueEntry:
    """A new name to pick from when adding actors."""
    if kind not in KINDS:
        raise Invalid(N_("Vælg sektor, faggruppe, organisation eller placering."))
    name = " ".join(name.split())
    note = " ".join((note or "").split()) or None
    if not name or len(name) > m.SHORT or (note and len(note) > m.SHORT):
        raise Invalid(N_("Navn og note må højst være %(n)s tegn, og navnet skal udfyldes."),
                      params={"n": m.SHORT})
    _check_text(name)
    _check_text(note or "")
    taken = session.scalar(select(m.CatalogueEntry.id).where(
        m.CatalogueEntry.kind == kind, func.lower(m.CatalogueEntry.name) == name.lower()))
    if taken is not None:
        raise Conflict(N_("«%(name)s» står allerede i kataloget."), params={"name": name})
    entry = m.CatalogueEntry(kind=kind, name=name, note=note)
    session.add(entry)
    session.flush()
    audit(session, admin.principal, "admin:catalogue_added", detail=f"{kind}={name}")
    session.commit()
    return entry


def remove_catalogue_entry(session: Session, admin: Admin, entry_id: int) -> None:
    """Take a name out of the catalogue; actors that already use it keep it."""
    entry = session.get(m.CatalogueEntry, entry_id)
    if entry is None:
        raise NotFound(N_("Punktet findes ikke i kataloget."))
    audit(session, admin.principal, "admin:catalogue_removed",
          detail=f"{entry.kind}={entry.name}")
    session.delete(entry)
    session.commit()


# --- the audit log ---------------------------------------------------------------------


@dataclass(frozen=True)
class AuditQuery:
    case_id: int | None = None
    principal: str | None = None
    action: str | None = None
    since: date | None = None
    until: date | None = None


def visible_to(admin: Admin) -> ColumnElement[bool]:
    """Which audit entries an admin may read.

    - entries of the teams they administer;
    - entries of no team written by a user of those teams (logins, failed logins and
      locks of a known name, catalogue changes, audit searches, searches across teams);
    - for a site admin, every entry of no team (an unknown name's failed login,
      system jobs such as purges and exports).

    Another team's entries stay with that team's admins.
    """
    entry = m.AuditEntry
    members = (select(literal("user:") + m.User.username)
               .join(m.Membership, m.Membership.user_id == m.User.id)
               .where(m.Membership.team_id.in_(admin.team_ids)))
    teamless = entry.team_id.is_(None)
    seen = entry.team_id.in_(admin.team_ids) | (teamless & entry.principal.in_(members))
    return seen | teamless if admin.site_admin else seen


def audit_log(session: Session, admin: Admin, query: AuditQuery,
              limit: int = 500) -> list[m.AuditEntry]:
    """Audit entries the admin may read (:func:`visible_to`), newest first; the search
    itself is audited with its criteria (a name searched for is erased with a case it
    names, :func:`app.audit.forget_case`)."""
    stmt = select(m.AuditEntry).where(visible_to(admin))
    if query.case_id is not None:
        stmt = stmt.where(m.AuditEntry.case_id == query.case_id)
    if query.principal:
        stmt = stmt.where(m.AuditEntry.principal.contains(query.principal, autoescape=True))
    if query.action:
        stmt = stmt.where(m.AuditEntry.action.startswith(query.action, autoescape=True))
    if query.since:
        stmt = stmt.where(m.AuditEntry.at >= datetime.combine(query.since, time(), UTC))
    if query.until:
        stmt = stmt.where(m.AuditEntry.at < datetime.combine(query.until, time(), UTC)
                          + timedelta(days=1))
    rows = list(session.scalars(stmt.order_by(m.AuditEntry.at.desc(), m.AuditEntry.id.desc())
                                .limit(limit)))
    audit(session, admin.principal, "admin:audit_search", detail=_criteria(query),
          term=query.principal, team_id=min(admin.team_ids) if len(admin.team_ids) == 1
          else None)
    session.commit()
    return rows


def _criteria(query: AuditQuery) -> str:
    return (f"case_id={query.case_id!r} principal={query.principal!r} "
            f"action={query.action!r} since={query.since} until={query.until}")


def audit_csv(rows: list[m.AuditEntry]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["at", "principal", "team_id", "case_id", "action", "channel", "detail"])
    for row in rows:
        writer.writerow([_aware(row.at).isoformat(), row.principal, row.team_id, row.case_id,
                         row.action, row.channel, _cell(row.detail or "")])
    return out.getvalue()


def _cell(text: str) -> str:
    """No spreadsheet formula can hide in an exported cell (search terms are user text)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
