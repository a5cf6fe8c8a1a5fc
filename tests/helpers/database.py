"""The test databases: SQLite always, PostgreSQL too when KUVERT_TEST_POSTGRES_URL is set."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

POSTGRES = os.environ.get("KUVERT_TEST_POSTGRES_URL")


def backends() -> list[str]:
    """The backends to run database tests on, as fixture parameters."""
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
