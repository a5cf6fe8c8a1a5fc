"""How fast a change reaches the open browsers of a case (Server-Sent Events).

Run: ``.venv/bin/python bench/live.py``. 20 logged-in event streams are open on
demo case 1, each its own login (as 20 people: one login may hold only
``KUVERT_STREAMS_PER_SESSION`` streams, 10); 30 times, a REST client changes the
case (PATCH of an actor's label with If-Match) and the time from sending the change to
the ``changed`` event in each stream is noted. Target (``TARGET_P95_MS``): p95 ≤ 250 ms.

Three set-ups: one ``kuvert serve`` on SQLite, one on PostgreSQL, and two separate
``kuvert serve`` processes on one PostgreSQL database with the streams spread over
both (the change is written through the first; the second learns of it by
LISTEN/NOTIFY). PostgreSQL is skipped when no server answers.
"""

from __future__ import annotations

import asyncio
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.serving import demo_database, kuvert_serve, postgres_url

STREAMS = 20
CHANGES = 30
WAIT_SECONDS = 3.0  # the longest wait for one change to reach every stream
TARGET_P95_MS = 250.0


@dataclass
class LiveFigure:
    setup: str
    streams: int
    changes: int
    arrivals: int  # of streams × changes
    p50_ms: float
    p95_ms: float
    max_ms: float


def _log_in(base: str) -> httpx.Cookies:
    with httpx.Client(base_url=base, timeout=30) as client:
        form = client.get("/login")
        csrf = form.text.split('name="csrf" value="')[1].split('"')[0]
        answer = client.post("/login", data={"username": "demo", "password": "kuvert-demo",
                                             "csrf": csrf, "next": "/cases"})
        if answer.status_code != 303:
            raise RuntimeError(f"login failed: {answer.status_code}")
        return client.cookies


async def _scenario(writer_base: str, stream_bases: list[str], token: str,
                    logins: list[httpx.Cookies]) -> list[float]:
    sent: dict[str, float] = {}  # version -> when its change was sent
    arrived: dict[str, list[float]] = {}  # version -> latency per stream, seconds
    ready = asyncio.Semaphore(0)

    async def stream(base: str, cookies: httpx.Cookies) -> None:
        timeout = httpx.Timeout(30, read=WAIT_SECONDS * 2)
        async with httpx.AsyncClient(base_url=base, cookies=cookies, timeout=timeout) as c, \
                c.stream("GET", "/cases/1/events") as response:
            response.raise_for_status()
            event = ""
            async for line in response.aiter_lines():
                if line.startswith("retry:"):
                    ready.release()
                elif line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: ") and event == "changed":
                    version = line[6:]
                    if version in sent:
                        arrived.setdefault(version, []).append(
                            time.perf_counter() - sent[version])

    readers = [asyncio.create_task(stream(stream_bases[i % len(stream_bases)], logins[i]))
               for i in range(STREAMS)]
    try:
        async with asyncio.timeout(30):
            for _ in range(STREAMS):
                await ready.acquire()
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=writer_base, headers=headers,
                                     timeout=30) as api:
            graph = await api.get("/api/v1/cases/1/graph")
            graph.raise_for_status()
            key = next(a["key"] for a in graph.json()["actors"] if a["kind"] != "citizen")
            etag = graph.headers["ETag"]
            await asyncio.sleep(0.5)  # let the other process's LISTEN settle
            for i in range(CHANGES):
                version = str(int(etag.strip('"')) + 1)
                sent[version] = time.perf_counter()
                answer = await api.patch(f"/api/v1/cases/1/actors/{key}",
                                         json={"label": f"Rådgiver {i}"},
                                         headers={"If-Match": etag})
                answer.raise_for_status()
                etag = answer.headers["ETag"]
                deadline = time.perf_counter() + WAIT_SECONDS
                while (len(arrived.get(version, ())) < STREAMS
                       and time.perf_counter() < deadline):
                    await asyncio.sleep(0.005)
                await asyncio.sleep(0.05)  # a pause between changes, as between people
    finally:
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
    return [t for times in arrived.values() for t in times]


def _figure(setup: str, latencies: list[float]) -> LiveFigure:
    ms = sorted(t * 1000 for t in latencies)
    n = len(ms)

    def at(q: float) -> float:
        return ms[min(n - 1, int(n * q))] if n else float("nan")

    return LiveFigure(setup, STREAMS, CHANGES, n, at(0.5), at(0.95),
                      ms[-1] if n else float("nan"))


def run(setup: str, backend: str, processes: int, admin_url: str | None = None) -> LiveFigure:
    with demo_database(backend, admin_url) as demo, ExitStack() as stack:
        bases = [stack.enter_context(kuvert_serve(demo.url)) for _ in range(processes)]
        logins = [_log_in(bases[0]) for _ in range(STREAMS)]
        latencies = asyncio.run(_scenario(bases[0], bases, demo.token, logins))
    return _figure(setup, latencies)


def main() -> list[LiveFigure]:
    figures = [run("SQLite, 1 process", "sqlite", 1)]
    pg = postgres_url()
    if pg is None:
        print("PostgreSQL: no server answers; measured on SQLite only.")
    else:
        figures.append(run("PostgreSQL, 1 process", "postgresql", 1, pg))
        figures.append(run("PostgreSQL, 2 processes", "postgresql", 2, pg))
    print(f"{STREAMS} streams, {CHANGES} changes; ms from sending the change to its arrival")
    print(f"{'set-up':<26} {'arrived':>8} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for f in figures:
        print(f"{f.setup:<26} {f.arrivals:>4}/{f.streams * f.changes:<3} {f.p50_ms:>8.1f} "
              f"{f.p95_ms:>8.1f} {f.max_ms:>8.1f}")
    return figures


if __name__ == "__main__":
    main()
