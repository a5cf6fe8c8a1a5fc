"""Live streams (Server-Sent Events) that cost nothing while they wait.

A stream waits on the in-process broadcaster (``app/live.py``; with PostgreSQL fed by
``LISTEN``) and holds neither a database connection nor a worker thread while it
waits. The database is used only briefly, through a small number of slots
(``streams_db_slots``) so that streams can never take the connections and threads
ordinary requests need:

- to open a stream (check the login or embed link, note the use in the audit log);
- to re-check access when what is known expires (a session's idle timeout, an embed
  link's expiry), and for all open streams together every ``streams_recheck_seconds``
  (a few queries for all of them, not one per stream);
- to note, when an embed viewer's stream ends, how long the view lasted.

Every event is checked before it is sent: a stream whose access was revoked (embed
link revoked, user deactivated, logout, case deleted: ``live.end_streams``) or has run
out ends at once instead. Streams are capped per login session, per embed link, per
client address and per process; a stream over a cap is refused with 429
``too_many_streams`` before any database work.
"""

from __future__ import annotations

import asyncio
import contextlib
import resource
import threading
import time
import weakref
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import anyio
from markupsafe import Markup
from sqlalchemy import select

from app import cases, embeds, live, sessions
from app import models as m
from app.config import Settings
from app.db import Database
from app.errors import N_, NotAuthenticated, ServiceError
from app.security import hash_token

T = TypeVar("T")

PING_SECONDS = 15.0


class TooManyStreams(ServiceError):
    status = 429
    code = "too_many_streams"
    message = N_("For mange åbne live-forbindelser. Luk nogle faner, og prøv igen om lidt.")


MESSAGES = {
    "session": N_("For mange åbne live-visninger i dette login. Luk nogle faner, og prøv igen."),
    "embed": N_("For mange åbne visninger af dette indlejringslink. Prøv igen om lidt."),
    "address": N_("For mange åbne live-forbindelser fra denne adresse. Prøv igen om lidt."),
    "total": N_("For mange åbne live-forbindelser på serveren lige nu. Prøv igen om lidt."),
}


def _fd_budget() -> int:
    """Streams this process can hold and still have files for everything else."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return 1_000_000
    return max(10, soft // 2)


@dataclass(eq=False)
class Opened:
    """What an open stream's access rests on, as found when it was opened."""

    case_id: int
    username: str
    keys: frozenset[tuple[str, str]]
    valid_until: float
    web_session: str | None = None  # token hash
    user_id: int | None = None
    embed_id: int | None = None
    view_entry: int | None = None  # the embed view's audit entry
    view_started: float = 0.0


@dataclass(eq=False)
class Ticket:
    """A stream's places under the caps; given back when it ends."""

    streams: Streams
    held: list[tuple[str, str]] = field(default_factory=list)

    def claim(self, kind: str, value: str, cap: int) -> None:
        key = (kind, value)
        with self.streams.lock:
            if self.streams.counts[key] >= cap:
                raise TooManyStreams(MESSAGES[kind])
            self.streams.counts[key] += 1
        self.held.append(key)

    def release(self) -> None:
        with self.streams.lock:
            for key in self.held:
                self.streams.counts[key] -= 1
                if self.streams.counts[key] <= 0:
                    del self.streams.counts[key]
        self.held.clear()


