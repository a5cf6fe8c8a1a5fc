"""The emergency path when local passwords are off (KUVERT_LOCAL_LOGIN=false): the command
line on the server still makes teams, admins and API tokens; and turning local login on
for a while lets a local admin into the web pages (docs/drift.md, "Nødadgang")."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from tests.helpers.clients import log_in
from tests.helpers.html import has

KUVERT = str(Path(sys.executable).with_name("kuvert"))
SIGN_ON = {"local_login": False, "oidc_issuer": "https://login.kommune.example",
           "oidc_client_id": "kuvert", "oidc_client_secret": "x" * 40}


def _kuvert(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KUVERT_")}
    env |= {"KUVERT_DATABASE_URL": url, "KUVERT_LOCAL_LOGIN": "false",
            "KUVERT_OIDC_ISSUER": SIGN_ON["oidc_issuer"], "KUVERT_OIDC_CLIENT_ID": "kuvert"}
    return subprocess.run([KUVERT, *args], env=env, capture_output=True, text=True,
                          timeout=120, check=False)


def test_command_line_is_the_way_in_when_local_login_is_off(settings: Settings) -> None:
    team, admin = f"Drift {secrets.token_hex(3)}", f"noed-{secrets.token_hex(3)}"
    url = settings.database_url
    assert _kuvert(url, "team", "create", team).returncode == 0
    made = _kuvert(url, "user", "create", "--team", team, "--username", admin,
                   "--password", "en-lang-nødadgangskode", "--role", "admin")
    assert made.returncode == 0, made.stderr
    token = _kuvert(url, "token", "create", "--team", team, "--scope", "write")
    assert token.returncode == 0, token.stderr
    secret = token.stdout.strip().splitlines()[-1].split()[-1]

    off = create_app(settings.model_copy(update=SIGN_ON))
    with TestClient(off) as client:
        assert not has(client.get("/login"), '[name="password"]')
        refused = client.post("/login", data={"username": admin, "csrf": "x",
                                              "password": "en-lang-nødadgangskode"})
        assert refused.status_code == 403 and "kuvert_session" not in refused.cookies
        listed = client.get("/api/v1/cases", headers={"Authorization": f"Bearer {secret}"})
        assert listed.status_code == 200  # the API token works without the provider
    off.state.db.dispose()

    # The provider is down: local login on for a while (restart with KUVERT_LOCAL_LOGIN=true).
    on = create_app(settings.model_copy(update=SIGN_ON | {"local_login": True}))
    with TestClient(on) as client:
        assert log_in(client, admin, "en-lang-nødadgangskode").status_code == 303
        assert client.get("/admin").status_code == 200
    on.state.db.dispose()
