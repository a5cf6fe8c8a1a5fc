"""`kuvert check`: a production-like configuration passes; each unsafe one is refused with
one Danish line naming the setting, and `kuvert serve` will not start on it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.checks import check
from tests.ops.certs import idp_metadata, self_signed

KUVERT = str(Path(sys.executable).with_name("kuvert"))
SECRET = "3f9a1c5e7b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f2a4c6e8b0d1f3a"
ISSUER = "https://login.kommune.example/v2.0"


@pytest.fixture
def production(tmp_path: Path) -> dict[str, str]:
    """Environment of a production-like installation: PostgreSQL, 4 workers, SAML and OIDC."""
    sp_key, sp_cert = self_signed(tmp_path, "sp", days=365)
    _, idp_cert = self_signed(tmp_path, "idp", days=365)
    return {
        "KUVERT_ENVIRONMENT": "production",
        "KUVERT_DATABASE_URL": "postgresql+psycopg://kuvert@db.kommune.example/kuvert",
        "KUVERT_WORKERS": "4",
        "KUVERT_SECRET_KEY": SECRET,
        "KUVERT_COOKIE_SECURE": "true",
        "KUVERT_BASE_URL": "https://kuvert.kommune.example",
        "KUVERT_SAML_IDP_METADATA": str(idp_metadata(tmp_path, idp_cert)),
        "KUVERT_SAML_SP_KEY_FILE": str(sp_key),
        "KUVERT_SAML_SP_CERT_FILE": str(sp_cert),
        "KUVERT_CORS_ORIGINS": '["https://intra.kommune.example"]',
    }


def _discovery(issuer: str = ISSUER) -> Callable[[str], bytes]:
    def fetch(url: str) -> bytes:
        assert url == ISSUER + "/.well-known/openid-configuration"
        return json.dumps({"issuer": issuer, "jwks_uri": ISSUER + "/keys",
                           "authorization_endpoint": ISSUER + "/authorize"}).encode()
    return fetch


def _problems(env: dict[str, str], fetch: Callable[[str], bytes] | None = None,
              **override: Any) -> list[str]:
    from app.checks import load_settings

    saved = {k: v for k, v in os.environ.items() if k.startswith("KUVERT_")}
    for k in saved:
        del os.environ[k]
    os.environ.update(env)
    try:
        settings, problems = load_settings()
    finally:
        for k in env:
            del os.environ[k]
        os.environ.update(saved)
    if settings is None:
        return [str(p) for p in problems]
    settings = settings.model_copy(update=override)
    extra = {"fetch": fetch} if fetch else {}
    return [str(p) for p in check(settings, **extra)]


def test_check_passes_production_like_config(production: dict[str, str]) -> None:
    assert _problems(production) == []
    with_oidc = production | {"KUVERT_OIDC_ISSUER": ISSUER, "KUVERT_OIDC_CLIENT_ID": "kuvert",
                              "KUVERT_OIDC_CLIENT_SECRET": "s" * 40}
    assert _problems(with_oidc, _discovery()) == []


def test_check_passes_sqlite_with_one_worker(production: dict[str, str]) -> None:
    env = production | {"KUVERT_DATABASE_URL": "sqlite:////var/lib/kuvert/kuvert.db",
                        "KUVERT_WORKERS": "1"}
    assert _problems(env) == []


UNSAFE: dict[str, tuple[dict[str, str], str]] = {
    "sqlite_many_workers": ({"KUVERT_DATABASE_URL": "sqlite:////var/lib/kuvert/kuvert.db"},
                            "KUVERT_WORKERS: 4 processer på SQLite"),
    "no_secret": ({"KUVERT_SECRET_KEY": ""}, "KUVERT_SECRET_KEY: mangler"),
    "default_secret": ({"KUVERT_SECRET_KEY": "changeme"}, "KUVERT_SECRET_KEY: er en standard"),
    "short_secret": ({"KUVERT_SECRET_KEY": "abc123"}, "KUVERT_SECRET_KEY: er en standard"),
    "cookies_without_secure": ({"KUVERT_COOKIE_SECURE": "false"},
                               "KUVERT_COOKIE_SECURE: er false"),
    "not_production": ({"KUVERT_ENVIRONMENT": "development"}, "KUVERT_ENVIRONMENT: er "),
    "http_base_url": ({"KUVERT_BASE_URL": "http://kuvert.kommune.example"},
                      "KUVERT_BASE_URL: 'http://kuvert.kommune.example' er ikke"),
    "cors_star": ({"KUVERT_CORS_ORIGINS": '["*"]'}, "KUVERT_CORS_ORIGINS: indeholder '*'"),
    "frame_star": ({"KUVERT_EMBED_FRAME_ANCESTORS": "*"},
                   "KUVERT_EMBED_FRAME_ANCESTORS: indeholder '*'"),
    "audit_retention_short": ({"KUVERT_AUDIT_RETENTION_DAYS": "30"},
                              "KUVERT_AUDIT_RETENTION_DAYS: 30 dage er uden for"),
    "audit_retention_long": ({"KUVERT_AUDIT_RETENTION_DAYS": "4000"},
                             "KUVERT_AUDIT_RETENTION_DAYS: 4000 dage er uden for"),
    "case_retention_short": ({"KUVERT_CLOSED_CASE_RETENTION_DAYS": "0"},
                             "KUVERT_CLOSED_CASE_RETENTION_DAYS: 0 dage er uden for"),
    "case_retention_long": ({"KUVERT_CLOSED_CASE_RETENTION_DAYS": "99999"},
                            "KUVERT_CLOSED_CASE_RETENTION_DAYS: 99999 dage er uden for"),
    "saml_metadata_missing_file": ({"KUVERT_SAML_IDP_METADATA": "/nonexistent/idp.xml"},
                                   "KUVERT_SAML_IDP_METADATA: metadata fra /nonexistent"),
    "saml_metadata_unreachable": (
        {"KUVERT_SAML_IDP_METADATA": "https://127.0.0.1:9/metadata"},
        "KUVERT_SAML_IDP_METADATA: metadata fra https://127.0.0.1:9/metadata kan ikke hentes"),
    "saml_sp_key_unreadable": ({"KUVERT_SAML_SP_KEY_FILE": "/nonexistent/sp.key"},
                               "KUVERT_SAML_SP_KEY_FILE: filen /nonexistent/sp.key kan ikke"),
    "oidc_half_configured": ({"KUVERT_OIDC_ISSUER": ISSUER, "KUVERT_OIDC_CLIENT_SECRET": "x"},
                             "KUVERT_OIDC_CLIENT_ID: mangler"),
    "oidc_unreachable": ({"KUVERT_OIDC_ISSUER": "https://127.0.0.1:9/idp",
                          "KUVERT_OIDC_CLIENT_ID": "kuvert", "KUVERT_OIDC_CLIENT_SECRET": "x"},
                         "KUVERT_OIDC_ISSUER: udbyderens metadata på https://127.0.0.1:9/idp/"
                         ".well-known/openid-configuration kan ikke hentes"),
}


@pytest.mark.parametrize("case", sorted(UNSAFE))
def test_check_refuses_unsafe_setting(production: dict[str, str], case: str) -> None:
    change, expected = UNSAFE[case]
    problems = _problems(production | change)
    assert len(problems) == 1, problems
    assert problems[0].startswith(expected), problems


def test_check_refuses_saml_metadata_that_is_not_xml(production: dict[str, str],
                                                      tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text("<html>login</html", encoding="utf-8")
    problems = _problems(production | {"KUVERT_SAML_IDP_METADATA": str(bad)})
    assert [p.split(" (")[0] for p in problems] == [
        f"KUVERT_SAML_IDP_METADATA: metadata fra {bad} kan ikke læses"]


@pytest.mark.parametrize(("days", "words"), [(10, "udløber"), (-2, "udløb ")])
def test_check_refuses_idp_certificate_expiring_soon(production: dict[str, str],
                                                     tmp_path: Path, days: int,
                                                     words: str) -> None:
    _, cert = self_signed(tmp_path, "old-idp", days=days)
    problems = _problems(production | {
        "KUVERT_SAML_IDP_METADATA": str(idp_metadata(tmp_path, cert))})
    assert len(problems) == 1 and problems[0].startswith(
        f"KUVERT_SAML_IDP_METADATA: IdP'ens certifikat {words}"), problems


def test_check_refuses_own_saml_certificate_expiring_soon(production: dict[str, str],
                                                          tmp_path: Path) -> None:
    key, cert = self_signed(tmp_path, "old-sp", days=20)
    problems = _problems(production | {"KUVERT_SAML_SP_KEY_FILE": str(key),
                                       "KUVERT_SAML_SP_CERT_FILE": str(cert)})
    assert len(problems) == 1 and problems[0].startswith(
        "KUVERT_SAML_SP_CERT_FILE: Kuverts eget certifikat udløber"), problems


def test_check_refuses_oidc_provider_naming_another_issuer(production: dict[str, str]) -> None:
    env = production | {"KUVERT_OIDC_ISSUER": ISSUER, "KUVERT_OIDC_CLIENT_ID": "kuvert",
                        "KUVERT_OIDC_CLIENT_SECRET": "s" * 40}
    problems = _problems(env, _discovery("https://evil.example"))
    assert len(problems) == 1 and problems[0].startswith("KUVERT_OIDC_ISSUER: udbyderens")


def _kuvert(env: dict[str, str], *args: str,
            timeout: float = 60) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KUVERT_")}
    return subprocess.run([KUVERT, *args], env=clean | env, capture_output=True, text=True,
                          timeout=timeout, check=False)


def test_check_command_exits_zero_on_production_like_config(production: dict[str, str]) -> None:
    done = _kuvert(production, "check")
    assert done.returncode == 0, done.stderr
    assert "klar til drift" in done.stdout and done.stderr == ""


def test_check_command_prints_one_line_per_problem(production: dict[str, str]) -> None:
    env = production | {"KUVERT_DATABASE_URL": "sqlite:////tmp/x.db", "KUVERT_SECRET_KEY": "",
                        "KUVERT_COOKIE_SECURE": "false", "KUVERT_CORS_ORIGINS": '["*"]'}
    done = _kuvert(env, "check")
    assert done.returncode == 1
    assert [line.split(":")[0] for line in done.stderr.splitlines()] == [
        "KUVERT_WORKERS", "KUVERT_SECRET_KEY", "KUVERT_COOKIE_SECURE", "KUVERT_CORS_ORIGINS"]
    assert _kuvert(env | {"KUVERT_WORKERS": "1"}, "check", "--workers", "3").stderr.startswith(
        "KUVERT_WORKERS: 3 processer")


def test_check_command_speaks_danish_whatever_kuvert_lang_says(
        production: dict[str, str]) -> None:
    """The check's lines name settings for operations staff in docs/drift.md's words
    (issue 13): Danish, also when the command's other output is English."""
    env = production | {"KUVERT_LANG": "en", "KUVERT_SECRET_KEY": ""}
    done = _kuvert(env, "check")
    assert done.returncode == 1
    assert done.stderr.startswith("KUVERT_SECRET_KEY: mangler; sæt en lang tilfældig nøgle")
    ready = _kuvert(production | {"KUVERT_LANG": "en"}, "check")
    assert ready.stdout == "Konfigurationen er klar til drift.\n"


def test_check_command_reports_invalid_values(production: dict[str, str]) -> None:
    done = _kuvert(production | {"KUVERT_AUDIT_RETENTION_DAYS": "seks"}, "check")
    assert done.returncode == 1
    assert done.stderr.startswith("KUVERT_AUDIT_RETENTION_DAYS: ugyldig værdi")


def test_serve_refuses_to_start_in_production_on_a_problem(production: dict[str, str],
                                                           tmp_path: Path) -> None:
    env = production | {"KUVERT_DATABASE_URL": f"sqlite:///{tmp_path / 'k.db'}",
                        "KUVERT_SECRET_KEY": "changeme"}
    done = _kuvert(env, "serve", "--port", "9", "--workers", "2")
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert lines[0].startswith("KUVERT_WORKERS: 2 processer på SQLite")
    assert lines[1].startswith("KUVERT_SECRET_KEY:")
    assert lines[-1].startswith("Kuvert starter ikke")
