"""Shared by the HTTP benchmarks: a throw-away database with the demo data, and real
``kuvert serve`` processes on free loopback ports, always stopped afterwards."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.cli import migrate
from app.db import Database
from app.demo import load_demo

ROOT = Path(__file__).resolve().parents[1]

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
KUVERT = Path(sys.executable).with_name("kuvert")


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class KuvertServer:
    """``kuvert serve`` as a child process on a free loopback port: started, killed with
    SIGKILL, stopped, started again. The benchmarks and every test that needs a real
    server (browser, abuse, concurrent writers, crash safety, several processes) use it.

    Only the settings given here reach it: a developer's own ``KUVERT_*`` variables
    (say a PostgreSQL address or secure cookies) must not leak in. It runs in its own
    process group, so stopping it stops its workers too.
    """

    def __init__(self, url: str, *, log: Path | None = None, workers: int = 1,
                 settings: dict[str, str] | None = None, startup: float = 30.0) -> None:
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("KUVERT_")}
        self.env |= {"KUVERT_DATABASE_URL": url, "KUVERT_HOST": "127.0.0.1",
                     **(settings or {})}
        self.log, self.workers, self.startup = log, workers, startup
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> str:
        """Start it and wait until ``/healthz`` answers; returns the base URL."""
        assert self.process is None or self.process.poll() is not None, "already running"
        self.port = free_port()
        command = [str(KUVERT), "serve", "--port", str(self.port),
                   "--workers", str(self.workers)]
        with (self.log.open("ab") if self.log else open(os.devnull, "wb")) as out:
            self.process = subprocess.Popen(command, env=self.env, cwd=ROOT, stdout=out,
                                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            start_new_session=True)
        deadline = time.monotonic() + self.startup
        while self.process.poll() is None and time.monotonic() < deadline:
            try:  # straight to loopback, whatever proxy the environment names
                if httpx.get(f"{self.base}/healthz", timeout=2,
                             trust_env=False).status_code == 200:
                    return self.base
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        why = (f"exited with {self.process.returncode}" if self.process.poll() is not None
               else f"did not answer /healthz within {self.startup:.0f} s")
        self.stop()
        raise RuntimeError(f"kuvert serve {why}; its output:\n{self.tail()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no cleanup, exactly like a power cut of the process."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def tail(self) -> str:
        if self.log is None or not self.log.exists():
            return "(not kept)"
        return self.log.read_text(errors="replace")[-3000:]

    def __enter__(self) -> KuvertServer:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


@contextmanager
def kuvert_serve(url: str, workers: int = 1) -> Iterator[str]:
    """``kuvert serve`` on ``url``'s database; yields its base URL once /healthz answers."""
    with KuvertServer(url, workers=workers) as server:
        yield server.base
