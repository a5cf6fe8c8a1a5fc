"""Live updates: tell every open browser of a case that it changed, and who is looking.

In one process, subscribers are asyncio queues. With PostgreSQL, a change is also
announced with ``NOTIFY`` inside the transaction that made it (so it is sent only
if the change is committed), and a listener thread in every app process passes
announcements from the other processes on to its own subscribers. The app itself
keeps no state that matters: losing a process loses only its open streams.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

CHANNEL = "kuvert_case"
_ORIGIN = f"{os.getpid()}-{id(object())}"


@dataclass(eq=False)
class Subscriber:
    case_id: int
    username: str
    queue: asyncio.Queue[tuple[str, str]]
    loop: asyncio.AbstractEventLoop


@dataclass
class Hub:
    """The subscribers of this process, by case."""

    subscribers: dict[int, set[Subscriber]] = field(default_factory=lambda: defaultdict(set))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def subscribe(self, case_id: int, username: str) -> Subscriber:
        sub = Subscriber(case_id, username, asyncio.Queue(maxsize=100),
                         asyncio.get_running_loop())
        with self.lock:
            self.subscribers[case_id].add(sub)
        self._announce_viewers(case_id)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        with self.lock:
            self.subscribers[sub.case_id].discard(sub)
        self._announce_viewers(sub.case_id)

    def viewers(self, case_id: int) -> list[str]:
        with self.lock:
            return sorted({s.username for s in self.subscribers.get(case_id, ())})

    def deliver(self, case_id: int, event: str, data: str) -> None:
        """Hand an event to this process's subscribers; safe from any thread."""
        with self.lock:
            targets = list(self.subscribers.get(case_id, ()))
        for sub in targets:
            sub.loop.call_soon_threadsafe(_offer, sub.queue, (event, data))

    def end_case(self, case_id: int) -> None:
        """A deleted case: its streams get a last ``deleted`` event and leave the registry,
        so nothing said later about this id (never reused, but still) reaches them."""
        with self.lock:
            ended = self.subscribers.pop(case_id, set())
        for sub in ended:
            sub.loop.call_soon_threadsafe(_offer, sub.queue, ("deleted", ""))

    def _announce_viewers(self, case_id: int) -> None:
        self.deliver(case_id, "viewers", ", ".join(self.viewers(case_id)))


def _offer(queue: asyncio.Queue[tuple[str, str]], item: tuple[str, str]) -> None:
    if queue.full():  # a stalled browser gets the newest news, not a backlog
        queue.get_nowait()
    queue.put_nowait(item)


hub = Hub()


def announce_in_transaction(session: Session, case_id: int, version: int) -> None:
    """Queue a NOTIFY on PostgreSQL; it is sent at commit, or never if the change rolls back."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_notify(:channel, :payload)"),
                        {"channel": CHANNEL, "payload": f"{_ORIGIN}:{case_id}:{version}"})


def announce_committed(case_id: int, version: int) -> None:
    """Tell this process's browsers; call after commit."""
    hub.deliver(case_id, "changed", str(version))


class PostgresListener:
    """Passes other processes' NOTIFYs on to this process's subscribers."""

    def __init__(self, url: str) -> None:
        self.url = url.replace("postgresql+psycopg://", "postgresql://")
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="kuvert-listen", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=5)

    def _run(self) -> None:
        import psycopg

        while not self.stop.is_set():
            try:
                with psycopg.connect(self.url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    while not self.stop.is_set():
                        for note in conn.notifies(timeout=1.0, stop_after=100):
                            self._deliver(note.payload)
            except Exception:  # the database went away: wait, then listen again
                log.warning("live updates: lost the PostgreSQL listener; retrying")
                self.stop.wait(2.0)

    @staticmethod
    def _deliver(payload: Any) -> None:
        origin, case_id, version = str(payload).rsplit(":", 2)
        if origin != _ORIGIN:
            hub.deliver(int(case_id), "changed", version)
