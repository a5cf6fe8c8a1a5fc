"""Demo data: team ``demo`` with the Claus case before and now, and one case per prototype.

Loading it twice changes nothing: teams, users and cases are found by name first.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import accounts, cases
from app import models as m
from app.auth import Principal
from app.graph.examples import EXAMPLES

TEAM = "demo"
USERNAME = "demo"
PASSWORD = "kuvert-demo"  # a demo login on a developer's machine, never in production


@dataclass
class DemoResult:
    team_id: int
    created_cases: list[str]
    token: str | None  # only when a new one was made: tokens are stored hashed


def load_demo(session: Session) -> DemoResult:
    team = accounts.ensure_team(session, TEAM)
    if session.scalar(select(m.User).where(m.User.username == USERNAME)) is None:
        accounts.create_user(session, USERNAME, PASSWORD, TEAM, "coordinator")
    who = Principal(name="system:demo", team_ids=frozenset({team.id}),
                    write_team_ids=frozenset({team.id}), channel="cli")
    existing = set(session.scalars(select(m.Case.label).where(m.Case.team_id == team.id)))
    created = []
    for make in EXAMPLES.values():
        doc = make()
        if doc.label not in existing:
            cases.create_case(session, who, team.id, doc)
            created.append(doc.label)
    token = None
    has_token = session.scalar(
        select(m.ApiToken).where(m.ApiToken.team_id == team.id, m.ApiToken.name == "demo")
    )
    if has_token is None:
        token = accounts.create_token(session, TEAM, "write", "demo")
    session.commit()
    return DemoResult(team_id=team.id, created_cases=created, token=token)
