"""Settings, read once from the environment (prefix ``KUVERT_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
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
        30, description="Failed logins from one address within 15 minutes before it must wait."
    )
    demo_token_file: Path = Field(
        ROOT / "var" / "demo-token.txt", description="Where `kuvert demo` saves its new token."
    )
    audit_retention_days: int = Field(183, description="Audit entries older than this go.")

    @model_validator(mode="after")
    def _safe(self) -> Settings:
        self.thresholds  # noqa: B018  (refuses inconsistent limits at start-up)
        if self.environment == "production" and not self.cookie_secure:
            raise ValueError("KUVERT_COOKIE_SECURE must be true in production (HTTPS only).")
        return self

    @property
    def thresholds(self) -> Thresholds:
        from app.graph.classify import Thresholds

        return Thresholds(
            professions_level1=self.professions_level1,
            professions_level2=self.professions_level2,
            sectors_level1=self.sectors_level1,
            sectors_level2=self.sectors_level2,
        )


@lru_cache
def get_settings() -> Settings:
    return Settings()
