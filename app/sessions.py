"""Browser logins: check a password, lock after repeated failures, keep a server-side
session that ends on logout or after inactivity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from app import live
from app import models as m
from app.audit import audit
from app.auth import Principal
from app.config import Settings
from app.errors import N_, NotAuthenticated, ServiceError
from app.security import check_password, hash_token, new_secret


class LoginRefused(ServiceError):
    """Unknown user, wrong password, deactivated or locked account: one answer for all,
    so the form does not tell an attacker which usernames exist."""

    status = 401
    code = "login_refused"
    message = N_("Forkert brugernavn eller adgangskode. Efter for mange forkerte forsøg "
                 "låses kontoen, hvis den findes, i et stykke tid.")


class TooManyAttempts(ServiceError):
    status = 429
    code = "too_many_attempts"
    message = N_("For mange mislykkede forsøg fra denne forbindelse. Vent et kvarter, "
                 "og prøv igen.")


@dataclass(frozen=True)
class WebLogin:
    """What a page needs to know about the person logged in."""

    principal: Principal
    username: str
    roles: dict[int, str]  # team id -> role
    csrf: str
    lang: str


def _aware(value: datetime) -> datetime:
    """SQLite hands times back without a zone; they are UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def principal_for_user(user: m.User) -> Principal:
    """The user's rights, team by team: every role sees, every role but reader writes."""
    return _principal(user.username, {ms.team_id: ms.role for ms in user.memberships})


def _principal(username: str, roles: dict[int, str]) -> Principal:
    return Principal(
        name=f"user:{username}",
        team_ids=frozenset(roles),
        write_team_ids=frozenset(team for team, role in roles.items() if role != "reader"),
        channel="web",
    )


THROTTLE_WINDOW = timedelta(minutes=15)
_REFUSED = ("login_failed", "login_locked")  # what counts towards a throttle


def _throttled(session: Session, settings: Settings, now: datetime, where: str,
               principal: str) -> bool:
    """Too many refused logins lately from this address: for this account, or in all.

    Keyed on the account too, so that someone hammering one account from an address
    that many share (an office behind one NAT, a misconfigured proxy) does not lock the
    others out: they wait only when the address as a whole fails far more often.
    Only real refusals count, not the throttled attempts themselves.
    """
    recent = select(func.count()).where(
        m.AuditEntry.action.in_(_REFUSED), m.AuditEntry.detail == where,
        m.AuditEntry.at > now - THROTTLE_WINDOW)
    if (session.scalar(recent.where(m.AuditEntry.principal == principal)) or 0) \
            >= settings.login_account_ip_max_failures:
        return True
    return (session.scalar(recent) or 0) >= settings.login_ip_max_failures


def log_in(session: Session, settings: Settings, username: str, password: str,
           address: str = "") -> str:
    """Check the password and open a session; returns the cookie value.

    The same answer, after the same argon2 work, for an unknown user, a wrong password,
    a deactivated and a locked account, so neither the answer nor the time it takes
    tells an attacker which usernames exist. ``address`` is the client's real address
    (behind a proxy in KUVERT_TRUSTED_PROXIES: from X-Forwarded-For, see app/main.py).
    """
    now = datetime.now(UTC)
    name = username.strip()
    where = f"ip={address}"
    who = Principal(name=f"user:{name[:100]}", team_ids=frozenset(), channel="web")
    if address and _throttled(session, settings, now, where, who.name):
        audit(session, who, "login_throttled", detail=where)
        session.commit()
        raise TooManyAttempts()
    user = session.scalar(select(m.User).where(m.User.username == name))
    right = check_password(password, user.password_hash if user is not None else None)
    if user is not None and user.locked_until and _aware(user.locked_until) > now:
        audit(session, who, "login_locked", detail=where)
        session.commit()
        raise LoginRefused()
    if user is None or not user.active or not right:
        if user is not None:
            user.failed_logins += 1
            if user.failed_logins >= settings.login_max_failures:
                user.locked_until = now + timedelta(minutes=settings.login_lock_minutes)
                user.failed_logins = 0
                audit(session, who, "account_locked")
        audit(session, who, "login_failed", detail=where)
        session.commit()
        raise LoginRefused()
    user.failed_logins = 0
    user.locked_until = None
    token = new_secret()
    session.add(m.WebSession(token_hash=hash_token(token), user_id=user.id, csrf=new_secret()))
    audit(session, principal_for_user(user), "login", detail=f"method=password {where}")
    session.commit()
    return token


def open_session(session: Session, user: m.User, method: str, detail: str | None = None) -> str:
    """Open a browser session for a user already proven to be who they are; audited as a
    login by ``method`` ("password", "oidc", "saml"). Returns the cookie value."""
    token = new_secret()
    session.add(m.WebSession(token_hash=hash_token(token), user_id=user.id, csrf=new_secret()))
    audit(session, principal_for_user(user), "login",
          detail=f"method={method}" + (f" {detail}" if detail else ""))
    session.commit()
    return token


_S = m.WebSession.__table__
_U = m.User.__table__
_M = m.Membership.__table__

# The session, its user and the user's memberships in one statement of plain rows (one
# row per membership; the outer join keeps a user who has none). Three ORM loads (the
# session, then ``row.user``, then ``user.memberships``) were the larger part of every
# page's own work before it drew anything (py-spy of the case list under wrk).
_LOGIN = (select(_S.c.id, _S.c.csrf, _S.c.lang, _S.c.last_seen_at, _U.c.username,
                 _U.c.active, _M.c.team_id, _M.c.role)
          .select_from(_S.join(_U, _U.c.id == _S.c.user_id)
                       .outerjoin(_M, _M.c.user_id == _U.c.id))
          .where(_S.c.token_hash == bindparam("token_hash")))


def current_login(session: Session, settings: Settings, token: str | None) -> WebLogin:
    """The login behind a session cookie, or NotAuthenticated if there is none or it idled out."""
    if not token:
        raise NotAuthenticated(N_("Du skal logge ind."))
    rows = session.execute(_LOGIN, {"token_hash": hash_token(token)}).all()
    now = datetime.now(UTC)
    if not rows:
        raise NotAuthenticated(N_("Du skal logge ind."))
    first = rows[0]
    idle = now - _aware(first.last_seen_at)
    if idle > timedelta(minutes=settings.session_idle_minutes):
        session.execute(delete(m.WebSession).where(m.WebSession.id == first.id))
        session.commit()
        raise NotAuthenticated(N_("Du var inaktiv for længe og er blevet logget ud."))
    if not first.active:
        raise NotAuthenticated(N_("Kontoen er deaktiveret."))
    if idle > timedelta(minutes=1):  # one write a minute is enough
        session.execute(update(m.WebSession).where(m.WebSession.id == first.id)
                        .values(last_seen_at=now))
        session.commit()
    roles = {row.team_id: row.role for row in rows if row.team_id is not None}
    return WebLogin(principal=_principal(first.username, roles), username=first.username,
                    roles=roles, csrf=first.csrf, lang=first.lang)


def log_out(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(m.WebSession).where(m.WebSession.token_hash == hash_token(token)))
        live.end_streams(session, "logout", web_session=hash_token(token))
        session.commit()
