"""Audit rows of reads, written by group commit: many rows per transaction, and still
no read answered before its row is committed.

A read hands its row to :meth:`ReadAudit.record` and waits (on the event loop, no
thread) until a writer thread has committed it together with whatever other rows
arrived meanwhile. Under load one commit then carries tens of rows instead of one,
and the reading request needs no write transaction of its own. If the commit fails,
every read in that batch fails too: no read is ever answered without its audit row.

The writer is started on first use and stopped in the app's lifespan
(:meth:`ReadAudit.close` commits what is queued before it returns).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import queue
import threading
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Engine

from app.graph.classify import normalise
from app.models import SHORT, AuditEntry

log = logging.getLogger(__name__)

BATCH = 500  # rows per commit at most

# A row, and who waits for it: a coroutine (its loop and asyncio future) or a worker
# thread (no loop, a thread-safe future).
_Item = tuple[dict[str, Any], asyncio.AbstractEventLoop | None,
              "asyncio.Future[None] | concurrent.futures.Future[None]"]


def row(principal: str, channel: str, action: str, case_id: int | None,
        team_id: int | None, detail: str | None = None, *,
        term: str | None = None) -> dict[str, Any]:
    """One audit row, as :func:`app.audit.audit` would write it, stamped now."""
    return {"at": datetime.now(UTC), "principal": principal, "channel": channel,
            "action": action, "case_id": case_id, "team_id": team_id,
            "detail": detail[:2000] if detail else None,
            "term": normalise(term)[:SHORT] if term and term.strip() else None}


class ReadAudit:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.commits = 0  # for tests and the benchmark: how many transactions
        self.rows = 0

    def _start(self) -> None:
        with self.lock:
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name="read-audit",
                                               daemon=True)
                self.thread.start()

    async def record(self, entry: dict[str, Any]) -> None:
        """Returns once ``entry`` is committed; raises if it could not be."""
        if self.thread is None or not self.thread.is_alive():
            self._start()
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        self.queue.put((entry, loop, done))
        await asyncio.shield(done)  # a client that goes away does not un-write the row

    def record_sync(self, entry: dict[str, Any]) -> None:
        """The same from a worker thread: blocks it until ``entry`` is committed."""
        if self.thread is None or not self.thread.is_alive():
            self._start()
        done: concurrent.futures.Future[None] = concurrent.futures.Future()
        self.queue.put((entry, None, done))
        done.result()

    def close(self) -> None:
        """Commit what is queued, then stop the writer."""
        with self.lock:
            thread, self.thread = self.thread, None
        if thread is not None and thread.is_alive():
            self.queue.put(None)
            thread.join(timeout=30)

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self.queue.get()
            if first is None:
                break
            batch = [first]
            while len(batch) < BATCH:
                try:
                    item = self.queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stopping = True
                    break
                batch.append(item)
            self._commit(batch)

    def _commit(self, batch: list[_Item]) -> None:
        rows = [entry for entry, _, _ in batch]
        error: BaseException | None = None
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(AuditEntry), rows)
            self.commits += 1
            self.rows += len(rows)
        except Exception as exc:
            log.exception("read audit: could not commit %d rows", len(rows))
            error = exc
        # One wake-up per event loop for the whole batch, not one per row (each
        # call_soon_threadsafe writes to the loop's self-pipe).
        by_loop: dict[asyncio.AbstractEventLoop, list[asyncio.Future[None]]] = {}
        for _, loop, future in batch:
            if loop is None:  # a worker thread waits
                assert isinstance(future, concurrent.futures.Future)
                if error is None:
                    future.set_result(None)
                else:
                    future.set_exception(RuntimeError("the audit row could not be written"))
            else:
                assert isinstance(future, asyncio.Future)
                by_loop.setdefault(loop, []).append(future)
        for loop, futures in by_loop.items():
            with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
                loop.call_soon_threadsafe(_settle, futures, error)


def _settle(futures: list[asyncio.Future[None]], error: BaseException | None) -> None:
    for future in futures:
        if future.done():
            continue
        if error is None:
            future.set_result(None)
        else:
            future.set_exception(RuntimeError("the read's audit row could not be written"))
