"""The API's hot reads: token check and case read in one statement, no ORM objects.

``GET /api/v1/cases/{id}/graph`` and ``GET /api/v1/cases/{id}/envelope.svg`` are what
integrations poll. Each must check the bearer token, check that the token's team owns
the case, and write an audit row, exactly like every other read. Here that costs one
trip to a worker thread running one SELECT (token, case and, for the graph, the stored
document together, as plain rows), then one wait on the event loop for the audit row's
group commit (:mod:`app.read_audit`). The token is looked up on every request, so a
revoked token stops working at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Text, and_, bindparam, cast, select
from sqlalchemy.sql import Select

from app import models as m
from app.db import Database
from app.errors import N_, NotAuthenticated, NotFound
from app.read_audit import ReadAudit, row
from app.security import hash_token

R = TypeVar("R")

# The hot paths' own worker threads. asyncio's run_in_executor costs the event loop
# about half of what anyio's run_in_threadpool does (py-spy on GET graph under wrk:
# CapacityLimiter.acquire, cancel scopes and a checkpoint per trip), and these calls
# are short database reads that never need cancelling.
_THREADS = ThreadPoolExecutor(max_workers=16, thread_name_prefix="kuvert-read")


async def in_thread(call: Callable[..., R], *args: Any) -> R:
    """``call(*args)`` in a worker thread, awaited on the event loop."""
    return await asyncio.get_running_loop().run_in_executor(_THREADS, call, *args)


_T = m.ApiToken.__table__
_C = m.Case.__table__
_E = m.Event.__table__


def _query(with_document: bool) -> Select[Any]:
    joined = _T.outerjoin(_C, and_(_C.c.id == bindparam("case_id"), _C.c.team_id == _T.c.team_id))
    columns: list[Any] = [_T.c.id, _T.c.name, _T.c.team_id, _C.c.id.label("case_id"),
                          _C.c.version, _C.c.updated_at]
    if with_document:
        joined = joined.outerjoin(_E, and_(_E.c.case_id == _C.c.id,
                                           _E.c.version == _C.c.version))
        columns.append(cast(_E.c.document, Text).label("document"))
    return (select(*columns).select_from(joined)
            .where(_T.c.token_hash == bindparam("token_hash"), _T.c.revoked_at.is_(None)))


_WITH_DOCUMENT = _query(with_document=True)
_WITHOUT_DOCUMENT = _query(with_document=False)


@dataclass(frozen=True)
class CaseRead:
    principal: str  # as in the audit log, the same name as app.auth.Principal's
    team_id: int
    case_id: int
    version: int
    updated_at: datetime
    document: str | None  # the stored JSON text of this version (graph reads only)


def _read(db: Database, token: str, case_id: int, with_document: bool) -> CaseRead:
    with db.engine.connect() as conn:
        found = conn.execute(_WITH_DOCUMENT if with_document else _WITHOUT_DOCUMENT,
                             {"token_hash": hash_token(token), "case_id": case_id}).first()
    if found is None:
        raise NotAuthenticated(N_("Adgangsnøglen er ukendt eller trukket tilbage."))
    if found.case_id is None:  # no such case, or another team's: the same answer
        raise NotFound()
    # The principal's name as app.auth.principal_for_token spells it (tests/api/test_reads.py
    # checks that the two agree).
    return CaseRead(f"token:{found.id}:{found.name}", found.team_id, found.case_id,
                    found.version, found.updated_at,
                    found.document if with_document else None)


async def read_case(db: Database, audit: ReadAudit, token: str, case_id: int,
                    action: str, *, with_document: bool = False) -> CaseRead:
    """The case as the token may see it, once its read is in the audit log.

    ``token`` is the bearer token as sent (``app.web.deps.token_of`` takes it from the
    ``Authorization`` header); it is checked here, in the statement that reads the case.
    """
    found = await in_thread(_read, db, token, case_id, with_document)
    await audit.record(row(found.principal, "api", action, found.case_id, found.team_id))
    return found
