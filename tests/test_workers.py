"""Several app processes on one PostgreSQL database: a change made through one reaches
the browsers connected to another (LISTEN/NOTIFY), and ``kuvert serve --workers``."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest

from app.cli import migrate, parser
from tests.conftest import POSTGRES, empty_database

KUVERT = Path(sys.executable).with_name("kuvert")
ARRIVAL_SECONDS = 5.0


def test_serve_takes_a_number_of_workers() -> None:
    assert parser().parse_args(["serve", "--workers", "3"]).workers == 3
    assert parser().parse_args(["serve"]).workers == 1
    with pytest.raises(SystemExit):
        parser().parse_args(["serve", "--workers", "0"])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def _serve(env: dict[str, str]) -> Iterator[str]:
    """One ``kuvert serve`` process; yields its base URL once it answers; always stopped."""
    port = _free_port()
    process = subprocess.Popen([str(KUVERT), "serve", "--port", str(port)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, "kuvert serve stopped at start"
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "kuvert serve did not start in 30 s"
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _log_in(client: httpx.Client) -> None:
    """As a browser: the form's CSRF cookie and hidden field, then the demo login."""
    form = client.get("/login")
    csrf = form.text.split('name="csrf" value="')[1].split('"')[0]
    answer = client.post("/login", data={"username": "demo", "password": "kuvert-demo",
                                         "csrf": csrf, "next": "/cases"})
    assert answer.status_code == 303, answer.text


@pytest.mark.skipif(not POSTGRES, reason="needs PostgreSQL: set KUVERT_TEST_POSTGRES_URL")
def test_change_through_one_process_reaches_a_stream_on_another(tmp_path: Path) -> None:
    with empty_database("postgresql", tmp_path) as url, ExitStack() as stack:
        migrate(url)
        token_file = tmp_path / "demo-token.txt"
        env = {**os.environ, "KUVERT_DATABASE_URL": url, "KUVERT_HOST": "127.0.0.1",
               "KUVERT_DEMO_TOKEN_FILE": str(token_file)}
        subprocess.run([str(KUVERT), "demo"], env=env, check=True, timeout=120,
                       stdout=subprocess.DEVNULL)
        token = token_file.read_text().strip()
        a = stack.enter_context(_serve(env))
        b = stack.enter_context(_serve(env))
        api = stack.enter_context(httpx.Client(
            base_url=a, timeout=10, headers={"Authorization": f"Bearer {token}"}))
        browser = stack.enter_context(httpx.Client(base_url=b, timeout=10))
        _log_in(browser)

        timeout = httpx.Timeout(10, read=ARRIVAL_SECONDS)
        with browser.stream("GET", "/cases/1/events", timeout=timeout) as stream:
            assert stream.status_code == 200
            lines = stream.iter_lines()
            assert next(lines).startswith("retry:")  # subscribed on B

            graph = api.get("/api/v1/cases/1/graph")
            changed = api.post("/api/v1/cases/1/actors",
                               headers={"If-Match": graph.headers["ETag"]},
                               json={"key": "ny-raadgiver", "kind": "professional",
                                     "label": "Ny rådgiver"})
            assert changed.status_code == 201, changed.text
            made = time.monotonic()
            version = changed.headers["ETag"].strip('"')

            seen = []
            for line in lines:  # a read timeout ends this if nothing comes
                seen.append(line)
                if line == "event: changed":
                    assert next(lines) == f"data: {version}"
                    break
                assert time.monotonic() - made < ARRIVAL_SECONDS, seen
            assert time.monotonic() - made < ARRIVAL_SECONDS, seen
            assert "event: changed" in seen
