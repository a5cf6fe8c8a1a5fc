"""Several app processes on one PostgreSQL database: a change made through one reaches
the browsers connected to another (LISTEN/NOTIFY), and ``kuvert serve --workers``."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from contextlib import ExitStack, suppress
from pathlib import Path

import httpx
import pytest

from app.cli import migrate, parser
from tests.helpers.database import POSTGRES, empty_database
from tests.helpers.html import csrf_token
from tests.helpers.server import KUVERT, KuvertServer

ARRIVAL_SECONDS = 5.0


def test_serve_takes_a_number_of_workers() -> None:
    assert parser().parse_args(["serve", "--workers", "3"]).workers == 3
    assert parser().parse_args(["serve"]).workers is None  # then KUVERT_WORKERS (1)
    with pytest.raises(SystemExit):
        parser().parse_args(["serve", "--workers", "0"])


def _workers(parent: int) -> set[int]:
    """The worker processes uvicorn's supervisor (``parent``) started (spawned Pythons)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent and b"spawn_main" in cmdline:
            found.add(int(entry.name))
    return found


def test_a_worker_slow_to_answer_its_supervisor_is_not_killed(tmp_path: Path) -> None:
    """A worker that cannot answer uvicorn's ping for 8 s (stopped here, as a busy host's
    scheduler or a slow start would hold it) keeps running: by uvicorn's default 5 s it
    was killed and replaced, losing whatever it was answering."""
    with empty_database("sqlite", tmp_path) as url:
        migrate(url)
        with KuvertServer(url, workers=2, startup=90) as server:
            assert server.process is not None
            workers = _workers(server.process.pid)
            assert len(workers) == 2
            slow = min(workers)
            os.kill(slow, signal.SIGSTOP)
            try:
                time.sleep(8)
            finally:
                with suppress(ProcessLookupError):  # what a killed worker would say
                    os.kill(slow, signal.SIGCONT)
            time.sleep(1.5)
            assert _workers(server.process.pid) == workers
            assert httpx.get(f"{server.base}/healthz", timeout=10,
                             trust_env=False).status_code == 200


def _log_in(client: httpx.Client) -> None:
    """As a browser: the form's CSRF cookie and hidden field, then the demo login."""
    form = client.get("/login")
    csrf = csrf_token(form.text)
    answer = client.post("/login", data={"username": "demo", "password": "kuvert-demo",
                                         "csrf": csrf, "next": "/cases"})
    assert answer.status_code == 303, answer.text


@pytest.mark.skipif(not POSTGRES, reason="needs PostgreSQL: set KUVERT_TEST_POSTGRES_URL")
def test_change_through_one_process_reaches_a_stream_on_another(tmp_path: Path) -> None:
    with empty_database("postgresql", tmp_path) as url, ExitStack() as stack:
        migrate(url)
        token_file = tmp_path / "demo-token.txt"
        first, second = (KuvertServer(url, settings={"KUVERT_DEMO_TOKEN_FILE": str(token_file)})
                         for _ in range(2))
        subprocess.run([str(KUVERT), "demo"], env=first.env, check=True, timeout=120,
                       stdout=subprocess.DEVNULL)
        token = token_file.read_text().strip()
        a = stack.enter_context(first).base
        b = stack.enter_context(second).base
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
