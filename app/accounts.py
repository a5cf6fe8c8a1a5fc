"""Teams, users and API tokens: created by the CLI now, by the admin pages later."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import models as m
from app.errors import N_, Conflict, NotFound
from app.security import hash_password, hash_token, new_token

ROLES = ("reader", "editor", "coordinator", "admin")
SCOPES = ("read", "write")


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


def create_user(session: Session, username: str, password: str, team: str, role: str) -> m.User:
    if role not in ROLES:
        raise Conflict(N_("Rollen skal være en af: %(roles)s."), params={"roles": ", ".join(ROLES)})
    if len(password) < 10:
        raise Conflict(N_("Adgangskoden skal være mindst 10 tegn."))
    if session.scalar(select(m.User).where(m.User.username == username)) is not None:
        raise Conflict(N_("Brugeren «%(name)s» findes allerede."), params={"name": username})
    found = find_team(session, team)
    user = m.User(username=username, password_hash=hash_password(password))
    user.memberships.append(m.Membership(team_id=found.id, role=role))
    session.add(user)
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
