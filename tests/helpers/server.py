"""Real ``kuvert serve`` processes on free loopback ports, always stopped afterwards, and
the ``kuvert`` command run as an operator would. The benchmarks (bench/serving.py) use
the same server class: there is one of it, here."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
KUVERT = Path(sys.executable).with_name("kuvert")
WAIT = 30.0  # seconds: the longest any single wait of a test on a live server may take


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


def kuvert(url: str, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the ``kuvert`` command on the database at ``url``, as an operator would."""
    env = {**os.environ, "KUVERT_DATABASE_URL": url}
    return subprocess.run([KUVERT, *args], env=env, input=input, capture_output=True,
                          text=True, timeout=120, check=False)


def create_team_token(url: str, team: str) -> str:
    """Create a team and a write token for it with the command line; returns the token."""
    made = kuvert(url, "team", "create", team)
    assert made.returncode == 0, made.stderr
    token = kuvert(url, "token", "create", "--team", team, "--scope", "write")
    assert token.returncode == 0, token.stderr
    secret = token.stdout.strip().splitlines()[-1].split()[-1]
    assert secret.startswith("kvt_")
    return secret


def live_server(url: str, log: Path) -> KuvertServer:
    """A real server on ``url``'s database in test mode; the caller starts it."""
    return KuvertServer(url, log=log, settings={"KUVERT_ENVIRONMENT": "test"}, startup=WAIT)
