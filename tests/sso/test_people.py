"""Just-in-time users on a real database: a sign-on makes its user by the rules and with
the audit entry of a user an administrator or the CLI makes (issue #14)."""

from __future__ import annotations

import secrets
from dataclasses import replace

import pytest
from sqlalchemy import select

from app import accounts
from app import models as m
from app.auth import Principal
from app.db import Database
from app.i18n import translations
from app.security import check_password
from app.sso.errors import UsernameTaken, UsernameUnusable
from app.sso.mapping import Identity
from app.sso.people import sign_on

ISSUER = "https://login.kommune.example"


def _identity(username: str, team: str, role: str = "editor") -> Identity:
    return Identity(method="oidc", issuer=ISSUER, subject=f"person-{secrets.token_hex(4)}",
                    username=username, memberships={team: role})


def _created(db: Database, username: str) -> list[tuple[str, str, int | None, str | None]]:
    with db.session() as session:
        return [(e.principal, e.channel, e.team_id, e.detail) for e in session.scalars(
            select(m.AuditEntry).where(m.AuditEntry.action == "admin:user_created",
                                       m.AuditEntry.detail.contains(f"user={username} ")))]


def _refusals(db: Database, subject: str) -> list[str | None]:
    with db.session() as session:
        return list(session.scalars(select(m.AuditEntry.detail).where(
            m.AuditEntry.action == "login_refused",
            m.AuditEntry.detail.contains(f"subject={subject} "))))


def test_sign_on_creates_user_audited_as_an_admin_made_one(db: Database,
                                                           team_name: str) -> None:
    admin_made, signed_on = f"lokal-{secrets.token_hex(4)}", f"cw-{secrets.token_hex(4)}"
    with db.session() as session:
        accounts.create_team(session, team_name)
        accounts.create_user(session, admin_made, "en-lang-adgangskode", team_name, "editor",
                             by=Principal(name="user:chef", team_ids=frozenset(),
                                          channel="web"))
        sign_on(session, _identity(signed_on, team_name))
    [(_, _, team_id, detail)] = _created(db, admin_made)
    assert _created(db, signed_on) == [(f"user:{signed_on}", "web", team_id,
                                        f"user={signed_on} role=editor")]
    assert detail == f"user={admin_made} role=editor"
    with db.session() as session:
        user = session.scalar(select(m.User).where(m.User.username == signed_on))
        assert user is not None and user.password_hash == accounts.UNUSABLE_PASSWORD
        assert not check_password(accounts.UNUSABLE_PASSWORD, user.password_hash)
        assert [ms.team_id for ms in user.memberships] == [team_id]


@pytest.mark.parametrize("username", ["Anna Andersen", "a" * 101, "anna/andersen"],
                         ids=["space", "too-long", "slash"])
def test_sign_on_with_a_username_the_rules_refuse_is_refused(db: Database, team_name: str,
                                                             username: str) -> None:
    identity = _identity(username, team_name)
    with db.session() as session, pytest.raises(UsernameUnusable) as refused:
        sign_on(session, identity)
    assert refused.value.status == 403
    assert "1-100 tegn" in refused.value.message
    assert refused.value.say(translations("en").gettext) != refused.value.message
    [detail] = _refusals(db, identity.subject)
    assert detail is not None and "code=sso_username_invalid" in detail
    with db.session() as session:  # nothing of the sign-on is kept, not even its team
        assert session.scalar(select(m.User).where(m.User.username == username)) is None
        assert session.scalar(select(m.Team).where(m.Team.name == team_name)) is None
        assert session.scalar(select(m.SsoIdentity).where(
            m.SsoIdentity.subject == identity.subject)) is None


def test_sign_on_with_a_local_users_name_is_refused(db: Database, team_name: str) -> None:
    username = f"lokal-{secrets.token_hex(4)}"
    with db.session() as session:
        accounts.create_team(session, team_name)
        accounts.create_user(session, username, "en-lang-adgangskode", team_name, "reader")
    identity = _identity(username, team_name)
    with db.session() as session, pytest.raises(UsernameTaken):
        sign_on(session, identity)
    [detail] = _refusals(db, identity.subject)
    assert detail is not None and "code=sso_username_taken" in detail
    assert len(_created(db, username)) == 1


def test_rename_at_the_provider_follows_the_username_rule(db: Database,
                                                          team_name: str) -> None:
    first = _identity(f"cw-{secrets.token_hex(4)}", team_name)
    renamed = f"cw-{secrets.token_hex(4)}"
    with db.session() as session:
        sign_on(session, first)
        sign_on(session, replace(first, username="Anna Andersen"))
        kept = session.scalar(select(m.SsoIdentity).where(
            m.SsoIdentity.subject == first.subject))
        assert kept is not None and kept.user.username == first.username
        sign_on(session, replace(first, username=renamed))
        assert kept.user.username == renamed
