"""Just-in-time users: a sign-on creates or updates the Kuvert user behind it.

The identity provider decides who belongs to which team; Kuvert follows at every login.
Someone who has lost their group, or whose user is deactivated here, is refused and
their open sessions end.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app import accounts, live, sessions
from app import models as m
from app.audit import audit
from app.auth import Principal
from app.errors import Conflict, ServiceError
from app.security import hash_token
from app.sso.errors import (
    AccountDeactivated,
    NoAccess,
    SignOnRefused,
    UsernameTaken,
    UsernameUnusable,
)
from app.sso.mapping import Identity

__all__ = ["ended_by_provider", "logout_refused", "provider_logged_out", "refuse", "sign_on",
           "signed_out"]


def _who(name: str) -> Principal:
    return Principal(name=f"user:{name[:100]}", team_ids=frozenset(), channel="web")


def refuse(session: Session, error: SignOnRefused, *, method: str, subject: str = "",
           username: str = "", why: str = "") -> None:
    """Write the refusal to the audit log, with the method, the provider's subject and why."""
    detail = f"method={method} subject={subject or '-'} code={error.code}"
    if getattr(error, "reason", ""):
        detail += f" reason={getattr(error, 'reason', '')}"
    if why:
        detail += f" why={why}"
    audit(session, _who(username or subject or "ukendt"), "login_refused", detail=detail)
    session.commit()


def _end_sessions(session: Session, user: m.User) -> None:
    session.execute(delete(m.WebSession).where(m.WebSession.user_id == user.id))


def _user_for(session: Session, identity: Identity) -> m.User | None:
    link = session.scalar(select(m.SsoIdentity).where(
        m.SsoIdentity.issuer == identity.issuer, m.SsoIdentity.subject == identity.subject))
    return link.user if link is not None else None


def sign_on(session: Session, identity: Identity) -> str:
    """Create or update the user behind ``identity`` and open a session; returns the cookie.

    Raises
    ------
    AccountDeactivated, NoAccess, UsernameTaken
        after auditing the refusal (and, for a user who lost access, ending their sessions).
    """
    user = _user_for(session, identity)
    try:
        if user is not None and not user.active:
            _end_sessions(session, user)
            raise AccountDeactivated()
        if not identity.memberships:
            if user is not None:  # had access, lost the group: nothing stays open
                _end_sessions(session, user)
                user.memberships.clear()
            raise NoAccess()
        if user is None:
            user = _create(session, identity)
        elif (user.username != identity.username and accounts.valid_username(identity.username)
              and _free(session, identity.username)):
            user.username = identity.username  # renamed at the provider
        _follow(session, user, identity.memberships)
    except SignOnRefused as error:
        session.flush()
        refuse(session, error, method=identity.method, subject=identity.subject,
               username=identity.username)
        raise
    link = session.scalar(select(m.SsoIdentity).where(
        m.SsoIdentity.issuer == identity.issuer, m.SsoIdentity.subject == identity.subject))
    assert link is not None
    link.last_login_at = datetime.now(UTC)
    return sessions.open_session(session, user, identity.method, detail=(
        f"subject={identity.subject} issuer={identity.issuer}"
        + (f" assurance={identity.assurance}" if identity.assurance else "")))


def _free(session: Session, username: str) -> bool:
    return session.scalar(select(m.User.id).where(m.User.username == username)) is None


def _create(session: Session, identity: Identity) -> m.User:
    """The user, made as every user is (:func:`app.accounts.add_user`: its rules, its audit
    entry), without a password, in the first team the provider's groups give; the rest
    follow. Not committed: the sign-on is one transaction."""
    team, role = next(iter(identity.memberships.items()))
    try:
        user = accounts.add_user(session, identity.username, accounts.SIGNS_ON_AT_PROVIDER,
                                 team, role, by=_who(identity.username), make_team=True)
    except accounts.Invalid as error:  # the role comes from the rules: it is the name
        raise UsernameUnusable() from error
    except Conflict as error:
        raise UsernameTaken() from error
    session.add(m.SsoIdentity(user_id=user.id, method=identity.method, issuer=identity.issuer,
                              subject=identity.subject))
    audit(session, _who(identity.username), "user_created",
          detail=f"method={identity.method} subject={identity.subject}")
    return user


def _follow(session: Session, user: m.User, memberships: dict[str, str]) -> None:
    """The user's teams and roles become exactly what the provider's groups give."""
    wanted = {accounts.find_team(session, name, make=True).id: role
              for name, role in memberships.items()}
    for membership in list(user.memberships):
        if membership.team_id not in wanted:
            user.memberships.remove(membership)
    have = {ms.team_id: ms for ms in user.memberships}
    for team_id, role in wanted.items():
        if team_id in have:
            have[team_id].role = role
        else:
            user.memberships.append(m.Membership(team_id=team_id, role=role))
    session.flush()


def signed_out(session: Session, token: str | None, method: str) -> None:
    """End the Kuvert session of a sign-on logout and note it, with the provider's subject."""
    login = None
    if token:
        login = session.scalar(select(m.WebSession).where(
            m.WebSession.token_hash == hash_token(token)))
    if login is not None:
        link = session.scalar(select(m.SsoIdentity).where(
            m.SsoIdentity.user_id == login.user_id, m.SsoIdentity.method == method))
        subject = link.subject if link is not None else "-"
        audit(session, sessions.principal_for_user(login.user), "logout",
              detail=f"method={method} subject={subject}")
        session.delete(login)
        live.end_streams(session, "logout", web_session=login.token_hash)
    session.commit()


def ended_by_provider(session: Session, *, method: str, issuer: str, subject: str) -> bool:
    """The identity provider ended this person's login (single logout it started): every
    Kuvert session of the user behind ``subject`` ends, and it is noted. Returns whether
    such a user exists here."""
    link = session.scalar(select(m.SsoIdentity).where(
        m.SsoIdentity.issuer == issuer, m.SsoIdentity.subject == subject))
    if link is None:
        audit(session, _who(subject), "logout",
              detail=f"method={method} subject={subject} by=provider sessions=0 user=unknown")
        session.commit()
        return False
    ended = session.execute(delete(m.WebSession).where(m.WebSession.user_id == link.user_id))
    count = getattr(ended, "rowcount", 0) or 0
    audit(session, sessions.principal_for_user(link.user), "logout",
          detail=f"method={method} subject={subject} by=provider sessions={count}")
    live.end_streams(session, "logout", user_id=link.user_id)
    session.commit()
    return True


def provider_logged_out(session: Session, *, method: str, subject: str) -> None:
    """The identity provider confirmed the single logout Kuvert asked for."""
    audit(session, _who(subject), "logout_confirmed",
          detail=f"method={method} subject={subject or '-'} by=provider")
    session.commit()


def logout_refused(session: Session, error: ServiceError, *, method: str,
                   why: str = "") -> None:
    """A logout message that is refused (nothing ends): noted with the check that failed."""
    detail = f"method={method} subject=- code={error.code}"
    if getattr(error, "reason", ""):
        detail += f" reason={getattr(error, 'reason', '')}"
    if why:
        detail += f" why={why}"
    audit(session, _who("ukendt"), "logout_refused", detail=detail)
    session.commit()
