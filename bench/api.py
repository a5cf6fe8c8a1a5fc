"""HTTP throughput and latency of a real ``kuvert serve`` (one process) on loopback.

Run: ``.venv/bin/python bench/api.py [seconds]``. For each endpoint a fixed number of
concurrent clients (httpx) send requests for a fixed time; the figures are requests
per second, p50 and p99 latency, and the throughput as a ratio to ``/healthz`` (the
trivial endpoint, which only asks the database ``SELECT 1``) in the same run.
Target (DESIGN §10): ``GET /api/v1/cases/{id}/graph`` at ≥ 0.5 of the trivial
endpoint. Measured on SQLite, and on PostgreSQL when a server answers.

Every ``/api/v1`` read checks the token and the team and writes an audit row, as in
production; the benchmark measures exactly that.
"""

from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.render import network
from bench.serving import demo_database, kuvert_serve, postgres_url

CONCURRENCY = 16
SECONDS = 5.0  # per endpoint, in ROUNDS turns
ROUNDS = 5
MAX_REQUESTS = 200_000  # a bound in count as well as in time
TARGET_GRAPH_RATIO = 0.5


@dataclass
class Figure:
    name: str
    requests: int
    errors: int
    rps: float
    p50_ms: float
    p99_ms: float
    ratio: float = 1.0


@dataclass
class Endpoint:
    name: str
    method: str
    path: str
    body: Any = None


@dataclass
class _Tally:
    latencies: list[float]
    errors: int = 0
    elapsed: float = 0.0


async def _load(client: httpx.AsyncClient, endpoint: Endpoint, seconds: float,
                concurrency: int, tally: _Tally) -> None:
    """``concurrency`` clients send ``endpoint`` back to back for ``seconds``."""
    deadline = time.perf_counter() + seconds
    count = len(tally.latencies)

    async def one_client() -> None:
        while time.perf_counter() < deadline and len(tally.latencies) - count < MAX_REQUESTS:
            start = time.perf_counter()
            try:
                response = await client.request(endpoint.method, endpoint.path,
                                                json=endpoint.body)
                ok = response.status_code < 400
            except httpx.HTTPError:
                ok = False
            tally.latencies.append(time.perf_counter() - start)
            if not ok:
                tally.errors += 1

    began = time.perf_counter()
    await asyncio.gather(*(one_client() for _ in range(concurrency)))
    tally.elapsed += time.perf_counter() - began


async def _measure(base: str, token: str, endpoints: list[Endpoint], seconds: float,
                   concurrency: int) -> list[Figure]:
    """Endpoints take turns in ``ROUNDS`` rounds, so a change in the machine's other load
    weighs on all of them alike and the ratios stay fair."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    tallies = [_Tally([]) for _ in endpoints]
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30,
                                 headers={"Authorization": f"Bearer {token}"}) as client:
        for endpoint in endpoints:  # warm up
            await _load(client, endpoint, 0.3, concurrency, _Tally([]))
        for _ in range(ROUNDS):
            for endpoint, tally in zip(endpoints, tallies, strict=True):
                await _load(client, endpoint, seconds / ROUNDS, concurrency, tally)
    figures = []
    for endpoint, tally in zip(endpoints, tallies, strict=True):
        lat = sorted(tally.latencies)
        n = len(lat)
        figures.append(Figure(endpoint.name, n, tally.errors, n / (tally.elapsed or 1.0),
                              lat[n // 2] * 1000 if n else 0.0,
                              lat[min(n - 1, int(n * 0.99))] * 1000 if n else 0.0))
    trivial = figures[0].rps or 1.0
    for figure in figures:
        figure.ratio = figure.rps / trivial
    return figures


def _endpoints(base: str, token: str) -> list[Endpoint]:
    """The endpoints, on the demo's Claus case and on a stored 60-actor network."""
    headers = {"Authorization": f"Bearer {token}"}
    big = network(60, 150).model_dump(mode="json", exclude_none=True)
    created = httpx.post(f"{base}/api/v1/cases", json=big, headers=headers, timeout=30)
    created.raise_for_status()
    big_id = created.json()["id"]
    claus = httpx.get(f"{base}/api/v1/cases/1/graph", headers=headers, timeout=30)
    claus.raise_for_status()
    actors = len(claus.json()["actors"])
    return [
        Endpoint("GET /healthz", "GET", "/healthz"),
        Endpoint(f"GET graph (demo case 1, {actors} actors)", "GET", "/api/v1/cases/1/graph"),
        Endpoint("GET graph (60 actors, 150 couplings)", "GET",
                 f"/api/v1/cases/{big_id}/graph"),
        Endpoint(f"GET envelope.svg (demo case 1, {actors} actors)", "GET",
                 "/api/v1/cases/1/envelope.svg"),
        Endpoint("GET envelope.svg (60 actors)", "GET",
                 f"/api/v1/cases/{big_id}/envelope.svg"),
        Endpoint(f"POST classify (demo case 1, {actors} actors)", "POST", "/api/v1/classify",
                 claus.json()),
    ]


def run_backend(backend: str, admin_url: str | None = None, seconds: float = SECONDS,
                concurrency: int = CONCURRENCY) -> list[Figure]:
    """Serve a fresh demo database on ``backend`` and measure every endpoint."""
    with demo_database(backend, admin_url) as demo, kuvert_serve(demo.url) as base:
        endpoints = _endpoints(base, demo.token)
        return asyncio.run(_measure(base, demo.token, endpoints, seconds, concurrency))


def main(seconds: float = SECONDS) -> dict[str, list[Figure]]:
    """Measure on SQLite and, when a server answers, PostgreSQL; print and return figures."""
    results: dict[str, list[Figure]] = {"sqlite": run_backend("sqlite", seconds=seconds)}
    pg = postgres_url()
    if pg is not None:
        results["postgresql"] = run_backend("postgresql", pg, seconds=seconds)
    else:
        print("PostgreSQL: no server answers; measured on SQLite only.")
    for backend, figures in results.items():
        print(f"\n{backend}: {CONCURRENCY} concurrent clients, {seconds:g} s per endpoint")
        print(f"{'endpoint':<44} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'ratio':>6} "
              f"{'errors':>6}")
        for f in figures:
            print(f"{f.name:<44} {f.rps:>8.0f} {f.p50_ms:>8.1f} {f.p99_ms:>8.1f} "
                  f"{f.ratio:>6.2f} {f.errors:>6}")
    return results


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else SECONDS)
