"""Abuse: slow and huge requests do not take a real server down (loopback only, bounded)."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.helpers.server import KUVERT, KuvertServer


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A real `kuvert serve` on a SQLite file; yields (base URL, demo token)."""
    folder = tmp_path_factory.mktemp("abuse")
    settings = {"KUVERT_DEMO_TOKEN_FILE": str(folder / "token.txt"),
                "KUVERT_MAX_BODY_BYTES": "200000"}
    server = KuvertServer(f"sqlite:///{folder / 'k.db'}", log=folder / "server.log",
                          settings=settings)
    for step in (["migrate"], ["demo"]):
        subprocess.run([KUVERT, *step], env=server.env, check=True, capture_output=True,
                       timeout=120)
    with server:
        yield server.base, (folder / "token.txt").read_text().strip()


def _healthy_within(base: str, seconds: float) -> float:
    started = time.monotonic()
    response = httpx.get(f"{base}/healthz", timeout=seconds)
    assert response.status_code == 200
    return time.monotonic() - started


def test_slow_clients_do_not_block_others(server: tuple[str, str]) -> None:
    base, _ = server
    port = int(base.rsplit(":", 1)[1])
    slow = []
    try:
        for _ in range(60):  # half-sent requests that never finish
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(b"POST /api/v1/classify HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n")
            slow.append(s)
        for s in slow[:30]:
            s.sendall(b"\r\n{\"label\": ")  # and some that stall inside the body
        assert _healthy_within(base, 3.0) < 3.0
    finally:
        for s in slow:
            s.close()
    print("\nabuse: 60 stalled connections, /healthz answered meanwhile")


def test_huge_bodies_are_refused_early(server: tuple[str, str]) -> None:
    base, token = server
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    declared = httpx.post(f"{base}/api/v1/cases", content=b"x" * 300_000, headers=headers,
                          timeout=10)
    assert declared.status_code == 413
    assert declared.json()["error"]["code"] == "too_large"

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while it arrives
        for _ in range(2000):
            yield b"x" * 65536  # 128 MiB if it were all read

    streamed = httpx.post(f"{base}/api/v1/cases", content=chunks(), headers=headers,
                          timeout=30)
    assert streamed.status_code == 413
    assert _healthy_within(base, 3.0) < 3.0


def test_many_requests_in_a_row_keep_answering(server: tuple[str, str]) -> None:
    base, token = server
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=10) as c:
        statuses = [c.get("/api/v1/cases", params={"q": "%" * 200}).status_code
                    for _ in range(200)]
        too_long = c.get("/api/v1/cases", params={"q": "x" * 5000})
    assert set(statuses) == {200}
    assert too_long.status_code == 422
