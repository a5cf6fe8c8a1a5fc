"""Live updates: tell every open browser of a case that it changed, and who is looking.

In one process, subscribers are asyncio queues. With PostgreSQL, a change is also
announced with ``NOTIFY`` inside the transaction that made it (so it is sent only
if the change is committed), and a listener thread in every app process passes
announcements from the other processes on to its own subscribers. The app itself
keeps no state that matters: losing a process loses only its open streams.

A revocation (embed link revoked, user deactivated, logout, case deleted) ends the
streams that rest on it the same way: :func:`end_streams`. The streams themselves
(admission, caps, access re-checks) are in ``app/streams.py``, their HTTP answers in
``app/web/event_streams.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
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
    """One open stream: a queue on its event loop, and the keys that can end it."""

    case_id: int
    username: str
    queue: asyncio.Queue[tuple[str, str]]
    loop: asyncio.AbstractEventLoop
    #: What this stream's access rests on, e.g. {("session", <hash>), ("user", "7"),
    #: ("embed", "3"), ("case", "12")}: ending any of them ends the stream.
    keys: frozenset[tuple[str, str]] = frozenset()
    #: Wall-clock time (time.time()) until which access is known to hold without asking
    #: the database again (session idle timeout, embed expiry, last re-check).
    valid_until: float = float("inf")
    #: Why the stream was ended, once it was.
    ended: str | None = None
    #: Counted among the viewers shown on the case page (embeds are not).
    shown: bool = True

    def end(self, reason: str) -> None:
        """End this stream as soon as its loop runs; safe from any thread."""
        if self.ended is None:
            self.ended = reason
            self.offer(("end", reason))

    def offer(self, item: tuple[str, str]) -> None:
        """Queue ``item`` on the stream's loop; safe from any thread. A loop that is gone
        (a test client's, say) has nobody left to tell."""
        with contextlib.suppress(RuntimeError):  # its event loop is closed
            self.loop.call_soon_threadsafe(_offer, self.queue, item)


@dataclass
class Hub:
    """The subscribers of this process, by case."""

    subscribers: dict[int, set[Subscriber]] = field(default_factory=lambda: defaultdict(set))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def subscribe(self, case_id: int, username: str, *,
                  keys: frozenset[tuple[str, str]] = frozenset(),
                  valid_until: float = float("inf"), shown: bool = True) -> Subscriber:
        sub = Subscriber(case_id, username, asyncio.Queue(maxsize=100),
                         asyncio.get_running_loop(), keys | {("case", str(case_id))},
                         valid_until, shown=shown)
        with self.lock:
            self.subscribers[case_id].add(sub)
        self._announce_viewers(case_id)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        with self.lock:
            subs = self.subscribers.get(sub.case_id)
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del self.subscribers[sub.case_id]
        self._announce_viewers(sub.case_id)

    def viewers(self, case_id: int) -> list[str]:
        with self.lock:
            return sorted({s.username for s in self.subscribers.get(case_id, ()) if s.shown})

    def all(self) -> list[Subscriber]:
        with self.lock:
            return [sub for subs in self.subscribers.values() for sub in subs]

    def deliver(self, case_id: int, event: str, data: str) -> None:
        """Hand an event to this process's subscribers; safe from any thread."""
        with self.lock:
            targets = list(self.subscribers.get(case_id, ()))
        for sub in targets:
            sub.offer((event, data))

    def end_matching(self, key: tuple[str, str], reason: str) -> int:
        """End every stream of this process whose access rests on ``key``."""
        ended = [sub for sub in self.all() if key in sub.keys]
        for sub in ended:
            sub.end(reason)
        return len(ended)

    def end_case(self, case_id: int) -> None:
        """A deleted case: its streams get a last ``deleted`` event and leave the registry,
        so nothing said later about this id (never reused, but still) reaches them."""
        with self.lock:
            ended = self.subscribers.pop(case_id, set())
        for sub in ended:
            sub.offer(("deleted", ""))

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


def end_streams(session: Session | None, reason: str, *, web_session: str | None = None,
                user_id: int | None = None, embed_id: int | None = None,
                case_id: int | None = None, here: bool = True) -> None:
    """End the open streams that rest on what was just revoked, in every process.

    Called by the service function that revokes (embed revoked, user deactivated,
    logout, case deleted) before it commits: on PostgreSQL a NOTIFY in the same
    transaction tells the other processes; this process's streams end at once (a
    stream ended for a change that then rolls back simply reconnects). ``web_session``
    is the session's token hash, never the cookie itself. ``here=False`` tells only the
    other processes (a deleted case: this process calls :meth:`Hub.end_case` after
    commit, so its streams hear the deletion last).
    """
    keys = [("session", web_session), ("user", user_id), ("embed", embed_id),
            ("case", case_id)]
    for kind, value in keys:
        if value is None:
            continue
        key = (kind, str(value))
        if here:
            hub.end_matching(key, reason)
        if session is not None and session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_notify(:channel, :payload)"),
                            {"channel": CHANNEL,
                             "payload": f"{_ORIGIN}:end:{kind}:{value}:{reason}"})


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
        origin, _sep, rest = str(payload).partition(":")
        if origin == _ORIGIN:
            return
        if rest.startswith("end:"):  # end:<kind>:<value>:<reason>
            _end, kind, value, reason = rest.split(":", 3)
            if kind == "case":
                hub.end_case(int(value))
            else:
                hub.end_matching((kind, value), reason)
            return
        case_id, version = rest.split(":", 1)
        hub.deliver(int(case_id), "changed", version)
