"""Browser logins: check a password, lock after repeated failures, keep a server-side
session that ends on logout or after inactivity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app import live
from app import models as m
from app.auth import Principal
from app.cases import audit
from app.config import Settings
from app.errors import NotAuthenticated, ServiceError
from app.security import hash_token, new_secret, verify_password


class LoginRefused(ServiceError):
    status = 401
    code = "login_refused"
    message = "Forkert brugernavn eller adgangskode."


class AccountLocked(ServiceError):
    status = 423
    code = "account_locked"
    message = "For mange forkerte forsøg. Kontoen er låst i et stykke tid; prøv igen senere."


class TooManyAttempts(ServiceError):
    status = 429
    code = "too_many_attempts"
    message = "For mange mislykkede forsøg fra denne forbindelse. Vent et kvarter, og prøv igen."


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
    roles = {ms.team_id: ms.role for ms in user.memberships}
    return Principal(
        name=f"user:{user.username}",
        team_ids=frozenset(roles),
        can_write=any(role != "reader" for role in roles.values()),
        channel="web",
    )


def log_in(session: Session, settings: Settings, username: str, password: str,
           address: str = "") -> str:
    """Check the password and open a session; returns the cookie value.

    The same answer for an unknown user and a wrong password, so the form does not
    tell an attacker which usernames exist.
    """
    now = datetime.now(UTC)
    where = f"ip={address}"
    recent = session.scalar(select(func.count()).where(
        m.AuditEntry.action == "login_failed", m.AuditEntry.detail == where,
        m.AuditEntry.at > now - timedelta(minutes=15))) or 0
    who = Principal(name=f"user:{username.strip()[:100]}", team_ids=frozenset(),
                    can_write=False, channel="web")
    if address and recent >= settings.login_ip_max_failures:
        audit(session, who, "login_throttled", detail=where)
        session.commit()
        raise TooManyAttempts()
    user = session.scalar(select(m.User).where(m.User.username == username.strip()))
    if user is not None and user.locked_until and _aware(user.locked_until) > now:
        audit(session, who, "login_locked")
        session.commit()
        raise AccountLocked()
    if user is None or not user.active or not verify_password(password, user.password_hash):
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
    audit(session, principal_for_user(user), "login")
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


def current_login(session: Session, settings: Settings, token: str | None) -> WebLogin:
    """The login behind a session cookie, or NotAuthenticated if there is none or it idled out."""
    if not token:
        raise NotAuthenticated("Du skal logge ind.")
    row = session.scalar(select(m.WebSession).where(m.WebSession.token_hash == hash_token(token)))
    now = datetime.now(UTC)
    if row is None:
        raise NotAuthenticated("Du skal logge ind.")
    if now - _aware(row.last_seen_at) > timedelta(minutes=settings.session_idle_minutes):
        session.delete(row)
        session.commit()
        raise NotAuthenticated("Du var inaktiv for længe og er blevet logget ud.")
    user = row.user
    if not user.active:
        raise NotAuthenticated("Kontoen er deaktiveret.")
    if now - _aware(row.last_seen_at) > timedelta(minutes=1):  # one write a minute is enough
        row.last_seen_at = now
        session.commit()
    return WebLogin(
        principal=principal_for_user(user), username=user.username,
        roles={ms.team_id: ms.role for ms in user.memberships}, csrf=row.csrf, lang=row.lang,
    )


def log_out(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(m.WebSession).where(m.WebSession.token_hash == hash_token(token)))
        live.end_streams(session, "logout", web_session=hash_token(token))
        session.commit()
