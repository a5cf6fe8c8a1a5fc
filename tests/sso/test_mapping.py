"""Who is who: claims to teams and roles, and the assurance level (pure, no providers)."""

from __future__ import annotations

import pytest

from app.config import Settings
from app.i18n import translations
from app.sso.errors import AssuranceTooLow, InvalidLogout, InvalidResponse
from app.sso.mapping import identify

RULES = [{"value": "laeser", "team": "A", "role": "reader"},
         {"value": "koordinator", "team": "A", "role": "coordinator"},
         {"value": "ou-b", "team": "B", "role": "editor"}]


def settings(**extra: object) -> Settings:
    return Settings(environment="test", sso_role_map=RULES,
                    sso_group_attributes=["groups", "ou"], **extra)  # type: ignore[arg-type]


def test_identify_strongest_role_per_team_from_groups_and_org_unit() -> None:
    who = identify({"preferred_username": "anna", "groups": ["laeser", "koordinator"],
                    "ou": "ou-b"}, method="oidc", issuer="i", subject="s", settings=settings())
    assert who.memberships == {"A": "coordinator", "B": "editor"}
    assert who.username == "anna"


def test_identify_no_matching_group_gives_no_memberships() -> None:
    who = identify({"preferred_username": "anna", "groups": "andet"}, method="saml",
                   issuer="i", subject="s", settings=settings())
    assert who.memberships == {}


@pytest.mark.parametrize("level", ["Substantiel", "Substantial", "Høj", "High"])
def test_identify_accepts_enough_assurance(level: str) -> None:
    config = settings(sso_assurance_attributes=["loa"], sso_min_assurance="Substantiel")
    who = identify({"preferred_username": "a", "groups": "laeser", "loa": level},
                   method="oidc", issuer="i", subject="s", settings=config)
    assert who.assurance == level


@pytest.mark.parametrize("claims", [{"loa": "Lav"}, {"loa": "Low"}, {"loa": "ukendt"}, {}])
def test_identify_refuses_weak_or_missing_assurance(claims: dict[str, str]) -> None:
    config = settings(sso_assurance_attributes=["loa"], sso_min_assurance="Substantiel")
    with pytest.raises(AssuranceTooLow, match="kræver sikringsniveau Substantiel"):
        identify({"preferred_username": "a", "groups": "laeser", **claims},
                 method="oidc", issuer="i", subject="s", settings=config)


def test_refusal_reasons_said_in_english() -> None:
    english = translations("en").gettext
    for cls in (InvalidResponse, InvalidLogout):
        for reason in [*cls.REASONS, "other"]:
            error = cls(reason)
            assert error.say(english) != error.message, (cls.__name__, reason)
    config = settings(sso_assurance_attributes=["loa"], sso_min_assurance="Substantiel")
    with pytest.raises(AssuranceTooLow) as refused:
        identify({"preferred_username": "a", "groups": "laeser", "loa": "Lav"},
                 method="oidc", issuer="i", subject="s", settings=config)
    assert refused.value.code == "sso_assurance_too_low"
    assert "requires assurance level Substantiel (NSIS)" in refused.value.say(english)
    assert "at level Lav" in refused.value.say(english)


def test_identify_refuses_missing_subject_or_username() -> None:
    with pytest.raises(InvalidResponse):
        identify({"preferred_username": "a"}, method="oidc", issuer="i", subject="",
                 settings=settings())
    with pytest.raises(InvalidResponse, match="intet brugernavn"):
        identify({"groups": "laeser"}, method="oidc", issuer="i", subject="s",
                 settings=settings())


def test_local_login_is_off_by_default_in_production_with_sign_on() -> None:
    production = {"environment": "production", "cookie_secure": True}
    assert Settings(**production).local_login_enabled  # type: ignore[arg-type]
    assert not Settings(**production, oidc_issuer="https://idp",  # type: ignore[arg-type]
                        oidc_client_id="k").local_login_enabled
    assert Settings(**production, oidc_issuer="https://idp", oidc_client_id="k",  # type: ignore[arg-type]
                    local_login=True).local_login_enabled
