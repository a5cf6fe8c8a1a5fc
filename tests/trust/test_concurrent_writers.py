"""Many writers on one case against a real ``kuvert serve``: nothing lost, nothing twice.

Each writer adds its own, uniquely keyed actor to the same case, building on the
ETag it last saw and trying again on 412 (API) or with the conflict's "Gentag min
ændring" form (web). Afterwards every acknowledged edit is in the network exactly
once, and the history is one event per acknowledged edit, versions without gaps.

The helpers for a live server (:func:`live_server`, :func:`kuvert`) are shared with
``test_crash_safety.py``.
"""

from __future__ import annotations

import itertools
import secrets
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from app import models as m
from app.cli import migrate
from app.db import Database
from app.graph.examples import claus_foer
from tests.helpers.clients import PASSWORD
from tests.helpers.database import backends, empty_database
from tests.helpers.html import csrf_token, one, parse
from tests.helpers.server import WAIT, KuvertServer, create_team_token, kuvert, live_server
from tests.trust import figures

KUVERT = str(Path(sys.executable).with_name("kuvert"))
# --- a case served live, with an API token and two web users ---------------------------


@dataclass
class Live:
    """A running server on a fresh database, with one team, its token and users."""

    backend: str
    url: str
    server: KuvertServer
    token: str
    users: list[str] = field(default_factory=list)

    def api(self) -> httpx.Client:
        return httpx.Client(base_url=self.server.base, timeout=WAIT,
                            headers={"Authorization": f"Bearer {self.token}"})

    def new_case(self) -> tuple[int, int]:
        with self.api() as c:
            r = c.post("/api/v1/cases", json=claus_foer().model_dump(mode="json",
                                                                   exclude_none=True))
        assert r.status_code == 201, r.text
        return r.json()["id"], r.json()["version"]


