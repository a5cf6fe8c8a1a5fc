"""Engine, sessions and the declarative base.

SQLite is the embedded default: it gets WAL (readers never wait for the writer)
and foreign keys (off by default in SQLite, and our cascades depend on them).
PostgreSQL connections are pinged before use only when they have sat idle in the
pool (:class:`PingWhenIdle`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, create_engine, event, exc
from sqlalchemy.engine import Dialect, Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _to_json(value: object) -> str:
    """JSON columns as compact UTF-8 text: the graph read sends a version's stored
    document as it is, so "før" should reach an integrator as "før", not "f\\u00f8r"."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


PING_IDLE_SECONDS = 10.0
_RETURNED = "kuvert_returned_to_pool"  # when the pool last took the connection back


class PingWhenIdle:
    """Pessimistic disconnect handling, paid only where a disconnect is likely.

    A connection that has sat in the pool longer than ``idle_seconds`` is pinged when
    it is checked out; if the ping fails, the pool replaces it (and every connection
    older than it: a failed ping most likely means the server restarted). A connection
    reused sooner, as under load within milliseconds, is not pinged: ``pool_pre_ping``
    pinged every checkout, one extra round trip per request (py-spy on PostgreSQL
    ``/healthz`` under wrk: ``do_ping`` 19 % of the active samples). Should such a
    connection turn out dead, SQLAlchemy invalidates the whole pool on the error, so
    only requests already in flight fail, with 503 (``app.web.error_handlers``).
    ``idle_seconds=0`` pings every reuse, as ``pool_pre_ping`` did. A new connection
    is never pinged.
    """

    def __init__(self, dialect: Dialect, idle_seconds: float) -> None:
        self.dialect = dialect
        self.idle_seconds = idle_seconds

    def attach(self, engine: Engine) -> None:
        event.listen(engine, "checkin", self.checkin)
        event.listen(engine, "checkout", self.checkout)

    @staticmethod
    def checkin(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info[_RETURNED] = time.monotonic()

    def checkout(self, dbapi_connection: Any, record: ConnectionPoolEntry,
                 _proxy: PoolProxiedConnection) -> None:
        returned = record.info.get(_RETURNED)  # none: a new connection
        if returned is None or time.monotonic() - returned <= self.idle_seconds:
            return
        try:
            self.dialect.do_ping(dbapi_connection)
        except self.dialect.loaded_dbapi.Error as error:
            raise exc.InvalidatePoolError(f"ping failed: {error}") from error


def make_engine(url: str, *, ping_idle_seconds: float = PING_IDLE_SECONDS) -> Engine:
    """An engine for ``url``; for a SQLite file, its folder is created first.

    On PostgreSQL a pooled connection idle for more than ``ping_idle_seconds`` is
    pinged before use (:class:`PingWhenIdle`); SQLite has no connection to lose.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        # Connections kept, not closed when more than five were busy: a new one costs
        # its PRAGMAs (WAL among them), and under load that was ~12 % of /healthz
        # (py-spy: Pool._create_connection, _sqlite_pragmas). An in-memory database has
        # one connection per thread (SingletonThreadPool), which takes no sizes.
        pool: dict[str, Any] = {}
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            pool = {"pool_size": 20, "max_overflow": 20}
        engine = create_engine(url, connect_args={"check_same_thread": False},
                               json_serializer=_to_json, **pool)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(url, json_serializer=_to_json, pool_size=10, max_overflow=10)
    PingWhenIdle(engine.dialect, ping_idle_seconds).attach(engine)
    return engine


class Database:
    """One engine and its session factory; the app holds one, tests make their own."""

    def __init__(self, url: str, *, ping_idle_seconds: float = PING_IDLE_SECONDS) -> None:
        self.url = url
        self.engine = make_engine(url, ping_idle_seconds=ping_idle_seconds)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        # For a statement that needs no transaction (/healthz's SELECT 1), the same pool:
        # on PostgreSQL in autocommit, one round trip instead of three (BEGIN, the
        # statement, the pool's ROLLBACK on return: 32 % of /healthz's active samples
        # under wrk, py-spy). SQLite sends no BEGIN before a SELECT anyway, and switching
        # its connection back would cost a PRAGMA on every return.
        self.lone_statements = (self.engine.execution_options(isolation_level="AUTOCOMMIT")
                                if self.engine.dialect.name == "postgresql" else self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.sessions() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
