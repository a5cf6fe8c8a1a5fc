"""Settings, read once from the environment (prefix ``KUVERT_``)."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.db import PING_IDLE_SECONDS
from app.graph.classify import Thresholds

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Every knob of a Kuvert installation; each one is listed in the README."""

    model_config = SettingsConfigDict(env_prefix="KUVERT_", extra="ignore")

    environment: Literal["development", "test", "production"] = Field(
        "development", description="production refuses unsafe defaults."
    )
    database_url: str = Field(
        f"sqlite:///{ROOT / 'var' / 'kuvert.db'}",
        description="SQLAlchemy URL: sqlite:///path or postgresql+psycopg://user@host/db.",
    )
    database_ping_idle_seconds: float = Field(
        PING_IDLE_SECONDS, ge=0, description="PostgreSQL: a pooled connection idle longer "
        "than this is pinged before use, and replaced if the ping fails; one reused sooner "
        "is not (0: ping every reuse). SQLite: no effect.")
    lang: Literal["da", "en"] = Field(
        "da", description="Language of what the `kuvert` command tells, its --help included "
        "(da or en); pages and the API follow each user's choice. The findings of "
        "`kuvert check` are always Danish.")
    host: str = Field("127.0.0.1", description="Address `kuvert serve` listens on.")
    port: int = Field(8000, description="Port `kuvert serve` listens on.")
    professions_level1: int = Field(2, description="At most this many professions: level 1.")
    professions_level2: int = Field(5, description="At most this many professions: level 2.")
    sectors_level1: int = Field(2, description="At most this many sectors: level 1.")
    sectors_level2: int = Field(4, description="At most this many sectors: level 2.")
    max_body_bytes: int = Field(2_000_000, description="Largest request body accepted.")
    page_size_max: int = Field(200, description="Largest page of a list endpoint.")
    session_idle_minutes: int = Field(30, description="A browser login ends after this idle time.")
    login_max_failures: int = Field(5, description="Failed logins in a row before a lock.")
    login_lock_minutes: int = Field(15, description="How long a locked account stays locked.")
    cookie_secure: bool = Field(False, description="Send cookies over HTTPS only (production).")
    closed_case_retention_days: int = Field(
        365 * 5, description="`kuvert purge` erases closed cases unchanged for this long."
    )
    embed_max_days: int = Field(90, description="Longest lifetime of an embed link.")
    embed_frame_ancestors: str = Field(
        "'self'", description="Sites that may show embeds in an iframe (CSP frame-ancestors)."
    )
    cors_origins: list[str] = Field(
        default_factory=list, description="Origins that may read the JSON API from a browser."
    )
    login_ip_max_failures: int = Field(
        100, description="Failed logins from one address within 15 minutes, all accounts "
        "together, before the address must wait (an office behind one NAT shares it).")
    login_account_ip_max_failures: int = Field(
        10, description="Failed logins for one username from one address within 15 minutes "
        "before that address must wait for that username.")
    trusted_proxies: str = Field(
        "", description="Reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are "
        "believed: comma-separated addresses or networks, e.g. 10.0.0.5,10.1.0.0/24 "
        "(empty: none; the headers are ignored).")
    demo_token_file: Path = Field(
        ROOT / "var" / "demo-token.txt", description="Where `kuvert demo` saves its new token."
    )
    audit_retention_days: int = Field(183, description="Audit entries older than this go.")
    # --- live streams (Server-Sent Events; docs/security.md, "Live streams") ---
    streams_per_session: int = Field(
        10, ge=1, description="Open live streams one login session may hold (browser tabs).")
    streams_per_embed: int = Field(
        200, ge=1, description="Open live streams one embed link may have (its viewers).")
    streams_per_address: int = Field(
        100, ge=1, description="Open live streams from one client address.")
    streams_max: int = Field(
        2000, ge=1, description="Open live streams per server process; also kept well "
        "below the process's open-file limit, so ordinary requests always get through.")
    streams_recheck_seconds: int = Field(
        30, ge=1, description="How often the access of every open stream is checked "
        "against the database (revocations on this server reach its streams at once).")
    streams_db_slots: int = Field(
        3, ge=1, description="Database connections live streams may use at once (to "
        "open a stream or re-check access); the rest stay for ordinary requests.")
    test_hooks: bool = Field(
        False, description="Only for the test suite: /_test/live reports open streams and "
        "the database pool. Refused in production.")
    # --- sign-on with the municipality's identity provider (docs/drift.md, "Log ind") ---
    secret_key: str = Field(
        "", description="Signs the short-lived sign-on cookie; the same on every worker "
        "(empty: a random key per process, fine for one worker in development).")
    base_url: str = Field(
        "", description="The address users reach Kuvert on, e.g. https://kuvert.kommune.dk; "
        "OIDC and SAML return addresses are built from it (empty: from the request).")
    local_login: bool | None = Field(
        None, description="Local passwords on the login page; default: on, except in "
        "production when sign-on is configured.")
    oidc_issuer: str = Field("", description="The OpenID Connect provider's issuer URL.")
    oidc_discovery_url: str = Field(
        "", description="Where its metadata is (empty: <issuer>/.well-known/openid-configuration).")
    oidc_client_id: str = Field("", description="Kuvert's client id at the provider.")
    oidc_client_secret: str = Field("", description="Kuvert's client secret at the provider.")
    oidc_scopes: str = Field("openid profile email", description="Scopes asked for at login.")
    oidc_label: str = Field("Log ind med kommunens login (OpenID Connect)",
                            description="The button's text on the login page.")
    saml_idp_metadata: str = Field(
        "", description="The SAML IdP's metadata: a file path or an https:// URL.")
    saml_sp_entity_id: str = Field(
        "", description="Kuvert's SAML entity id (empty: <base URL>/saml/metadata).")
    saml_sp_key_file: Path | None = Field(
        None, description="Kuvert's SAML private key (PEM): signs requests, decrypts assertions.")
    saml_sp_cert_file: Path | None = Field(
        None, description="The certificate of that key (PEM), published in /saml/metadata.")
    saml_sign_requests: bool = Field(False, description="Sign the AuthnRequest.")
    saml_label: str = Field("Log ind med kommunens login (SAML)",
                            description="The button's text on the login page.")
    sso_username_attributes: list[str] = Field(
        default_factory=lambda: ["preferred_username", "https://data.gov.dk/model/core/eid/email"],
        description="Claims or attributes holding the username shown in Kuvert; the first "
        "one present is used.")
    sso_group_attributes: list[str] = Field(
        default_factory=lambda: ["groups", "roles"],
        description="Claims or attributes whose values (groups, roles, job-function roles, "
        "organisation units) are matched against sso_role_map.")
    sso_role_map: list[dict[str, str]] = Field(
        default_factory=list, description='JSON list: [{"value": "<group>", "team": "<team>", '
        '"role": "reader|editor|coordinator|admin"}]; no match, no access.')
    sso_assurance_attributes: list[str] = Field(
        default_factory=list, description="Claims or attributes holding the assurance level "
        "(OIOSAML 3: https://data.gov.dk/concept/core/nsis/loa); the first one present is used.")
    sso_min_assurance: str = Field(
        "", description="Weakest assurance level let in, e.g. Substantiel (empty: no check).")
    sso_assurance_levels: list[str] = Field(
        default_factory=lambda: ["Lav|Low", "Substantiel|Substantial", "Høj|High"],
        description="The assurance levels, weakest first (NSIS); | separates names of one level.")
    sso_clock_skew_seconds: int = Field(
        60, description="Clock difference tolerated on token and assertion times.")

    # --- operations (docs/drift.md) ---
    workers: int = Field(1, ge=1, description="Processes `kuvert serve` starts (SQLite: one).")
    log_format: Literal["text", "json"] = Field(
        "text", description="json: one JSON object per log line, with the request id.")
    accessibility_statement_url: str = Field(
        "", description="The municipality's accessibility statement at was.digst.dk.")

    @model_validator(mode="after")
    def _safe(self) -> Settings:
        self.thresholds  # noqa: B018  (refuses inconsistent limits at start-up)
        if self.environment == "production" and not self.cookie_secure:
            raise ValueError("KUVERT_COOKIE_SECURE must be true in production (HTTPS only).")
        if self.environment == "production" and self.test_hooks:
            raise ValueError("KUVERT_TEST_HOOKS is for the test suite, never production.")
        self.trusted_proxy_list  # noqa: B018  (refuses a malformed list at start-up)
        return self

    @property
    def trusted_proxy_list(self) -> list[str]:
        """KUVERT_TRUSTED_PROXIES as a list of addresses and networks; anything else is
        refused, since a proxy that is silently not trusted (or everyone trusted: ``*``)
        would make the login throttle and the audit see the wrong address."""
        found = []
        for item in (part.strip() for part in self.trusted_proxies.split(",")):
            if not item:
                continue
            try:
                found.append(str(ipaddress.ip_network(item, strict=False)) if "/" in item
                             else str(ipaddress.ip_address(item)))
            except ValueError:
                raise ValueError(
                    f"KUVERT_TRUSTED_PROXIES: {item!r} er hverken en IP-adresse eller et "
                    "netværk (fx 10.0.0.5 eller 10.1.0.0/24).") from None
        return found

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)

    @property
    def saml_enabled(self) -> bool:
        return bool(self.saml_idp_metadata)

    @property
    def local_login_enabled(self) -> bool:
        """Local passwords: off by default in production once sign-on is configured."""
        if self.local_login is not None:
            return self.local_login
        return not (self.environment == "production" and (self.oidc_enabled or self.saml_enabled))

    @property
    def thresholds(self) -> Thresholds:
        return Thresholds(
            professions_level1=self.professions_level1,
            professions_level2=self.professions_level2,
            sectors_level1=self.sectors_level1,
            sectors_level2=self.sectors_level2,
        )


@lru_cache
def get_settings() -> Settings:
    return Settings()
