"""The kuvert command, run as a user would: a real process on a real database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from app import models as m
from app.db import Database
from tests.helpers.database import backends, empty_database

KUVERT = str(Path(sys.executable).with_name("kuvert"))


def _run(url: str, *args: str, input: str | None = None,
         lang: str | None = None) -> subprocess.CompletedProcess[str]:
    token_file = Path(url.rsplit("/", 1)[-1] + "-demo-token.txt")
    env = {**{k: v for k, v in os.environ.items() if k != "KUVERT_LANG"},
           "KUVERT_DATABASE_URL": url,
           "KUVERT_DEMO_TOKEN_FILE": str(Path(os.environ.get("TMPDIR", "/tmp")) / token_file),
           **({"KUVERT_LANG": lang} if lang else {})}
    return subprocess.run([KUVERT, *args], env=env, input=input, capture_output=True,
                          text=True, timeout=120, check=False)


@pytest.fixture(params=backends())
def url(request: pytest.FixtureRequest, tmp_path: Path) -> object:
    with empty_database(request.param, tmp_path) as u:
        assert _run(u, "migrate").returncode == 0
        yield u


def test_demo_loads_once(url: str) -> None:
    first = _run(url, "demo")
    assert first.returncode == 0, first.stderr
    assert "Claus, 22 (før)" in first.stdout
    second = _run(url, "demo")
    assert second.returncode == 0
    assert "allerede" in second.stdout
    exported = json.loads(_run(url, "export").stdout)
    assert sorted(c["label"] for c in exported["cases"]) == sorted([
        "Claus, 22 (før)", "Claus, 22 (nu)", "Maja, 34", "Sara, 17", "Familien fra opgangen"])


def test_team_user_token_create(url: str) -> None:
    assert _run(url, "team", "create", "Unge Nord").returncode == 0
    again = _run(url, "team", "create", "Unge Nord")
    assert again.returncode == 1 and "findes allerede" in again.stderr
    user = _run(url, "user", "create", "--team", "Unge Nord", "--username", "anna",
                "--password", "en-lang-adgangskode", "--role", "editor")
    assert user.returncode == 0, user.stderr
    token = _run(url, "token", "create", "--team", "Unge Nord", "--scope", "read")
    assert token.returncode == 0
    secret = token.stdout.strip().splitlines()[-1].split()[-1]
    assert secret.startswith("kvt_")
    exported = _run(url, "export").stdout
    assert secret not in exported  # only its hash is kept
    assert "en-lang-adgangskode" not in exported


def _audit_of_user_created(url: str) -> list[tuple[str, str | None, int | None]]:
    db = Database(url)
    try:
        with db.session() as session:
            return [(e.principal, e.detail, e.team_id) for e in session.scalars(
                select(m.AuditEntry).where(m.AuditEntry.action == "admin:user_created"))]
    finally:
        db.dispose()


def test_user_create_is_audited_as_the_system(url: str) -> None:
    assert _run(url, "team", "create", "Unge Nord").returncode == 0
    user = _run(url, "user", "create", "--team", "Unge Nord", "--username", "anna",
                "--password", "en-lang-adgangskode", "--role", "editor")
    assert user.returncode == 0, user.stderr
    [(principal, detail, team_id)] = _audit_of_user_created(url)
    assert principal == "system:cli" and detail == "user=anna role=editor"
    assert team_id is not None


@pytest.mark.parametrize(("username", "password", "says"), [
    ("anna andersen", "en-lang-adgangskode", "Brugernavnet skal være 1-100 tegn"),
    ("anna", "kort", "Adgangskoden skal være mindst 10 tegn."),
])
def test_user_create_refuses_what_the_admin_pages_refuse(url: str, username: str,
                                                         password: str, says: str) -> None:
    assert _run(url, "team", "create", "Unge Nord").returncode == 0
    result = _run(url, "user", "create", "--team", "Unge Nord", "--username", username,
                  "--password", password, "--role", "editor")
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith("Fejl: ") and says in result.stderr
    assert _audit_of_user_created(url) == []


def test_user_create_refuses_a_taken_username(url: str) -> None:
    assert _run(url, "team", "create", "Unge Nord").returncode == 0
    args = ("user", "create", "--team", "Unge Nord", "--username", "anna",
            "--password", "en-lang-adgangskode", "--role", "editor")
    assert _run(url, *args).returncode == 0
    again = _run(url, *args)
    assert again.returncode == 1 and "«anna» er allerede i brug" in again.stderr


def test_user_create_refuses_unknown_team(url: str) -> None:
    result = _run(url, "user", "create", "--team", "nope", "--username", "x",
                  "--password", "en-lang-adgangskode", "--role", "reader")
    assert result.returncode == 1
    assert "findes ikke" in result.stderr


def test_export_import_round_trip_is_lossless(url: str, tmp_path: Path) -> None:
    assert _run(url, "demo").returncode == 0
    first = _run(url, "export")
    assert first.returncode == 0
    backends = ["sqlite"]
    with empty_database(backends[0], tmp_path) as target:
        assert _run(target, "migrate").returncode == 0
        loaded = _run(target, "import", "-", input=first.stdout)
        assert loaded.returncode == 0, loaded.stderr
        second = _run(target, "export")
        assert json.loads(second.stdout) == json.loads(first.stdout)
        refused = _run(target, "import", "-", input=first.stdout)
        assert refused.returncode == 1 and "tom database" in refused.stderr


def test_purge_is_a_dry_run_unless_applied(url: str) -> None:
    dry = _run(url, "purge")
    assert dry.returncode == 0, dry.stderr
    assert "--apply" in dry.stdout
    applied = _run(url, "purge", "--apply")
    assert applied.returncode == 0 and "slettet: 0" in applied.stdout


def test_commands_speak_english_when_kuvert_lang_says_so(url: str) -> None:
    assert _run(url, "migrate", lang="en").stdout == (
        "The database is updated to the newest version.\n")
    made = _run(url, "team", "create", "Unge Nord", lang="en")
    assert made.returncode == 0 and made.stdout.startswith("Team created: Unge Nord (id ")
    refused = _run(url, "user", "create", "--team", "Unge Nord", "--username", "anna",
                   "--password", "kort", "--role", "editor", lang="en")
    assert refused.returncode == 1
    assert refused.stderr == "Error: The password must be at least 10 characters.\n"
    danish = _run(url, "team", "create", "Unge Syd")
    assert danish.stdout.startswith("Team oprettet: Unge Syd (id ")
