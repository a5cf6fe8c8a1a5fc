"""Request dependencies as ``Annotated`` aliases: the database session, who asks, versions."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Header, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from app.auth import Principal, principal_for_token
from app.cases import Expected
from app.config import Settings
from app.db import Database
from app.errors import N_, NotAuthenticated, ServiceError
from app.schemas import DB_INT_MAX

# Cheap dependencies are ``async def``: FastAPI runs a plain ``def`` dependency in a worker
# thread, and under load each such trip cost more than the work (py-spy: anyio's
# run_sync_in_worker_thread and the worker's Queue.get led the flame graph of /healthz).


async def get_database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_session(db: Annotated[Database, Depends(get_database)]) -> AsyncIterator[Session]:
    """A session for the request. Making one does no I/O, so it happens on the event loop;
    closing one that still holds a connection (a rollback) goes to a worker thread."""
    session = db.sessions()
    try:
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(session.close)
        else:
            session.close()


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]

# Bounded, so that a huge number is refused (422) instead of overflowing the database.
CaseId = Annotated[int, Path(ge=1, le=DB_INT_MAX, description="Borgerforløbets id")]
RowId = Annotated[int, Path(ge=1, le=DB_INT_MAX)]
VersionQuery = Annotated[int | None, Query(ge=1, le=DB_INT_MAX,
                                           description="Alternativ til If-Match")]

_bearer = HTTPBearer(auto_error=False, description="Et API-token fra `kuvert token create`.")


def token_of(credentials: HTTPAuthorizationCredentials | None) -> str:
    """The bearer token as sent, not yet checked; without one, 401."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise NotAuthenticated()
    return credentials.credentials


def get_principal(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    return principal_for_token(session, token_of(credentials))


PrincipalDep = Annotated[Principal, Depends(get_principal)]

# The bearer credentials as sent, not yet checked: for the hot reads (app/reads.py), which
# check the token in the same statement that reads the case. Same OpenAPI security;
# the route takes the token out with token_of.
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


class BadIfMatch(ServiceError):
    status = 400
    code = "invalid_if_match"
    message = N_('If-Match skal være sagens ETag, fx "7".')


# The case's version, optionally followed by ".<digest>" (envelope.svg's ETag carries a
# digest of the drawing's settings after the version).
_ETAG = re.compile(r'^\s*(?:W/)?"?(\d{1,12})(?:\.[0-9a-f]{1,32})?"?\s*$')


async def get_if_match(
    if_match: Annotated[str | None, Header(description='Sagens ETag, fx "7".')] = None,
) -> int | None:
    if if_match is None:
        return None
    found = _ETAG.match(if_match)
    if found is None or int(found.group(1)) > DB_INT_MAX:
        raise BadIfMatch()
    return int(found.group(1))


IfMatchDep = Annotated[int | None, Depends(get_if_match)]


def expected(if_match: int | None, body_version: int | None) -> Expected:
    """If-Match wins when both are given: it is what HTTP caches and proxies understand."""
    if if_match is not None:
        return Expected(if_match, via_header=True)
    return Expected(body_version, via_header=False)


def etag(version: int) -> str:
    return f'"{version}"'
