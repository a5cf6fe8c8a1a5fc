"""`kuvert check`: what in the configuration is unsafe in production, one problem a line.

Each problem names the setting (its environment variable) and says in Danish what is
wrong. `kuvert serve` runs the same checks at start in production and refuses to start
on a problem.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from pydantic import ValidationError

from app.config import Settings

__all__ = ["AUDIT_RETENTION_DAYS", "CASE_RETENTION_DAYS", "Problem", "check", "load_settings"]

# Retention the project accepts (docs/drift.md, "Opbevaring"): audit entries must be able to
# answer a citizen's access request for at least six months (Datatilsynet's practice for
# logs) and are not kept beyond five years (data minimisation); closed cases are kept at
# least a month (a closing can be a mistake) and at most ten years.
AUDIT_RETENTION_DAYS = (180, 5 * 365)
CASE_RETENTION_DAYS = (30, 10 * 365)
CERT_WARNING = timedelta(days=30)
# Secrets copied from examples and tutorials; none of them is a secret.
DEFAULT_SECRETS = frozenset({"secret", "changeme", "change-me", "changethis", "kuvert",
                             "<hemmelighed>", "dev", "development", "test"})
SECRET_MIN_LENGTH = 32

MD = "{urn:oasis:names:tc:SAML:2.0:metadata}"
DS = "{http://www.w3.org/2000/09/xmldsig#}"


@dataclass(frozen=True)
class Problem:
    setting: str  # the environment variable, e.g. KUVERT_SECRET_KEY
    message: str  # Danish, says what is wrong and what to do

    def __str__(self) -> str:
        return f"{self.setting}: {self.message}"


def _env(field: str) -> str:
    return f"KUVERT_{field.upper()}"


def load_settings() -> tuple[Settings | None, list[Problem]]:
    """The settings from the environment, even when the production guard refuses them.

    Settings() refuses cookies without Secure in production; the check still wants to read
    the rest and report every problem, so it reads them once more without that guard.
    """
    try:
        return Settings(), []
    except ValidationError as exc:
        first = exc
    try:
        relaxed = Settings(environment="development")
    except ValidationError:
        return None, [_from_validation(error) for error in first.errors()]
    return relaxed.model_copy(update={"environment": "production"}), []


def _from_validation(error: Any) -> Problem:
    loc = [str(part) for part in error.get("loc", ()) if isinstance(part, str)]
    setting = _env(loc[0]) if loc else "KUVERT_ENVIRONMENT"
    return Problem(setting, f"ugyldig værdi ({error.get('msg', '')}).")


Fetch = Callable[[str], bytes]


def _fetch(url: str) -> bytes:
    response = httpx.get(url, timeout=5.0, follow_redirects=True)
    response.raise_for_status()
    return response.content


def check(settings: Settings, workers: int | None = None, now: datetime | None = None,
          fetch: Fetch = _fetch) -> list[Problem]:
    """Every reason not to run ``settings`` in production; empty when it is fit."""
    now = now or datetime.now(UTC)
    workers = workers or settings.workers
    problems: list[Problem] = []
    add = problems.append
    if settings.environment != "production":
        add(Problem("KUVERT_ENVIRONMENT", f"er '{settings.environment}'; i drift skal den være "
                    "'production' (ellers er sikkerhedskontrollerne slået fra)."))
    if settings.database_url.startswith("sqlite") and workers > 1:
        add(Problem("KUVERT_WORKERS", f"{workers} processer på SQLite (KUVERT_DATABASE_URL); "
                    "SQLite tåler kun én proces. Brug 1 eller PostgreSQL."))
    secret = settings.secret_key.strip()
    if not secret:
        add(Problem("KUVERT_SECRET_KEY", "mangler; sæt en lang tilfældig nøgle, den samme "
                    "på alle processer."))
    elif secret.lower() in DEFAULT_SECRETS or len(secret) < SECRET_MIN_LENGTH:
        add(Problem("KUVERT_SECRET_KEY", "er en standardværdi eller for kort; brug mindst "
                    f"{SECRET_MIN_LENGTH} tilfældige tegn."))
    if not settings.cookie_secure:
        add(Problem("KUVERT_COOKIE_SECURE", "er false; cookies skal have Secure (kun HTTPS)."))
    if settings.base_url and not settings.base_url.startswith("https://"):
        add(Problem("KUVERT_BASE_URL", f"'{settings.base_url}' er ikke en https-adresse."))
    if "*" in settings.cors_origins:
        add(Problem("KUVERT_CORS_ORIGINS", "indeholder '*'; nævn de sites, der må læse API'et."))
    if "*" in settings.embed_frame_ancestors.split():
        add(Problem("KUVERT_EMBED_FRAME_ANCESTORS",
                    "indeholder '*'; nævn de sites, der må vise indlejringer."))
    problems += _retention(settings)
    problems += _oidc(settings, fetch)
    problems += _saml(settings, now, fetch)
    return problems


def _retention(settings: Settings) -> list[Problem]:
    out = []
    for field, (low, high) in (("audit_retention_days", AUDIT_RETENTION_DAYS),
                               ("closed_case_retention_days", CASE_RETENTION_DAYS)):
        value = getattr(settings, field)
        if not low <= value <= high:
            out.append(Problem(_env(field), f"{value} dage er uden for det tilladte interval "
                               f"{low}–{high} dage."))
    return out


def _oidc(settings: Settings, fetch: Fetch) -> list[Problem]:
    if not (settings.oidc_issuer or settings.oidc_client_id):
        return []
    out = []
    for field in ("oidc_issuer", "oidc_client_id", "oidc_client_secret"):
        if not getattr(settings, field):
            out.append(Problem(_env(field), "mangler; OpenID Connect er kun delvist sat op."))
    if out:
        return out
    if not settings.oidc_issuer.startswith("https://"):
        out.append(Problem("KUVERT_OIDC_ISSUER", "skal være en https-adresse."))
    url = (settings.oidc_discovery_url
           or settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration")
    setting = "KUVERT_OIDC_DISCOVERY_URL" if settings.oidc_discovery_url else "KUVERT_OIDC_ISSUER"
    try:
        document = json.loads(fetch(url))
    except Exception as exc:  # unreachable, an error status or not JSON: all the same here
        out.append(Problem(setting, f"udbyderens metadata på {url} kan ikke hentes ({_why(exc)})."))
        return out
    if not isinstance(document, dict) or document.get("issuer") != settings.oidc_issuer:
        out.append(Problem("KUVERT_OIDC_ISSUER", f"udbyderens metadata på {url} angiver en "
                           "anden udsteder (issuer)."))
    elif not document.get("jwks_uri") or not document.get("authorization_endpoint"):
        out.append(Problem(setting, f"udbyderens metadata på {url} mangler jwks_uri eller "
                           "authorization_endpoint."))
    return out


def _saml(settings: Settings, now: datetime, fetch: Fetch) -> list[Problem]:
    out: list[Problem] = []
    key, cert = settings.saml_sp_key_file, settings.saml_sp_cert_file
    if settings.saml_enabled or key or cert:
        if (key is None) != (cert is None):
            missing = "KUVERT_SAML_SP_CERT_FILE" if cert is None else "KUVERT_SAML_SP_KEY_FILE"
            out.append(Problem(missing, "mangler; nøgle og certifikat hører sammen."))
        if settings.saml_sign_requests and key is None:
            out.append(Problem("KUVERT_SAML_SIGN_REQUESTS",
                               "er true, men der er ingen nøgle (KUVERT_SAML_SP_KEY_FILE)."))
        for field, path in (("saml_sp_key_file", key), ("saml_sp_cert_file", cert)):
            if path is not None and not _readable(path):
                out.append(Problem(_env(field), f"filen {path} kan ikke læses."))
        if cert is not None and _readable(cert):
            out += _expiry("KUVERT_SAML_SP_CERT_FILE", "Kuverts eget certifikat",
                           [cert.read_bytes()], now)
    if not settings.saml_enabled:
        return out
    source = settings.saml_idp_metadata
    try:
        if source.startswith(("https://", "http://")):
            raw = fetch(source)
        else:
            raw = Path(source).read_bytes()
    except Exception as exc:  # unreachable or unreadable: the IdP cannot be trusted
        out.append(Problem("KUVERT_SAML_IDP_METADATA",
                           f"metadata fra {source} kan ikke hentes ({_why(exc)})."))
        return out
    if source.startswith("http://"):
        out.append(Problem("KUVERT_SAML_IDP_METADATA",
                           "hentes over http; brug https eller en fil."))
    try:
        certs = _idp_certificates(raw)
    except Exception as exc:  # not XML, or a dangerous one (defusedxml refuses)
        out.append(Problem("KUVERT_SAML_IDP_METADATA",
                           f"metadata fra {source} kan ikke læses ({_why(exc)})."))
        return out
    if not certs:
        out.append(Problem("KUVERT_SAML_IDP_METADATA", f"metadata fra {source} har ingen "
                           "IdP med et underskriftscertifikat."))
    out += _expiry("KUVERT_SAML_IDP_METADATA", "IdP'ens certifikat", certs, now)
    return out


def _readable(path: Path) -> bool:
    try:
        path.read_bytes()
    except OSError:
        return False
    return True


def _idp_certificates(raw: bytes) -> list[bytes]:
    """The DER certificates an IdP signs with, from its SAML metadata."""
    from defusedxml import ElementTree

    root = ElementTree.fromstring(raw)
    found = []
    for idp in root.iter(f"{MD}IDPSSODescriptor"):
        for descriptor in idp.iter(f"{MD}KeyDescriptor"):
            if descriptor.get("use", "signing") != "signing":
                continue
            for element in descriptor.iter(f"{DS}X509Certificate"):
                found.append(base64.b64decode("".join((element.text or "").split())))
    return found


def _expiry(setting: str, what: str, certificates: list[bytes], now: datetime) -> list[Problem]:
    from cryptography import x509

    out = []
    for data in certificates:
        try:
            cert = (x509.load_pem_x509_certificate(data) if data.lstrip().startswith(b"-----")
                    else x509.load_der_x509_certificate(data))
        except ValueError:
            out.append(Problem(setting, f"{what} kan ikke læses som et X.509-certifikat."))
            continue
        ends = cert.not_valid_after_utc
        if ends <= now:
            out.append(Problem(setting, f"{what} udløb {ends:%Y-%m-%d}."))
        elif ends - now < CERT_WARNING:
            out.append(Problem(setting, f"{what} udløber {ends:%Y-%m-%d}, om under "
                               f"{CERT_WARNING.days} dage; forny det nu."))
    return out


def _why(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}"[:200] if text else type(exc).__name__
