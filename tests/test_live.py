"""Live updates: in-process delivery, and PostgreSQL NOTIFY between processes."""

from __future__ import annotations

import asyncio
import os

import pytest
from sqlalchemy import create_engine, text

from app import live


def test_hub_delivers_changes_and_viewers() -> None:
    async def scenario() -> list[tuple[str, str]]:
        sub = live.hub.subscribe(99_001, "anna")
        other = live.hub.subscribe(99_001, "bo")
        live.announce_committed(99_001, 7)
        live.announce_committed(99_002, 8)  # another case: not for these subscribers
        await asyncio.sleep(0.05)
        got = []
        while not sub.queue.empty():
            got.append(sub.queue.get_nowait())
        live.hub.unsubscribe(other)
        live.hub.unsubscribe(sub)
        return got

    got = asyncio.run(scenario())
    assert ("viewers", "anna, bo") in got
    assert ("changed", "7") in got
    assert ("changed", "8") not in got


@pytest.mark.skipif(not os.environ.get("KUVERT_TEST_POSTGRES_URL"), reason="no PostgreSQL")
def test_postgres_listener_passes_on_other_processes_notifications() -> None:
    url = os.environ["KUVERT_TEST_POSTGRES_URL"]

    async def scenario() -> list[tuple[str, str]]:
        listener = live.PostgresListener(url)
        listener.start()
        sub = live.hub.subscribe(99_003, "anna")
        await asyncio.sleep(1.5)  # let the listener connect and LISTEN
        engine = create_engine(url)
        with engine.begin() as conn:  # as another app process would, in its transaction
            conn.execute(text("SELECT pg_notify(:c, :p)"),
                         {"c": live.CHANNEL, "p": "other-process:99003:12"})
        engine.dispose()
        got: list[tuple[str, str]] = []
        for _ in range(50):
            await asyncio.sleep(0.1)
            while not sub.queue.empty():
                got.append(sub.queue.get_nowait())
            if ("changed", "12") in got:
                break
        live.hub.unsubscribe(sub)
        listener.close()
        return got

    assert ("changed", "12") in asyncio.run(scenario())


def test_ending_streams_by_what_they_rest_on_here_and_from_other_processes() -> None:
    async def scenario() -> tuple[list[str | None], list[tuple[str, str]]]:
        web = live.hub.subscribe(99_004, "anna", keys=frozenset({("session", "h1"),
                                                                 ("user", "7")}))
        other = live.hub.subscribe(99_004, "bo", keys=frozenset({("session", "h2"),
                                                                 ("user", "8")}))
        embed = live.hub.subscribe(99_005, "embed:5", keys=frozenset({("embed", "5")}))
        live.end_streams(None, "logout", web_session="h1")
        # as PostgreSQL passes on another process's revocation of embed link 5
        live.PostgresListener._deliver("other-process:end:embed:5:revoked")
        live.PostgresListener._deliver("other-process:99004:3")  # a change, as before
        await asyncio.sleep(0.05)
        got = []
        while not other.queue.empty():
            got.append(other.queue.get_nowait())
        ended = [web.ended, other.ended, embed.ended]
        for sub in (web, other, embed):
            live.hub.unsubscribe(sub)
        return ended, got

    ended, got = asyncio.run(scenario())
    assert ended == ["logout", None, "revoked"]
    assert ("changed", "3") in got
    assert live.hub.viewers(99_004) == []


def test_a_busy_stream_sends_only_the_newest_change() -> None:
    from app.streams import _newest_only

    piled = [("changed", "4"), ("viewers", "anna"), ("changed", "5"), ("viewers", "anna, bo"),
             ("changed", "6"), ("end", "logout")]
    assert _newest_only(piled) == [("viewers", "anna, bo"), ("changed", "6"),
                                   ("end", "logout")]
