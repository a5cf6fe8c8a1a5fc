"""Fixtures: a migrated database per backend (SQLite always, PostgreSQL when
KUVERT_TEST_POSTGRES_URL is set), the real app on it, and API clients per team."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app import accounts
from app.cli import migrate
from app.config import Settings
from app.db import Database
from app.main import create_app
from tests.helpers.clients import PASSWORD, Api, log_in, team_api
from tests.helpers.database import backends, empty_database
from tests.trust import figures


@pytest.fixture(scope="session", params=backends())
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


@pytest.fixture
def team_name() -> str:
    return f"team-{secrets.token_hex(4)}"


@pytest.fixture
def api(client: TestClient, db: Database, team_name: str) -> Api:
    """A write client of a fresh team."""
    return team_api(client, db, team_name, "write")


@pytest.fixture
def reader(client: TestClient, db: Database, team_name: str, api: Api) -> Api:
    """A read-only client of the same team as ``api``."""
    return team_api(client, db, team_name, "read")


@pytest.fixture
def other_team(client: TestClient, db: Database) -> Api:
    """A write client of another team."""
    return team_api(client, db, f"other-{secrets.token_hex(4)}", "write")


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
