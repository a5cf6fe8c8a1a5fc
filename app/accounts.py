"""Teams, users and API tokens, and the rules a new user must meet wherever it is made.

Every user is made by :func:`add_user`: the CLI (``kuvert user create``) and the admin
pages through :func:`create_user`, a sign-on (``app.sso.people``) directly, inside its
own transaction. One username pattern, one minimum password length (when the user has
a password), one audit entry.
"""

from __future__ import annotations

import re
from enum import Enum

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


class NoPassword(Enum):
    """A user without a Kuvert password of their own."""

    SIGNS_ON_AT_PROVIDER = "signs on through the identity provider"


#: Said instead of a password for a user who signs on through the identity provider.
SIGNS_ON_AT_PROVIDER = NoPassword.SIGNS_ON_AT_PROVIDER
UNUSABLE_PASSWORD = "!sso"  # no argon2 hash: a password never matches it


class Invalid(ServiceError):
    """A value that cannot be used (a form field, a command-line option); nothing was changed."""

    status = 422
    code = "invalid_input"
    message = N_("Oplysningerne kunne ikke bruges.")


def check_role(role: str) -> None:
    """Refuse a role that is not one of :data:`ROLES`."""
    if role not in ROLES:
        raise Invalid(N_("Vælg en af rollerne: læser, redaktør, koordinator, administrator."))


def find_team(session: Session, name: str, *, make: bool = False) -> m.Team:
    """The team called ``name``. Unknown, it is made (flushed, not committed) when ``make``
    says so (a sign-on: the identity provider's groups define the teams), else
    :class:`NotFound`."""
    team = session.scalar(select(m.Team).where(m.Team.name == name))
    if team is None:
        if not make:
            raise NotFound(N_("Teamet «%(name)s» findes ikke."), params={"name": name})
        team = m.Team(name=name)
        session.add(team)
        session.flush()
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


def valid_username(username: str) -> bool:
    """Whether ``username`` meets the rule of every user: 1-100 letters, digits and
    ``. _ - @ +``.

    >>> valid_username("anna@kommune.dk"), valid_username("Anna Andersen")
    (True, False)
    """
    return _USERNAME.match(username) is not None


def add_user(session: Session, username: str, password: str | NoPassword, team: int | str,
             role: str, *, by: Principal, make_team: bool = False) -> m.User:
    """A new active user with one ``role`` in one team, noted in the audit log as done
    ``by``; added to the session and flushed, not committed: the caller commits it with
    the rest of its work.

    ``password`` is the user's password, or :data:`SIGNS_ON_AT_PROVIDER` for a user
    who has none (a password never matches theirs). ``team`` is the team's id or its
    name; an unknown name is made when ``make_team`` says so (see :func:`find_team`).

    Raises
    ------
    Invalid
        a username that breaks the rule (:func:`valid_username`), a password shorter
        than :data:`MIN_PASSWORD`, a role not in :data:`ROLES`;
    Conflict
        the username is taken;
    NotFound
        an unknown team (without ``make_team``).

    Nothing is written when it raises: the values are checked before any team is made.
    """
    username = username.strip()
    if not valid_username(username):
        raise Invalid(N_("Brugernavnet skal være 1-100 tegn: bogstaver, tal og . _ - @ +, "
                         "uden mellemrum."))
    if isinstance(password, str) and len(password) < MIN_PASSWORD:
        raise Invalid(N_("Adgangskoden skal være mindst %(n)s tegn."), params={"n": MIN_PASSWORD})
    check_role(role)
    if session.scalar(select(m.User.id).where(m.User.username == username)) is not None:
        raise Conflict(N_("Brugernavnet «%(name)s» er allerede i brug."),
                       params={"name": username})
    team_id = team if isinstance(team, int) else find_team(session, team, make=make_team).id
    password_hash = hash_password(password) if isinstance(password, str) else UNUSABLE_PASSWORD
    user = m.User(username=username, password_hash=password_hash)
    user.memberships.append(m.Membership(team_id=team_id, role=role))
    session.add(user)
    session.flush()
    audit(session, by, "admin:user_created", team_id=team_id,
          detail=f"user={username} role={role}")
    return user


def create_user(session: Session, username: str, password: str, team: int | str, role: str,
                *, by: Principal = SYSTEM) -> m.User:
    """:func:`add_user` with a password, committed: the CLI's and the admin pages' way.

    Refused values raise :class:`Invalid`, a taken username :class:`Conflict`, an
    unknown team :class:`NotFound`; nothing is written then.
    """
    user = add_user(session, username, password, team, role, by=by)
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
