"""The nginx TLS site of docs/drift/ in front of a real Kuvert server started with the
systemd unit's settings: a login over https, the request id through both, and (with
trusted proxies, issue 13 item 5) the client's real address and scheme."""

from __future__ import annotations

import json
import re
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from app import accounts
from app.cli import migrate
from app.config import ROOT, Settings
from app.db import Database
from tests.helpers.deploy import unit_environment
from tests.helpers.html import csrf_token
from tests.helpers.server import KuvertServer, free_port
from tests.ops.certs import self_signed

SITE = ROOT / "docs" / "drift" / "nginx-kuvert.conf"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
CLIENT = "127.0.0.3"  # the browser's address: another loopback address than nginx's own

pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx not installed (apt install nginx)")


def _site(upstream: int, port: int, cert: Path, key: Path) -> str:
    """The documented site with this test's ports and certificate; nothing else changed."""
    text = SITE.read_text(encoding="utf-8")
    swaps = [(r"server 127\.0\.0\.1:8000;", f"server 127.0.0.1:{upstream};"),
             (r"listen 443 ssl http2;", f"listen 127.0.0.1:{port} ssl http2;"),
             (r"\n\s*listen \[::\]:443 ssl http2;", ""),
             (r"listen 80;", f"listen 127.0.0.1:{free_port()};"),
             (r"\n\s*listen \[::\]:80;", ""),
             (r"/etc/ssl/kuvert/fullchain\.pem", str(cert)),
             (r"/etc/ssl/kuvert/privkey\.pem", str(key))]
    for pattern, replacement in swaps:
        text, count = re.subn(pattern, replacement, text)
        assert count == 1, f"{pattern} not in {SITE.name}: update the test with the example"
    return text


@pytest.fixture
def nginx_in_front(tmp_path: Path) -> Iterator[tuple[str, Path, Path]]:
    """Kuvert (production settings of kuvert.service, SQLite) behind the documented nginx.
    Yields the https base URL, the certificate and Kuvert's JSON log."""
    url = f"sqlite:///{tmp_path / 'kuvert.db'}"
    migrate(url)
    db = Database(url)
    with db.session() as session:
        accounts.create_team(session, "Jobcenter")
        accounts.create_user(session, "anna", "en-lang-adgangskode", "Jobcenter", "editor")
    db.dispose()
    key, cert = self_signed(tmp_path, "tls", days=30)
    port = free_port()
    base = f"https://127.0.0.1:{port}"
    log = tmp_path / "kuvert.log"
    env = unit_environment() | {"KUVERT_SECRET_KEY": "9c" * 32, "KUVERT_BASE_URL": base}
    env.pop("KUVERT_PORT")  # KuvertServer picks a free one
    with KuvertServer(url, settings=env, log=log) as server:
        conf = tmp_path / "nginx.conf"
        site = tmp_path / "kuvert-site.conf"
        site.write_text(_site(server.port, port, cert, key), encoding="utf-8")
        temp = tmp_path / "nginx-temp"
        temp.mkdir()
        conf.write_text(f"""
user root;
daemon off;
worker_processes 1;
pid {tmp_path / 'nginx.pid'};
error_log {tmp_path / 'nginx-error.log'} warn;
events {{ worker_connections 64; }}
http {{
    access_log {tmp_path / 'nginx-access.log'};
    client_body_temp_path {temp}/body; proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fcgi; uwsgi_temp_path {temp}/uwsgi; scgi_temp_path {temp}/scgi;
    include {site};
}}
""", encoding="utf-8")
        assert NGINX is not None
        test = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", str(conf),
                               "-e", str(tmp_path / "nginx-error.log")],
                              capture_output=True, text=True, timeout=30, check=False)
        assert test.returncode == 0, test.stderr
        proc = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(conf),
                                 "-e", str(tmp_path / "nginx-error.log")],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.05)
            yield base, cert, log
        finally:
            proc.terminate()
            proc.wait(timeout=20)


def _browser(cert: Path) -> httpx.Client:
    transport = httpx.HTTPTransport(local_address=CLIENT,
                                    verify=ssl.create_default_context(cafile=str(cert)))
    return httpx.Client(transport=transport, timeout=10, trust_env=False)


def _access(log: Path, match: Callable[[dict[str, object]], bool]) -> dict[str, object]:
    """The server's access-log entry that ``match`` picks: the server writes it once the
    answer is on its way, so it may land a moment after the client has read the answer."""
    deadline = time.monotonic() + 10
    while True:
        lines = [json.loads(line) for line in log.read_text().splitlines()
                 if line.startswith("{")]
        found = [e for e in lines if e.get("logger") == "kuvert.access" and match(e)]
        if found or time.monotonic() > deadline:
            assert found, f"no such access-log entry in {log}"
            return found[0]
        time.sleep(0.05)


def test_login_over_https_through_nginx(nginx_in_front: tuple[str, Path, Path]) -> None:
    base, cert, log = nginx_in_front
    with _browser(cert) as browser:
        assert browser.get(f"{base}/healthz").json() == {"status": "ok", "database": "ok"}
        form = browser.get(f"{base}/login")
        assert form.status_code == 200
        assert "Strict-Transport-Security" in form.headers
        csrf = csrf_token(form.text)
        # A client may not choose its own address: nginx overwrites X-Forwarded-For.
        answer = browser.post(f"{base}/login", data={
            "username": "anna", "password": "en-lang-adgangskode", "csrf": csrf,
            "next": "/cases"}, headers={"X-Forwarded-For": "203.0.113.66",
                                        "X-Request-ID": "sag-4711"})
        assert answer.status_code == 303, answer.text
        assert answer.headers["location"] == "/cases"
        # nginx, the edge, gives every request its id (a client's own is replaced).
        rid = answer.headers["x-request-id"]
        assert re.fullmatch(r"[0-9a-f]{32}", rid)
        session_cookie = next(c for c in answer.headers.get_list("set-cookie")
                              if c.startswith("kuvert_session="))
        assert "secure" in session_cookie.lower() and "httponly" in session_cookie.lower()
        cases = browser.get(f"{base}/cases")
        assert cases.status_code == 200 and "anna" in cases.text
        assert cases.headers["x-request-id"] != rid
    login = _access(log, lambda e: e["path"] == "/login" and e["method"] == "POST")
    assert login["request_id"] == rid and login["status"] == 303
    assert login["client"] != "203.0.113.66"


@pytest.mark.skipif("trusted_proxies" not in Settings.model_fields,
                    reason="KUVERT_TRUSTED_PROXIES not on this branch yet (issue 13, item 5)")
def test_kuvert_sees_the_clients_address_and_https(nginx_in_front: tuple[str, Path, Path]
                                                   ) -> None:
    base, cert, log = nginx_in_front
    with _browser(cert) as browser:
        rid = browser.get(f"{base}/login").headers["x-request-id"]
    entry = _access(log, lambda e: e["request_id"] == rid)
    assert entry["client"] == CLIENT and entry["scheme"] == "https"