class Streams:
    """The open streams of one app in this process: caps, slots, re-checks."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db, self.settings = db, settings
        self.lock = threading.Lock()
        self.counts: Counter[tuple[str, str]] = Counter()
        self.max_total = min(settings.streams_max, _fd_budget())
        self.open: dict[live.Subscriber, Opened] = {}
        # per event loop: one in a server; a test client may run one per request
        self._limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop,
                                                  anyio.CapacityLimiter] = (
            weakref.WeakKeyDictionary())
        self._sweepers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop,
                                                  asyncio.Task[None]] = (
            weakref.WeakKeyDictionary())
        self._background: set[asyncio.Task[Any]] = set()

    # --- the few database slots --------------------------------------------------------

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn`` in a worker thread, at most ``streams_db_slots`` at a time."""
        loop = asyncio.get_running_loop()
        limiter = self._limiters.get(loop)
        if limiter is None:
            limiter = self._limiters[loop] = anyio.CapacityLimiter(
                self.settings.streams_db_slots)
        return await anyio.to_thread.run_sync(fn, *args, limiter=limiter)

    def later(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn`` in a slot without waiting for it (from a stream that is closing)."""
        async def go() -> None:
            with contextlib.suppress(Exception):  # best effort: the view's row stays
                await self.run(fn, *args)

        task = asyncio.get_running_loop().create_task(go())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # --- admission ---------------------------------------------------------------------

    def admit(self, address: str) -> Ticket:
        """Places for one more stream from ``address``, before any database work."""
        ticket = Ticket(self)
        ticket.claim("total", "", self.max_total)
        try:
            ticket.claim("address", address, self.settings.streams_per_address)
        except TooManyStreams:
            ticket.release()
            raise
        return ticket

    # --- access --------------------------------------------------------------------------

    async def still_allowed(self, sub: live.Subscriber) -> bool:
        """Checked before every event: in memory, unless what is known has run out."""
        if sub.ended is not None:
            return False
        if time.time() < sub.valid_until:
            return True
        opened = self.open.get(sub)
        if opened is None:
            return False
        found = await self.run(recheck, self.db, self.settings, [opened])
        self._apply(sub, found[0])
        return sub.ended is None

    def _apply(self, sub: live.Subscriber, valid_until: float | None) -> None:
        if valid_until is None or valid_until <= time.time():
            sub.end("access")
        else:
            sub.valid_until = valid_until

    def _ensure_sweeper(self) -> None:
        loop = asyncio.get_running_loop()
        sweeper = self._sweepers.get(loop)
        if sweeper is None or sweeper.done():
            self._sweepers[loop] = loop.create_task(self._sweep_forever(loop))

    async def _sweep_forever(self, loop: asyncio.AbstractEventLoop) -> None:
        """Re-check every open stream's access now and then, all in one go."""
        while self.open:
            await asyncio.sleep(self.settings.streams_recheck_seconds)
            subs = [(sub, opened) for sub, opened in list(self.open.items())
                    if sub.loop is loop]
            if not subs:
                break
            try:
                found = await self.run(recheck, self.db, self.settings,
                                       [opened for _sub, opened in subs])
            except Exception:  # a busy database: try again next round
                continue
            for (sub, _opened), valid_until in zip(subs, found, strict=True):
                self._apply(sub, valid_until)

    # --- opening -------------------------------------------------------------------------

    async def open_case(self, address: str, cookie: str | None,
                        case_id: int) -> AsyncIterator[str]:
        """The case page's stream: "changed" when the case changes, "viewers" when people
        come and go.

        Raises :class:`TooManyStreams` over a cap (the process's and ``address``'s before
        any database work), or what reading the case raises for this login.
        """
        ticket = self.admit(address)
        try:
            opened = await self.run(_open_case, self.db, self.settings, cookie, case_id)
            ticket.claim("session", opened.web_session or "", self.settings.streams_per_session)
        except BaseException:
            ticket.release()
            raise
        return self._start(opened, ticket, 2000, show_viewers=True)

    async def open_embed(self, address: str, token: str, view: str) -> AsyncIterator[str]:
        """An embed's stream: "changed" when the case changes; it ends when the link is
        revoked or expires. Its viewer session is one audit entry, with its duration.

        Raises :class:`TooManyStreams` over a cap, or what opening the link raises.
        """
        ticket = self.admit(address)
        try:
            opened = await self.run(_open_embed, self.db, self.settings, token, view)
            try:
                ticket.claim("embed", str(opened.embed_id), self.settings.streams_per_embed)
            except TooManyStreams:
                if opened.view_entry is not None and opened.embed_id is not None:
                    self.later(_end_view, self.db, opened.embed_id, opened.view_entry, 0)
                raise
        except BaseException:
            ticket.release()
            raise
        return self._start(opened, ticket, 5000, show_viewers=False)

    def census(self) -> dict[str, int]:
        """Open streams, checked-out database connections and live subscribers of this
        process (for the test suite: a stream that ends must leave nothing behind)."""
        pool = self.db.engine.pool
        checked_out = pool.checkedout() if hasattr(pool, "checkedout") else 0
        return {"streams": len(self.open), "pool_checked_out": checked_out,
                "subscribers": len(live.hub.all())}

    # --- the stream ----------------------------------------------------------------------

    def _start(self, opened: Opened, ticket: Ticket, retry_ms: int,
               show_viewers: bool) -> AsyncIterator[str]:
        """Subscribed at once (the viewer counts from now); the events follow as text."""
        sub = live.hub.subscribe(opened.case_id, opened.username, keys=opened.keys,
                                 valid_until=opened.valid_until)
        self.open[sub] = opened
        self._ensure_sweeper()
        return self._events(sub, opened, ticket, retry_ms, show_viewers)

    async def _events(self, sub: live.Subscriber, opened: Opened, ticket: Ticket,
                      retry_ms: int, show_viewers: bool) -> AsyncIterator[str]:
        try:
            yield f"retry: {retry_ms}\n\n"
            while True:
                try:
                    first = await asyncio.wait_for(sub.queue.get(), PING_SECONDS)
                except TimeoutError:
                    first = ("ping", "")
                batch = _newest_only([first, *_drain(sub.queue)])
                if not await self.still_allowed(sub):
                    return
                out = []
                for event, data in batch:
                    if event == "deleted":  # the case is gone: the last thing said
                        out.append("event: deleted\ndata: \n\n")
                        break
                    if event == "end":
                        break
                    if event == "ping":
                        out.append(": ping\n\n")
                    elif event == "viewers":
                        if show_viewers:
                            out.append(f"event: viewers\ndata: {Markup.escape(data)}\n\n")
                    else:
                        out.append(f"event: {event}\ndata: {data}\n\n")
                if out:
                    yield "".join(out)
                if any(event in ("deleted", "end") for event, _data in batch):
                    return
        finally:  # runs also when the client went away (the generator is cancelled)
            live.hub.unsubscribe(sub)
            self.open.pop(sub, None)
            ticket.release()
            if opened.view_entry is not None and opened.embed_id is not None:
                seconds = max(0, round(time.time() - opened.view_started))
                self.later(_end_view, self.db, opened.embed_id, opened.view_entry, seconds)


def _drain(queue: asyncio.Queue[tuple[str, str]]) -> list[tuple[str, str]]:
    items = []
    while not queue.empty():
        items.append(queue.get_nowait())
    return items


def _newest_only(items: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """What piled up while the stream was busy, said once: of several ``changed`` or
    ``viewers`` only the newest (a browser fetches the newest anyway), the rest in order."""
    last = {event: i for i, (event, _data) in enumerate(items)
            if event in ("changed", "viewers")}
    return [item for i, item in enumerate(items)
            if item[0] not in last or last[item[0]] == i]


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def recheck(db: Database, settings: Settings, items: list[Opened]) -> list[float | None]:
    """For each stream, until when its access holds (None: no longer), in a few queries
    for all of them together."""
    idle = settings.session_idle_minutes * 60
    with db.session() as session:
        case_team = dict(session.execute(select(m.Case.id, m.Case.team_id).where(
            m.Case.id.in_({o.case_id for o in items}))).tuples().all())
        hashes = {o.web_session for o in items if o.web_session}
        logins = {row[0]: row for row in session.execute(
            select(m.WebSession.token_hash, m.WebSession.last_seen_at, m.WebSession.user_id,
                   m.User.active).join(m.User, m.User.id == m.WebSession.user_id)
            .where(m.WebSession.token_hash.in_(hashes))).tuples()} if hashes else {}
        users = {row[2] for row in logins.values()}
        member = set(session.execute(select(m.Membership.user_id, m.Membership.team_id).where(
            m.Membership.user_id.in_(users))).tuples()) if users else set()
        links = {row[0]: row for row in session.execute(
            select(m.EmbedLink.id, m.EmbedLink.case_id, m.EmbedLink.revoked_at,
                   m.EmbedLink.expires_at).where(
                m.EmbedLink.id.in_({o.embed_id for o in items if o.embed_id}))).tuples()}
    found: list[float | None] = []
    for o in items:
        team = case_team.get(o.case_id)
        until: float | None = None
        if team is None:
            pass
        elif o.web_session is not None:
            login = logins.get(o.web_session)
            if login is not None and login[3] and (login[2], team) in member:
                until = _aware(login[1]).timestamp() + idle
        elif o.embed_id is not None:
            link = links.get(o.embed_id)
            if link is not None and link[1] == o.case_id and link[2] is None:
                until = _aware(link[3]).timestamp()
        found.append(until)
    return found


# --- opening --------------------------------------------------------------------------


def _open_case(db: Database, settings: Settings, cookie: str | None, case_id: int) -> Opened:
    with db.session() as session:
        login = sessions.current_login(session, settings, cookie)
        cases.read_case(session, login.principal, case_id, "watch")
        assert cookie is not None  # current_login refuses a missing cookie
        token_hash = hash_token(cookie)
        row = session.scalar(select(m.WebSession).where(m.WebSession.token_hash == token_hash))
        if row is None:  # logged out meanwhile
            raise NotAuthenticated(N_("Du skal logge ind."))
        until = _aware(row.last_seen_at).timestamp() + settings.session_idle_minutes * 60
        return Opened(case_id, login.username,
                      frozenset({("session", token_hash), ("user", str(row.user_id))}),
                      until, web_session=token_hash, user_id=row.user_id)


def _open_embed(db: Database, settings: Settings, token: str, view: str) -> Opened:
    with db.session() as session:
        shown = embeds.open_link(session, token, None)
        link_id, case_id = shown.link.id, shown.case.id
        until = _aware(shown.link.expires_at).timestamp()
        entry = None
        entry_id = embeds.check_view(settings, link_id, view) if view else None
        if entry_id is not None:
            entry = session.get(m.AuditEntry, entry_id)
        if entry is None or entry.case_id != case_id:
            entry = embeds.start_view(session, shown)
        return Opened(case_id, f"embed:{link_id}", frozenset({("embed", str(link_id))}), until,
                      embed_id=link_id, view_entry=entry.id,
                      view_started=_aware(entry.at).timestamp())


def _end_view(db: Database, link_id: int, entry_id: int, seconds: int) -> None:
    with db.session() as session:
        embeds.end_view(session, link_id, entry_id, seconds)