@pytest.fixture(scope="module", params=backends())
def live(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[Live]:
    tmp = tmp_path_factory.mktemp("live")
    with empty_database(request.param, tmp) as url:
        migrate(url)
        team = f"trust-{secrets.token_hex(3)}"
        token = create_team_token(url, team)
        users = [f"browser-{n}" for n in (1, 2)]
        for username in users:
            made = kuvert(url, "user", "create", "--team", team, "--username", username,
                          "--password", PASSWORD, "--role", "editor")
            assert made.returncode == 0, made.stderr
        with live_server(url, tmp / "server.log") as server:
            yield Live(request.param, url, server, token, users)


def _version(etag: str) -> int:
    return int(etag.strip('"'))


def _run_threads(targets: list[Any]) -> None:
    threads = [threading.Thread(target=t, daemon=True) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a writer hung"


def _events(url: str, case_id: int) -> list[m.Event]:
    db = Database(url)
    try:
        with db.session() as session:
            return list(session.scalars(select(m.Event).where(m.Event.case_id == case_id)
                                        .order_by(m.Event.version)))
    finally:
        db.dispose()


def _added_one_by_one(events: list[m.Event]) -> list[dict[str, Any]]:
    """The actor each event after the first added; fails unless each added exactly one
    and kept every actor before it (a lost update would drop one)."""
    added = []
    for before, after in itertools.pairwise(events):
        old, new = before.document["actors"], after.document["actors"]
        assert new[:-1] == old, f"version {after.version} did not build on {before.version}"
        assert len(new) == len(old) + 1
        added.append(new[-1])
    return added


def _check_history(live: Live, case_id: int, edits: int) -> tuple[list[m.Event], dict[str, Any]]:
    """Versions 1..V without gaps, V = 1 + edits, and the graph at V as the last event."""
    with live.api() as c:
        history = c.get(f"/api/v1/cases/{case_id}/history").json()
        graph = c.get(f"/api/v1/cases/{case_id}/graph")
    versions = [e["version"] for e in history["events"]]
    assert versions == list(range(1, edits + 2)), versions
    assert history["version"] == _version(graph.headers["ETag"]) == 1 + edits
    events = _events(live.url, case_id)
    assert [e.version for e in events] == versions
    assert graph.json() == events[-1].document
    return events, graph.json()


# --- the tests -------------------------------------------------------------------------

WRITERS, EDITS, MAX_TRIES = 6, 15, 200


@dataclass
class Ack:
    key: str
    label: str
    version: int


def test_concurrent_api_writers_lose_nothing_and_apply_nothing_twice(live: Live) -> None:
    case_id, _ = live.new_case()
    initial = len(claus_foer().actors)
    acks: list[Ack] = []
    failures: list[str] = []
    tries: Counter[int] = Counter()  # tries per acknowledged edit
    lock = threading.Lock()
    barrier = threading.Barrier(WRITERS, timeout=WAIT)
    graph_url = f"/api/v1/cases/{case_id}/graph"

    def writer(i: int) -> None:
        try:
            with live.api() as c:
                etag = c.get(graph_url).headers["ETag"]
                barrier.wait()
                for j in range(EDITS):
                    key, label = f"w{i}-{j}", f"Skribent {i}, ændring {j}"
                    for attempt in range(1, MAX_TRIES + 1):
                        r = c.post(f"/api/v1/cases/{case_id}/actors", headers={"If-Match": etag},
                                   json={"key": key, "kind": "network", "label": label})
                        if r.status_code == 201:
                            etag = r.headers["ETag"]
                            with lock:
                                acks.append(Ack(key, label, _version(etag)))
                                tries[attempt] += 1
                            break
                        assert r.status_code == 412, (r.status_code, r.text)
                        assert r.json()["error"]["code"] == "stale_version"
                        etag = c.get(graph_url).headers["ETag"]
                    else:
                        raise AssertionError(f"{key}: no luck in {MAX_TRIES} tries")
        except BaseException as exc:  # reported by the main thread
            with lock:
                failures.append(f"writer {i}: {exc!r}")

    reads: list[tuple[int, dict[str, Any]]] = []  # ETag version, body
    writing = threading.Event()
    writing.set()

    def reader() -> None:
        """Reads while the writers write: each must be one whole version, its ETag's."""
        try:
            with live.api() as c:
                while writing.is_set():
                    r = c.get(graph_url)
                    assert r.status_code == 200, (r.status_code, r.text[:300])
                    with lock:
                        reads.append((_version(r.headers["ETag"]), r.json()))
        except BaseException as exc:  # reported by the main thread
            with lock:
                failures.append(f"reader: {exc!r}")

    readers = [threading.Thread(target=reader, daemon=True) for _ in range(2)]
    for t in readers:
        t.start()
    started = time.monotonic()
    try:
        _run_threads([lambda i=i: writer(i) for i in range(WRITERS)])
    finally:
        writing.clear()
        for t in readers:
            t.join(timeout=WAIT)
    elapsed = time.monotonic() - started
    assert not failures, failures
    assert len(acks) == WRITERS * EDITS

    # The acknowledged versions are exactly 2..V: one per edit, none shared.
    assert sorted(a.version for a in acks) == list(range(2, 2 + WRITERS * EDITS))
    events, graph = _check_history(live, case_id, WRITERS * EDITS)
    keys = Counter(a["key"] for a in graph["actors"])
    assert len(graph["actors"]) == initial + WRITERS * EDITS
    assert all(keys[a.key] == 1 for a in acks)
    # Each event is the acknowledged edit that got its version, and added just that actor.
    by_version = {a.version: a for a in acks}
    for event, actor in zip(events[1:], _added_one_by_one(events), strict=True):
        ack = by_version[event.version]
        assert (actor["key"], actor["label"]) == (ack.key, ack.label)
        assert event.kind == "actor_added" and event.summary == f"Aktør tilføjet: {ack.label}"

    retries = sum((n - 1) * count for n, count in tries.items())
    documents = {e.version: e.document for e in events}
    torn = [version for version, body in reads if body != documents[version]]
    figures.record("concurrent API writers", figures.backend_of(live.url),
                   f"{WRITERS} clients × {EDITS} edits = {len(acks)} edits acknowledged, "
                   f"{retries} retries after 412, none lost, none applied twice, versions "
                   f"1..{events[-1].version} gap-free; {len(reads)} reads meanwhile, "
                   f"{len(torn)} of them not the document of their ETag ({elapsed:.0f} s)")
    assert not torn, f"reads mixing versions, at ETags {torn}"


BROWSERS, FORM_EDITS = 2, 15


def _log_in(browser: httpx.Client, username: str) -> None:
    """Log a browser's cookie jar in through the login form, with its CSRF cookie."""
    form = browser.get("/login")
    csrf = csrf_token(form.text)
    r = browser.post("/login", data={"username": username, "password": PASSWORD,
                                     "csrf": csrf, "next": "/cases"})
    assert r.status_code == 303, r.text


def _replay_form(fragment: str) -> dict[str, str]:
    """The hidden fields of the conflict's "Gentag min ændring" form."""
    form = one(fragment, "section#conflict").cssselect("form")[0]
    return {field.get("name"): field.get("value") or ""
            for field in form.cssselect('input[type="hidden"][name]')}


def _shown_version(page: str) -> str:
    """The version the page (or fragment) shows: its first ``data-version``."""
    return str(parse(page).cssselect("[data-version]")[0].get("data-version"))


def test_concurrent_form_edits_are_each_kept_once(live: Live) -> None:
    case_id, _ = live.new_case()
    initial = len(claus_foer().actors)
    acked: list[str] = []
    failures: list[str] = []
    conflicts = Counter[str]()
    lock = threading.Lock()
    barrier = threading.Barrier(BROWSERS, timeout=WAIT)

    def browser(n: int, username: str) -> None:
        try:
            with httpx.Client(base_url=live.server.base, timeout=WAIT) as b:
                _log_in(b, username)
                page = b.get(f"/cases/{case_id}")
                assert page.status_code == 200
                csrf = csrf_token(page.text)
                version = _shown_version(page.text)
                barrier.wait()
                for j in range(FORM_EDITS):
                    label = f"Browser {n}, ændring {j}"
                    form = {"csrf": csrf, "version": version, "label": label,
                            "kind": "network"}
                    for _ in range(MAX_TRIES):
                        r = b.post(f"/cases/{case_id}/actors", data=form,
                                   headers={"HX-Request": "true"})
                        assert r.status_code in (200, 409), (r.status_code, r.text[:300])
                        version = _shown_version(r.text)
                        if r.status_code == 200:
                            assert 'id="conflict"' not in r.text and 'id="problems"' not in r.text
                            with lock:
                                acked.append(label)
                            break
                        with lock:
                            conflicts[username] += 1
                        form = _replay_form(r.text)
                        assert form["label"] == label and form["csrf"] == csrf
                    else:
                        raise AssertionError(f"{label}: no luck in {MAX_TRIES} tries")
        except BaseException as exc:  # reported by the main thread
            with lock:
                failures.append(f"{username}: {exc!r}")

    started = time.monotonic()
    _run_threads([lambda n=n, u=u: browser(n, u) for n, u in enumerate(live.users, 1)])
    elapsed = time.monotonic() - started
    assert not failures, failures
    assert sorted(acked) == sorted(f"Browser {n}, ændring {j}"
                                   for n in range(1, BROWSERS + 1) for j in range(FORM_EDITS))

    events, graph = _check_history(live, case_id, len(acked))
    labels = Counter(a["label"] for a in graph["actors"])
    assert len(graph["actors"]) == initial + len(acked)
    assert all(labels[label] == 1 for label in acked)
    added = [a["label"] for a in _added_one_by_one(events)]
    assert sorted(added) == sorted(acked)
    assert [e.summary for e in events[1:]] == [f"Aktør tilføjet: {label}" for label in added]
    by = Counter(e.principal for e in events[1:])
    assert all(by[f"user:{u}"] == FORM_EDITS for u in live.users), by

    figures.record("concurrent web form edits", figures.backend_of(live.url),
                   f"{BROWSERS} browsers × {FORM_EDITS} edits = {len(acked)} edits kept once "
                   f"each, {sum(conflicts.values())} conflicts shown and replayed, versions "
                   f"1..{events[-1].version} gap-free ({elapsed:.0f} s)")
