"""Lost PostgreSQL connections (app/db.py): a pooled connection idle past the threshold
is pinged and replaced when dead, one reused sooner is not pinged, and a dead one used
anyway costs that request a 503 with a code, never the next one. Real PostgreSQL: the
connections are ended by the server (``pg_terminate_backend``), as in a restart."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from app import accounts
from app.cli import migrate
from app.config import Settings
from app.db import Database, make_engine
from app.graph.examples import claus_nu
from app.main import create_app
from tests.helpers.clients import PASSWORD, Api, log_in, team_api
from tests.helpers.database import POSTGRES, empty_database

postgres = pytest.mark.skipif(POSTGRES is None,
                              reason="needs PostgreSQL (KUVERT_TEST_POSTGRES_URL)")

UNAVAILABLE = "Databasen svarer ikke lige nu. Prøv igen om lidt."


@pytest.fixture(scope="module")
def pg_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with empty_database("postgresql", tmp_path_factory.mktemp("db")) as url:
        migrate(url)
        yield url


@pytest.fixture
def admin(pg_url: str) -> Iterator[Engine]:
    """Connections of its own (no pool), to watch and end the app's."""
    engine = create_engine(pg_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


def _end_connections(admin: Engine) -> None:
    """End every other connection to the database, as a restart of the server would,
    and wait until the server has let them go."""
    others = ("SELECT pid FROM pg_stat_activity "
              "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    with admin.connect() as conn:
        pids = conn.execute(text(others)).scalars().all()
        assert pids, "the app holds no connection to end"
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM unnest(:pids) AS pid"),
                     {"pids": list(pids)})
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with admin.connect() as conn:
            left = conn.execute(text("SELECT count(*) FROM pg_stat_activity "
                                     "WHERE pid = ANY(:pids)"), {"pids": list(pids)}).scalar()
        if left == 0:
            return
        time.sleep(0.05)
    raise AssertionError("the terminated connections are still there")


def _last_statement(admin: Engine, pid: int) -> tuple[Any, ...]:
    """What the server says connection ``pid`` last ran, and when it started."""
    with admin.connect() as conn:
        row = conn.execute(text("SELECT query, query_start FROM pg_stat_activity "
                                "WHERE pid = :pid"), {"pid": pid}).one()
    return tuple(row)


@contextmanager
def _app(url: str, ping_idle_seconds: float) -> Iterator[tuple[TestClient, Api, int]]:
    """The app on ``url`` with a team, its write client and a stored case."""
    app = create_app(Settings(database_url=url, environment="test",
                              database_ping_idle_seconds=ping_idle_seconds))
    try:
        with TestClient(app) as client:
            api = team_api(client, app.state.db, f"team-{secrets.token_hex(4)}", "write")
            case_id, _ = api.create(claus_nu())
            assert api.get(f"/api/v1/cases/{case_id}/graph").status_code == 200
            yield client, api, case_id
    finally:
        app.state.db.dispose()


@postgres
def test_read_after_restart_succeeds_when_idle_past_threshold(pg_url: str,
                                                              admin: Engine) -> None:
    with _app(pg_url, ping_idle_seconds=0.3) as (client, api, case_id):
        _end_connections(admin)
        time.sleep(0.6)
        assert client.get("/healthz").json() == {"status": "ok", "database": "ok"}
        answer = api.get(f"/api/v1/cases/{case_id}/graph")
        assert answer.status_code == 200, answer.text
        assert answer.json()["label"] == claus_nu().label


def _statement_on_reuse(pg_url: str, admin: Engine, ping_idle_seconds: float,
                        idle: float) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """A pooled connection used once, left ``idle`` seconds and checked out again: what
    the server says it last ran before and after that checkout (the same connection)."""
    db = Database(pg_url, ping_idle_seconds=ping_idle_seconds)
    try:
        with db.engine.connect() as conn:
            pid = conn.connection.driver_connection.info.backend_pid  # type: ignore[union-attr]
            conn.execute(text("SELECT 1"))
        before = _last_statement(admin, pid)
        time.sleep(idle)
        with db.engine.connect() as conn:
            assert conn.connection.driver_connection.info.backend_pid == pid  # type: ignore[union-attr]
            return before, _last_statement(admin, pid)
    finally:
        db.dispose()


@postgres
def test_connection_reused_within_threshold_is_not_pinged(pg_url: str,
                                                          admin: Engine) -> None:
    before, after = _statement_on_reuse(pg_url, admin, ping_idle_seconds=60, idle=0)
    assert after == before


@postgres
def test_connection_idle_past_threshold_is_pinged(pg_url: str, admin: Engine) -> None:
    """The other side of the test above: the same watch sees a ping when one is due."""
    before, after = _statement_on_reuse(pg_url, admin, ping_idle_seconds=0.2, idle=0.5)
    assert after[1] > before[1]


@postgres
def test_read_on_lost_connection_gets_503_then_next_succeeds(pg_url: str,
                                                             admin: Engine) -> None:
    with _app(pg_url, ping_idle_seconds=60) as (client, api, case_id):
        _end_connections(admin)
        answer = api.get(f"/api/v1/cases/{case_id}/graph")
        assert answer.status_code == 503
        assert answer.json() == {"error": {"code": "database_unavailable",
                                           "message": UNAVAILABLE}}
        english = api.get(f"/api/v1/cases/{case_id}/graph",
                          headers={"Accept-Language": "en"})
        assert english.status_code == 200, english.text
        assert client.get("/healthz").status_code == 200


@postgres
def test_page_on_lost_connection_gets_503_page_then_next_succeeds(pg_url: str,
                                                                  admin: Engine) -> None:
    with _app(pg_url, ping_idle_seconds=60) as (client, api, _case_id):
        username = f"user-{secrets.token_hex(4)}"
        with client.app.state.db.session() as session:  # type: ignore[attr-defined]
            accounts.create_user(session, username, PASSWORD, api.team, "coordinator")
        assert log_in(client, username).status_code == 303
        assert client.get("/cases").status_code == 200
        _end_connections(admin)
        answer = client.get("/cases")
        assert answer.status_code == 503
        assert answer.headers["content-type"].startswith("text/html")
        assert UNAVAILABLE in answer.text and "Traceback" not in answer.text
        assert client.get("/cases").status_code == 200


@postgres
def test_lone_statement_is_one_round_trip_and_leaves_no_autocommit(pg_url: str,
                                                                   admin: Engine) -> None:
    """/healthz's SELECT 1 without BEGIN before or ROLLBACK after it, and the pooled
    connection back in transactions for whoever takes it next."""
    db = Database(pg_url)
    try:
        with db.lone_statements.connect() as conn:
            pid = conn.connection.driver_connection.info.backend_pid  # type: ignore[union-attr]
            conn.execute(text("SELECT 1 AS lone"))
        assert _last_statement(admin, pid)[0] == "SELECT 1 AS lone"
        with db.engine.connect() as conn:
            dbapi = conn.connection.driver_connection
            assert dbapi.info.backend_pid == pid  # type: ignore[union-attr]
            assert dbapi.autocommit is False  # type: ignore[union-attr]
    finally:
        db.dispose()


def test_sqlite_engine_pings_nothing(tmp_path: Path) -> None:
    """SQLite has no network connection to lose: no checkout listener at all."""
    engine = make_engine(f"sqlite:///{tmp_path / 'kuvert.db'}", ping_idle_seconds=0)
    try:
        assert not engine.pool.dispatch.checkout
    finally:
        engine.dispose()
