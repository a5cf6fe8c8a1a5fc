"""Teams, users and API tokens, and the rules a new user must meet wherever it is made.

The CLI (``kuvert user create``) and the admin pages both create users through
:func:`create_user`: one username pattern, one minimum password length, one audit entry.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import models as m
from app.audit import audit
from app.auth import SYSTEM, Principal
from app.errors import N_, Conflict, NotFound, ServiceError
from app.security import hash_password, hash_token, new_token

ROLES = ("reader", "editor", "coordinator", "admin")
SCOPES = ("read", "write")
MIN_PASSWORD = 10
_USERNAME = re.compile(r"^[\w.@+-]{1,100}$")


class Invalid(ServiceError):
    """A value that cannot be used (a form field, a command-line option); nothing was changed."""

    status = 422
    code = "invalid_input"
    message = N_("Oplysningerne kunne ikke bruges.")


def check_role(role: str) -> None:
    """Refuse a role that is not one of :data:`ROLES`."""
    if role not in ROLES:
        raise Invalid(N_("Vælg en af rollerne: læser, redaktør, koordinator, administrator."))


def find_team(session: Session, name: str) -> m.Team:
    team = session.scalar(select(m.Team).where(m.Team.name == name))
    if team is None:
        raise NotFound(N_("Teamet «%(name)s» findes ikke."), params={"name": name})
    return team


def ensure_team(session: Session, name: str) -> m.Team:
    team = session.scalar(select(m.Team).where(m.Team.name == name))
    if team is None:
        team = create_team(session, name)
    return team


def create_team(session: Session, name: str) -> m.Team:
    name = name.strip()
    if not name or len(name) > 200:
        raise Conflict(N_("Et team skal have et navn på 1-200 tegn."))
    if session.scalar(select(m.Team).where(m.Team.name == name)) is not None:
        raise Conflict(N_("Teamet «%(name)s» findes allerede."), params={"name": name})
    team = m.Team(name=name)
    session.add(team)
    session.commit()
    return team


def create_user(session: Session, username: str, password: str, team: int | str, role: str,
                *, by: Principal = SYSTEM) -> m.User:
    """A new active user with one ``role`` in one team, noted in the audit log as done ``by``.

    ``team`` is the team's id (the admin pages) or its name (the CLI). The username is
    1-100 letters, digits and ``. _ - @ +``; the password at least :data:`MIN_PASSWORD`
    characters. Refused values raise :class:`Invalid`, a taken username :class:`Conflict`,
    an unknown team :class:`NotFound`; nothing is written then.
    """
    username = username.strip()
    if not _USERNAME.match(username):
        raise Invalid(N_("Brugernavnet skal være 1-100 tegn: bogstaver, tal og . _ - @ +, "
                         "uden mellemrum."))
    if len(password) < MIN_PASSWORD:
        raise Invalid(N_("Adgangskoden skal være mindst %(n)s tegn."), params={"n": MIN_PASSWORD})
    check_role(role)
    if session.scalar(select(m.User.id).where(m.User.username == username)) is not None:
        raise Conflict(N_("Brugernavnet «%(name)s» er allerede i brug."),
                       params={"name": username})
    team_id = team if isinstance(team, int) else find_team(session, team).id
    user = m.User(username=username, password_hash=hash_password(password))
    user.memberships.append(m.Membership(team_id=team_id, role=role))
    session.add(user)
    session.flush()
    audit(session, by, "admin:user_created", team_id=team_id,
          detail=f"user={username} role={role}")
    session.commit()
    return user


def create_token(session: Session, team: str, scope: str, name: str = "api") -> str:
    """Make a token for ``team`` and return it; only its hash is kept."""
    if scope not in SCOPES:
        raise Conflict(N_("Omfanget skal være en af: %(scopes)s."),
                       params={"scopes": ", ".join(SCOPES)})
    found = find_team(session, team)
    token = new_token()
    session.add(m.ApiToken(team_id=found.id, name=name, scope=scope,
                           token_hash=hash_token(token), prefix=token[:8]))
    session.commit()
    return token
