"""Clients of the app under test: a team's REST client with its token, and logging in
through the real login form as a browser would."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from app import accounts
from app.db import Database
from tests.helpers.html import csrf_token

PASSWORD = "en-lang-adgangskode"


@dataclass
class Api:
    """A REST client of one team, holding a bearer token of the given scope."""

    client: TestClient
    token: str
    team: str

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **(extra or {})}

    def get(self, url: str, **kw: Any) -> Any:
        return self.client.get(url, headers=self.headers(kw.pop("headers", None)), **kw)

    def post(self, url: str, **kw: Any) -> Any:
        return self.client.post(url, headers=self.headers(kw.pop("headers", None)), **kw)

    def put(self, url: str, **kw: Any) -> Any:
        return self.client.put(url, headers=self.headers(kw.pop("headers", None)), **kw)

    def patch(self, url: str, **kw: Any) -> Any:
        return self.client.patch(url, headers=self.headers(kw.pop("headers", None)), **kw)

    def delete(self, url: str, **kw: Any) -> Any:
        return self.client.delete(url, headers=self.headers(kw.pop("headers", None)), **kw)

    def create(self, doc: Any) -> tuple[int, int]:
        """Store a document as a new case; returns (id, version)."""
        body = doc if isinstance(doc, dict) else doc.model_dump(mode="json", exclude_none=True)
        response = self.post("/api/v1/cases", json=body)
        assert response.status_code == 201, response.text
        return response.json()["id"], response.json()["version"]


def team_api(client: TestClient, db: Database, team: str, scope: str) -> Api:
    """A client of ``team`` (created if new) with a new token of ``scope``."""
    with db.session() as session:
        accounts.ensure_team(session, team)
        token = accounts.create_token(session, team, scope, f"test-{scope}")
    return Api(client, token, team)


def new_user(db: Database, team: str, role: str, prefix: str = "user") -> str:
    """A new user of ``team`` with ``role`` and the password PASSWORD; returns the username."""
    username = f"{prefix}-{secrets.token_hex(4)}"
    with db.session() as session:
        accounts.create_user(session, username, PASSWORD, team, role)
    return username


def find_team_id(db: Database, team: str) -> int:
    with db.session() as session:
        return accounts.find_team(session, team).id


def log_in(client: TestClient, username: str, password: str = PASSWORD,
           next: str = "/cases") -> Any:
    """Fill in the login form as a browser would (with its CSRF cookie)."""
    csrf = csrf_token(client.get("/login"))
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf": csrf, "next": next}, follow_redirects=False)


def post_form(client: TestClient, url: str, data: dict[str, Any] | None = None,
              csrf: str | None = None, csrf_from: str = "/admin/users") -> Any:
    """Send a form as the page would, with the CSRF token of ``csrf_from`` unless given."""
    token = csrf if csrf is not None else csrf_token(client.get(csrf_from))
    return client.post(url, data={"csrf": token, **(data or {})}, follow_redirects=False)


def client_address() -> str:
    """A client address of its own: throttles count per address for the whole run."""
    return f"100.{64 + secrets.randbelow(64)}.{secrets.randbelow(256)}.{secrets.randbelow(256)}"
