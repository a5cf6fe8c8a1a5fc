"""HTTP throughput and latency of a real ``kuvert serve`` on loopback, against the
framework's own limit.

Run: ``.venv/bin/python bench/api.py [seconds]``. The load comes from ``wrk`` (a C load
generator; Debian package ``wrk``): a Python client on the same two cores saturates long
before the server does and squeezes every ratio towards 1. Without ``wrk`` the benchmark
falls back to a Python client (httpx) and says so loudly.

Every endpoint is reported as requests/s, p50/p99 latency (from wrk's own histogram), and
as a ratio to

- a **bare FastAPI endpoint** (``bench/bare.py``: one ``def`` route returning a dict)
  served by uvicorn with exactly the settings ``kuvert serve`` uses, in the same run: the
  framework's limit on this machine; and
- Kuvert's own ``GET /healthz`` (which asks the database ``SELECT 1``).

Targets (issue 15): ``/healthz`` ≥ 0.6 of the bare endpoint; the reads that matter
(graph, case list, case page, envelope.svg) ≥ 0.5 of ``/healthz``. A target counts as
**met** only with a margin of at least 20 % (ratio ≥ 1.2 × target).

Every ``/api/v1`` read checks the token and the team and writes an audit row, and every
page read checks the login and writes its audit row, as in production; the benchmark
measures exactly that. Measured on SQLite (one process) and, when a server answers, on
PostgreSQL with one and with two worker processes.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.serving import ROOT, KuvertServer, demo_database, free_port, postgres_url
from tests.helpers.networks import network

CONNECTIONS = 16
SECONDS = 4.0  # per endpoint and set-up, in ROUNDS turns
ROUNDS = 2
MARGIN = 1.2  # a target is met only with 20 % to spare
TARGET_HEALTH_VS_BARE = 0.6
TARGET_READ_VS_HEALTH = 0.5
WRK = shutil.which("wrk")

# wrk runs this script: method, body and headers of the request, and at the end one
# JSON line with the counts and the percentiles of its own latency histogram (in µs).
LUA = """
wrk.method = %(method)s
wrk.body = %(body)s
%(headers)s
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK-RESULT {"requests":%%d,"duration_us":%%d,"errors":%%d,"status_errors":%%d,' ..
    '"p50_us":%%d,"p95_us":%%d,"p99_us":%%d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout,
    e.status, latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


@dataclass
class Endpoint:
    name: str
    path: str
    method: str = "GET"
    body: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    target: str = ""  # "bare" (healthz against bare) or "health" (a read against healthz)
    bare: bool = False  # served by the bare app, not by Kuvert


@dataclass
class Figure:
    name: str
    requests: int
    errors: int
    rps: float
    p50_ms: float
    p99_ms: float
    target: str = ""
    vs_bare: float = 0.0
    vs_health: float = 0.0

    @property
    def verdict(self) -> str:
        if self.target == "bare":
            return _verdict(self.vs_bare, TARGET_HEALTH_VS_BARE, "bare")
        if self.target == "health":
            return _verdict(self.vs_health, TARGET_READ_VS_HEALTH, "`/healthz`")
        return "–"


def _verdict(ratio: float, target: float, of: str) -> str:
    if ratio >= target * MARGIN:
        return f"met (≥ {target:g}× {of}, with ≥ 20 % margin)"
    if ratio >= target:
        return f"**met without the 20 % margin** (≥ {target:g}× {of})"
    return f"**not met** (< {target:g}× {of})"


@dataclass
class _Tally:
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    p50s: list[float] = field(default_factory=list)
    p99s: list[float] = field(default_factory=list)


def _lua_string(value: str | None) -> str:
    """A Lua long string: taken as it is, no escapes."""
    if value is None:
        return "nil"
    assert "]==]" not in value
    return f"[==[{value}]==]"


def _wrk_once(base: str, endpoint: Endpoint, seconds: float, tally: _Tally,
              folder: Path) -> None:
    headers = "\n".join(f"wrk.headers[ {_lua_string(k)} ] = {_lua_string(v)}"
                        for k, v in endpoint.headers.items())
    script = folder / "request.lua"
    script.write_text(LUA % {"method": _lua_string(endpoint.method),
                             "body": _lua_string(endpoint.body), "headers": headers})
    assert WRK is not None
    done = subprocess.run(
        [WRK, "-t1", f"-c{CONNECTIONS}", f"-d{max(1, round(seconds))}s", "--timeout", "10s",
         "-s", str(script), base + endpoint.path],
        capture_output=True, text=True, timeout=seconds + 60, check=True)
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRK-RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no result:\n{done.stdout}\n{done.stderr}")
    result = json.loads(line.removeprefix("WRK-RESULT "))
    tally.requests += result["requests"]
    tally.errors += result["errors"] + result["status_errors"]
    tally.seconds += result["duration_us"] / 1e6
    tally.p50s.append(result["p50_us"] / 1000)
    tally.p99s.append(result["p99_us"] / 1000)


def _python_once(base: str, endpoint: Endpoint, seconds: float, tally: _Tally) -> None:
    """The fallback load: ``CONNECTIONS`` httpx clients in one Python process."""

    async def run() -> None:
        latencies: list[float] = []
        deadline = time.perf_counter() + seconds
        limits = httpx.Limits(max_connections=CONNECTIONS)
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30,
                                     headers=endpoint.headers) as client:
            async def one() -> None:
                while time.perf_counter() < deadline:
                    start = time.perf_counter()
                    try:
                        answer = await client.request(endpoint.method, endpoint.path,
                                                      content=endpoint.body)
                        ok = answer.status_code < 400
                    except httpx.HTTPError:
                        ok = False
                    latencies.append(time.perf_counter() - start)
                    tally.errors += not ok

            began = time.perf_counter()
            await asyncio.gather(*(one() for _ in range(CONNECTIONS)))
            tally.seconds += time.perf_counter() - began
        latencies.sort()
        tally.requests += len(latencies)
        if latencies:
            tally.p50s.append(latencies[len(latencies) // 2] * 1000)
            tally.p99s.append(latencies[min(len(latencies) - 1,
                                            int(len(latencies) * 0.99))] * 1000)

    asyncio.run(run())


def measure(bases: dict[bool, str], endpoints: list[Endpoint],
            seconds: float) -> list[Figure]:
    """Endpoints take turns in ``ROUNDS`` rounds, so a change in the machine's other load
    weighs on all of them alike and the ratios stay fair. p50 is the median of the
    rounds' p50, p99 the worst round's p99."""
    tallies = [_Tally() for _ in endpoints]
    with tempfile.TemporaryDirectory() as folder:
        for endpoint in endpoints:  # warm up (caches, connection pools, JIT-free but lazy)
            _run_once(bases[endpoint.bare], endpoint, 1.0, _Tally(), Path(folder))
        for _ in range(ROUNDS):
            for endpoint, tally in zip(endpoints, tallies, strict=True):
                _run_once(bases[endpoint.bare], endpoint, seconds / ROUNDS, tally,
                          Path(folder))
    figures = [Figure(e.name, t.requests, t.errors, t.requests / (t.seconds or 1.0),
                      statistics.median(t.p50s) if t.p50s else 0.0,
                      max(t.p99s, default=0.0), e.target)
               for e, t in zip(endpoints, tallies, strict=True)]
    bare = next((f.rps for f in figures if f.name.startswith("bare")), 0.0) or 1.0
    health = next((f.rps for f in figures if "/healthz" in f.name), 0.0) or 1.0
    for f in figures:
        f.vs_bare, f.vs_health = f.rps / bare, f.rps / health
    return figures


def _run_once(base: str, endpoint: Endpoint, seconds: float, tally: _Tally,
              folder: Path) -> None:
    if WRK is not None:
        _wrk_once(base, endpoint, seconds, tally, folder)
    else:
        _python_once(base, endpoint, seconds, tally)


@contextmanager
def bare_serve(workers: int) -> Iterator[str]:
    """``bench/bare.py`` under uvicorn with ``kuvert serve``'s settings."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, str(ROOT / "bench" / "bare.py"), str(port),
                                str(workers)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/bare", timeout=2, trust_env=False).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the bare app did not start")
            time.sleep(0.05)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait(timeout=10)


def _log_in(base: str) -> str:
    """The demo user's session cookie, as a browser would get it."""
    with httpx.Client(base_url=base, timeout=30, trust_env=False) as client:
        form = client.get("/login")
        csrf = form.text.split('name="csrf" value="')[1].split('"')[0]
        answer = client.post("/login", data={"username": "demo", "password": "kuvert-demo",
                                             "csrf": csrf, "next": "/cases"})
        if answer.status_code != 303:
            raise RuntimeError(f"login failed: {answer.status_code}")
        return "; ".join(f"{k}={v}" for k, v in client.cookies.items())


def _endpoints(base: str, token: str) -> list[Endpoint]:
    """The endpoints, on the demo's Claus case and on stored 30- and 60-actor networks."""
    auth = {"Authorization": f"Bearer {token}"}
    ids = {}
    with httpx.Client(base_url=base, headers=auth, timeout=30, trust_env=False) as client:
        for actors, couplings in ((30, 60), (60, 150)):
            doc = network(actors, couplings).model_dump(mode="json", exclude_none=True)
            created = client.post("/api/v1/cases", json=doc)
            created.raise_for_status()
            ids[actors] = created.json()["id"]
        claus = client.get("/api/v1/cases/1/graph")
        claus.raise_for_status()
        svg = client.get(f"/api/v1/cases/{ids[60]}/envelope.svg")
        svg.raise_for_status()
    n = len(claus.json()["actors"])
    cookie = {"Cookie": _log_in(base)}
    return [
        Endpoint("bare FastAPI `def` route (bench/bare.py)", "/bare", bare=True),
        Endpoint("GET /healthz", "/healthz", target="bare"),
        Endpoint(f"GET graph (demo case 1, {n} actors)", "/api/v1/cases/1/graph",
                 headers=auth, target="health"),
        Endpoint("GET graph (60 actors, 150 couplings)", f"/api/v1/cases/{ids[60]}/graph",
                 headers=auth, target="health"),
        Endpoint(f"GET envelope.svg (demo case 1, {n} actors)",
                 "/api/v1/cases/1/envelope.svg", headers=auth, target="health"),
        Endpoint("GET envelope.svg (60 actors)", f"/api/v1/cases/{ids[60]}/envelope.svg",
                 headers=auth, target="health"),
        Endpoint("GET envelope.svg (60 actors), If-None-Match → 304",
                 f"/api/v1/cases/{ids[60]}/envelope.svg",
                 headers={**auth, "If-None-Match": svg.headers.get("etag", '"none"')}),
        Endpoint("GET /cases (case list page, HTML)", "/cases", headers=cookie,
                 target="health"),
        Endpoint("GET /cases/{id} (case page, HTML, 30 actors)", f"/cases/{ids[30]}",
                 headers=cookie, target="health"),
        Endpoint(f"POST classify (demo case 1, {n} actors)", "/api/v1/classify", "POST",
                 claus.text, {**auth, "Content-Type": "application/json"}),
    ]


def run_setup(backend: str, admin_url: str | None = None, workers: int = 1,
              seconds: float = SECONDS) -> list[Figure]:
    """Serve a fresh demo database on ``backend`` and the bare app; measure every endpoint."""
    with demo_database(backend, admin_url) as demo, \
            KuvertServer(demo.url, workers=workers) as server, \
            bare_serve(workers) as bare:
        endpoints = _endpoints(server.base, demo.token)
        return measure({False: server.base, True: bare}, endpoints, seconds)


def generator() -> str:
    return ("wrk" if WRK is not None else
            "**Python httpx client (fallback: `wrk` is not installed; the figures are "
            "squeezed towards 1 by the client's own cost)**")


def main(seconds: float = SECONDS) -> dict[str, list[Figure]]:
    """SQLite with one process; PostgreSQL with one and two, when a server answers."""
    if WRK is None:
        print("WARNING: wrk is not installed (apt-get install wrk); falling back to a "
              "Python client, whose own cost squeezes every ratio towards 1.", flush=True)
    results: dict[str, list[Figure]] = {"SQLite, 1 process": run_setup("sqlite",
                                                                       seconds=seconds)}
    pg = postgres_url()
    if pg is not None:
        for workers in (1, 2):
            name = f"PostgreSQL, {workers} process{'es' if workers > 1 else ''}"
            results[name] = run_setup("postgresql", pg, workers, seconds)
    else:
        print("PostgreSQL: no server answers; measured on SQLite only.")
    for setup, figures in results.items():
        print(f"\n{setup}: {CONNECTIONS} connections, {seconds:g} s per endpoint "
              f"({'wrk' if WRK else 'httpx'})")
        print(f"{'endpoint':<56} {'req/s':>7} {'p50':>6} {'p99':>6} {'÷bare':>6} "
              f"{'÷health':>7} {'err':>4}")
        for f in figures:
            print(f"{f.name:<56} {f.rps:>7.0f} {f.p50_ms:>6.1f} {f.p99_ms:>6.1f} "
                  f"{f.vs_bare:>6.2f} {f.vs_health:>7.2f} {f.errors:>4}  {f.verdict}")
    return results


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else SECONDS)
