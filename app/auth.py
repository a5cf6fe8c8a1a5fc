"""Who is asking: a principal, resolved from a bearer token (the web login comes later)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import NotAuthenticated
from app.models import ApiToken
from app.security import hash_token


@dataclass(frozen=True)
class Principal:
    """The one person or client every action traces back to."""

    name: str  # as written to the audit log: "token:3:case-system" or "user:anna"
    team_ids: frozenset[int]
    can_write: bool
    channel: str = "api"

    def sees(self, team_id: int) -> bool:
        return team_id in self.team_ids


def principal_for_token(session: Session, token: str) -> Principal:
    row = session.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None)
        )
    )
    if row is None:
        raise NotAuthenticated("Adgangsnøglen er ukendt eller trukket tilbage.")
    return Principal(
        name=f"token:{row.id}:{row.name}",
        team_ids=frozenset({row.team_id}),
        can_write=row.scope == "write",
    )


SYSTEM = Principal(name="system:cli", team_ids=frozenset(), can_write=True, channel="cli")
