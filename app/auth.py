"""Who is asking: a principal, resolved from a bearer token or a browser login."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import N_, NotAuthenticated
from app.models import ApiToken
from app.security import hash_token


@dataclass(frozen=True)
class Principal:
    """The one person or client every action traces back to.

    Rights are per team: ``team_ids`` are the teams whose cases the principal sees,
    ``write_team_ids`` those whose cases it may change (a subset). A user who is reader
    in one team and editor in another writes in the second only; an API token belongs
    to one team and writes there if its scope is ``write``.
    """

    name: str  # as written to the audit log: "token:3:case-system" or "user:anna"
    team_ids: frozenset[int]
    write_team_ids: frozenset[int] = frozenset()
    channel: str = "api"

    def sees(self, team_id: int) -> bool:
        return team_id in self.team_ids

    def can_write_in(self, team_id: int) -> bool:
        """May change the cases of ``team_id`` (and create cases there)."""
        return team_id in self.write_team_ids and team_id in self.team_ids

    @property
    def writes_anywhere(self) -> bool:
        """Writes in at least one team (pages show their forms for changes then)."""
        return bool(self.write_team_ids & self.team_ids)


def principal_for_token(session: Session, token: str) -> Principal:
    row = session.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None)
        )
    )
    if row is None:
        raise NotAuthenticated(N_("Adgangsnøglen er ukendt eller trukket tilbage."))
    return Principal(
        name=f"token:{row.id}:{row.name}",
        team_ids=frozenset({row.team_id}),
        write_team_ids=frozenset({row.team_id}) if row.scope == "write" else frozenset(),
    )


SYSTEM = Principal(name="system:cli", team_ids=frozenset(), channel="cli")
