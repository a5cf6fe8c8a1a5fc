"""Who is who: from an identity provider's claims or attributes to Kuvert's teams and roles.

Pure: no database, no HTTP. The names of the claims and the rules are settings, so an
OIOSAML 3 IdP, Entra ID or ADFS is a matter of configuration, not code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.accounts import ROLES
from app.config import Settings
from app.sso.errors import AssuranceTooLow, InvalidResponse

__all__ = ["Identity", "first_value", "identify", "values_of"]


@dataclass(frozen=True)
class Identity:
    """A person as the identity provider vouches for them, mapped to Kuvert."""

    method: str  # "oidc" or "saml"
    issuer: str
    subject: str
    username: str
    memberships: dict[str, str] = field(default_factory=dict)  # team name -> role
    assurance: str = ""

    def describe(self) -> str:
        """How the audit log names this sign-on: method, provider and the provider's subject."""
        return f"method={self.method} issuer={self.issuer} subject={self.subject}"


def values_of(claims: Mapping[str, Any], name: str) -> list[str]:
    """A claim's values as strings, whether the provider sends one value or a list.

    >>> values_of({"groups": ["a", "b"], "ou": "x"}, "groups"), values_of({"ou": "x"}, "ou")
    (['a', 'b'], ['x'])
    """
    value = claims.get(name)
    if value is None:
        return []
    if isinstance(value, str | int | bool):
        return [str(value)]
    if isinstance(value, Iterable):
        return [str(v) for v in value if v is not None]
    return [str(value)]


def _memberships(values: set[str], rules: list[dict[str, str]]) -> dict[str, str]:
    """Each team once, with the strongest role any matching rule gives."""
    found: dict[str, str] = {}
    for rule in rules:
        if rule.get("value") in values and rule.get("role") in ROLES and rule.get("team"):
            team, role = rule["team"], rule["role"]
            if team not in found or ROLES.index(role) > ROLES.index(found[team]):
                found[team] = role
    return found


def first_value(claims: Mapping[str, Any], names: list[str]) -> str:
    """The first value of the first of ``names`` the provider sent.

    >>> first_value({"email": "a@k.dk"}, ["preferred_username", "email"])
    'a@k.dk'
    """
    return next((v for name in names for v in values_of(claims, name)), "").strip()


def _rank(levels: list[str], value: str) -> int:
    """Where ``value`` stands among the levels (weakest 0); -1 when unknown."""
    for rank, names in enumerate(levels):
        if value.casefold() in (n.strip().casefold() for n in names.split("|")):
            return rank
    return -1


def _check_assurance(claims: Mapping[str, Any], settings: Settings) -> str:
    got = first_value(claims, settings.sso_assurance_attributes)
    if not settings.sso_min_assurance:
        return got
    need = _rank(settings.sso_assurance_levels, settings.sso_min_assurance)
    if _rank(settings.sso_assurance_levels, got) < max(need, 0):
        raise AssuranceTooLow(params={"need": settings.sso_min_assurance,
                                      "got": got or "ukendt"})
    return got


def identify(claims: Mapping[str, Any], *, method: str, issuer: str, subject: str,
             settings: Settings) -> Identity:
    """Map a provider's verified claims to an :class:`Identity`.

    No matching rule gives no memberships; :func:`app.sso.people.sign_on` refuses that,
    after ending the sessions of a user who had access before.

    Raises
    ------
    AssuranceTooLow
        a minimum level is configured and the login was weaker (or did not say);
    InvalidResponse
        no subject, or no username where one is configured.
    """
    if not subject:
        raise InvalidResponse("subject")
    assurance = _check_assurance(claims, settings)
    username = first_value(claims, settings.sso_username_attributes)
    if not username:
        raise InvalidResponse("username", why=",".join(settings.sso_username_attributes))
    values = {v for name in settings.sso_group_attributes for v in values_of(claims, name)}
    return Identity(method=method, issuer=issuer, subject=subject, username=username[:200],
                    memberships=_memberships(values, settings.sso_role_map),
                    assurance=assurance)
