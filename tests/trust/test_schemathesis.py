"""Schemathesis against the app's own OpenAPI document: every operation, through ASGI.

The schema is what ``GET /openapi.json`` serves. Requests go to the session's app
in-process (no network) with a write token of a team that owns a few cases. Path
parameters, compared versions and If-Match are steered to that team's real cases,
actors, snapshots and embed links most of the time, so the fuzzing gets past
"404"/"412" into the handlers; the rest stay random and must be refused cleanly.

Checks: no 5xx, every status code and content type declared, every response body
valid against its declared schema, and nothing the schema forbids accepted.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.python.asgi import ASGIClient
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from app.config import Settings
from app.graph.examples import claus_foer, claus_nu, prototype_3
from app.main import create_app
from app.schemas import DB_INT_MAX
from tests.helpers.clients import Api
from tests.trust import figures

# The document the app serves. Building it needs no database, so this app's lifespan
# never runs (the TestClient is not entered).
_SERVED = TestClient(create_app(Settings(database_url="sqlite://", environment="test")))
schema = schemathesis.openapi.from_dict(_SERVED.get("/openapi.json").json())
schema.config.seed = 20_260_101
# The token is ours to send (see `target`); requests without one are tested in tests/api.
schema.config.generation.update(with_security_parameters=False)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, negative_data_rejection]


@dataclass
class Target:
    """What the fuzzed requests are steered towards: one team's real things."""

    api: Api
    session: ASGIClient
    case_ids: list[int]
    keys: list[str]
    embed_ids: list[int]
    refs: list[str]
    backend: str


@pytest.fixture
def target(api: Api, client: TestClient, settings: Settings) -> Iterator[Target]:
    ids = [api.create(doc)[0] for doc in (claus_foer(), claus_nu(), prototype_3())]
    keys = sorted({a.key for doc in (claus_foer(), claus_nu()) for a in doc.actors})
    embed_ids, refs = [], ["v1"]
    for case_id in ids:
        embed = api.post(f"/api/v1/cases/{case_id}/embeds", json={"days": 3})
        assert embed.status_code == 201, embed.text
        embed_ids.append(embed.json()["id"])
        snapshot = api.post(f"/api/v1/cases/{case_id}/snapshots", json={"name": "Før"})
        assert snapshot.status_code == 201, snapshot.text
        refs.append(f"s{snapshot.json()['id']}")
    # An in-process client of the session's app, whose lifespan the `client` fixture owns.
    yield Target(api, ASGIClient(client.app), ids, keys, embed_ids, refs,
                 figures.backend_of(settings.database_url))


def _pick(known: list[Any], value: object, shift: int = 0) -> object:
    """Most generated values become a known one, deterministically; about 1 in 4 stays."""
    digest = zlib.crc32(repr(value).encode())
    return value if digest % 4 == 0 else known[(digest + shift) % len(known)]


def _in_range(value: object) -> bool:
    """A valid id as generated (an int, or its wire form in the coverage phase)."""
    text = str(value)
    return not isinstance(value, bool) and text.isdigit() and 1 <= int(text) <= DB_INT_MAX


def _steer(case: schemathesis.Case, target: Target) -> None:
    params = case.path_parameters or {}
    for name, known in (("case_id", target.case_ids), ("embed_id", target.embed_ids)):
        if name in params and _in_range(params[name]):
            params[name] = _pick(known, params[name])
    for shift, name in enumerate(("key", "a", "b")):
        if isinstance(params.get(name), str):
            params[name] = _pick(target.keys, params[name], shift)
    query = case.query or {}
    for shift, name in enumerate(("left", "right")):
        if isinstance(query.get(name), str):
            query[name] = _pick(target.refs, query[name], shift)
    headers = case.headers or {}
    case_id = params.get("case_id")
    if isinstance(headers.get("if-match"), str) and case_id in target.case_ids:
        current = target.api.get(f"/api/v1/cases/{case_id}").headers.get("ETag")
        if current is not None:
            headers["if-match"] = _pick([current], headers["if-match"])


@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_api_conforms_to_its_schema(case: schemathesis.Case, target: Target) -> None:
    _steer(case, target)
    case.call_and_validate(session=target.session, headers=target.api.headers(),
                           checks=CHECKS)
    figures.count("fuzzing", target.backend)
    _operations.setdefault(target.backend, set()).add(case.operation.label)
    figures.record("schemathesis", target.backend,
                   f"{len(_operations[target.backend])} of {len(OPERATIONS)} operations, "
                   f"{figures.counted('fuzzing', target.backend)} requests: no 5xx, every "
                   f"answer as the schema declares, nothing it forbids accepted")


OPERATIONS = {op.ok().label for op in schema.get_all_operations()}
_operations: dict[str, set[str]] = {}


def test_fuzzed_schema_is_the_served_one(client: TestClient) -> None:
    assert client.get("/openapi.json").json() == schema.raw_schema
