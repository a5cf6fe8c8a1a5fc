"""Shared by the HTTP benchmarks: a throw-away database with the demo data, and real
``kuvert serve`` processes on free loopback ports, always stopped afterwards.

The server class is the tests' (tests/helpers/server.py): one copy for both."""

from __future__ import annotations

import os
import secrets
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.cli import migrate
from app.db import Database
from app.demo import load_demo
from tests.helpers.server import KUVERT, KuvertServer, free_port

__all__ = ["KUVERT", "ROOT", "Demo", "KuvertServer", "demo_database", "free_port",
           "kuvert_serve", "postgres_url"]

ROOT = Path(__file__).resolve().parents[1]

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def postgres_url() -> str | None:
    """The server to measure on: KUVERT_TEST_POSTGRES_URL, else the default, if it answers."""
    url = os.environ.get("KUVERT_TEST_POSTGRES_URL") or DEFAULT_POSTGRES
    engine = create_engine(url, connect_args={"connect_timeout": 2})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:
        return None
    finally:
        engine.dispose()
    return url


@dataclass
class Demo:
    url: str  # the database
    token: str  # the demo team's write token


@contextmanager
def demo_database(backend: str, admin_url: str | None = None) -> Iterator[Demo]:
    """A new database (SQLite file or PostgreSQL database), migrated, with the demo data."""
    folder = Path(tempfile.mkdtemp(prefix="kuvert-bench-"))
    name = f"kuvert_bench_{secrets.token_hex(5)}"
    admin = None
    try:
        if backend == "sqlite":
            url = f"sqlite:///{folder / 'bench.db'}"
        else:
            assert admin_url is not None
            admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        migrate(url)
        db = Database(url)
        with db.session() as session:
            token = load_demo(session).token
        db.dispose()
        assert token is not None
        yield Demo(url, token)
    finally:
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def kuvert_serve(url: str, workers: int = 1) -> Iterator[str]:
    """``kuvert serve`` on ``url``'s database; yields its base URL once /healthz answers."""
    with KuvertServer(url, workers=workers) as server:
        yield server.base
