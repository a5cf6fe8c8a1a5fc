"""Fixtures: a migrated database per backend (SQLite always, PostgreSQL when
KUVERT_TEST_POSTGRES_URL is set), the real app on it, and API clients per team."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import accounts
from app.cli import migrate
from app.config import Settings
from app.db import Database
from app.main import create_app
from tests.trust import figures

POSTGRES = os.environ.get("KUVERT_TEST_POSTGRES_URL")


def _backends() -> list[str]:
    return ["sqlite", "postgresql"] if POSTGRES else ["sqlite"]


@contextmanager
def empty_database(backend: str, tmp: Path) -> Iterator[str]:
    """A new, empty database; dropped afterwards. Yields its URL."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp / f'kuvert-{secrets.token_hex(4)}.db'}"
        return
    assert POSTGRES is not None
    name = f"kuvert_test_{secrets.token_hex(6)}"
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session", params=_backends())
def database_url(request: pytest.FixtureRequest,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with empty_database(request.param, tmp_path_factory.mktemp("db")) as url:
        migrate(url)
        yield url


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, environment="test")


@pytest.fixture(scope="session")
def client(settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings)
    with TestClient(app) as c:
        yield c
    app.state.db.dispose()


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    database = Database(settings.database_url)
    yield database
    database.dispose()


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


@pytest.fixture
def team_name() -> str:
    return f"team-{secrets.token_hex(4)}"


def _api(client: TestClient, db: Database, team: str, scope: str) -> Api:
    with db.session() as session:
        accounts.ensure_team(session, team)
        token = accounts.create_token(session, team, scope, f"test-{scope}")
    return Api(client, token, team)


@pytest.fixture
def api(client: TestClient, db: Database, team_name: str) -> Api:
    """A write client of a fresh team."""
    return _api(client, db, team_name, "write")


@pytest.fixture
def reader(client: TestClient, db: Database, team_name: str, api: Api) -> Api:
    """A read-only client of the same team as ``api``."""
    return _api(client, db, team_name, "read")


@pytest.fixture
def other_team(client: TestClient, db: Database) -> Api:
    """A write client of another team."""
    return _api(client, db, f"other-{secrets.token_hex(4)}", "write")


PASSWORD = "en-lang-adgangskode"


def log_in(client: TestClient, username: str, password: str = PASSWORD,
           next: str = "/cases") -> Any:
    """Fill in the login form as a browser would (with its CSRF cookie)."""
    form = client.get("/login")
    csrf = form.text.split('name="csrf" value="')[1].split('"')[0]
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf": csrf, "next": next}, follow_redirects=False)


@pytest.fixture
def browser(settings: Settings, db: Database, api: Api) -> Iterator[TestClient]:
    """A logged-in browser of a coordinator in ``api``'s team (own cookie jar)."""
    username = f"user-{secrets.token_hex(4)}"
    with db.session() as session:
        accounts.create_user(session, username, PASSWORD, api.team, "coordinator")
    app = create_app(settings)
    with TestClient(app) as c:
        assert log_in(c, username).status_code == 303
        c.username = username  # type: ignore[attr-defined]
        yield c
    app.state.db.dispose()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The trust tests' figures (tests/trust/figures.py), from a run that passed."""
    if exitstatus == 0:
        figures.write()
