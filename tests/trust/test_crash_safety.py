"""kill -9 of a real ``kuvert serve`` in the middle of a stream of writes loses nothing.

A client writes one change after another (POST of an actor, now and then a PUT of
the whole network), each on the ETag of the one before, and remembers which were
acknowledged and what the network should be after each. The server is killed with
SIGKILL at a seeded random moment, started again on the same database, and then:
the database is sound, every acknowledged write is there, the write in flight is
there whole or not at all, versions have no gaps, every stored document is valid,
and the server serves and writes again. A backup (``kuvert export``) taken right
after a kill restores into an empty database as the same export.
"""

from __future__ import annotations

import json
import random
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from app import models as m
from app.cases import dump, rows_document
from app.cli import migrate
from app.db import Database
from app.graph.document import GraphDocument
from app.graph.examples import claus_foer
from tests.helpers.database import backends, empty_database
from tests.helpers.server import WAIT, KuvertServer, create_team_token, kuvert, live_server
from tests.trust import figures

Doc = dict[str, Any]
KILLS, ACKS_BEFORE_KILL = 3, 30


def _normal(doc: Doc) -> Doc:
    return dump(GraphDocument.model_validate(doc))


def _version(etag: str) -> int:
    return int(etag.strip('"'))


@dataclass
class Stream:
    """One client writing sequentially, each write on the version the last one gave."""

    base: str
    token: str
    case_id: int
    doc: Doc
    version: int
    serial: int = 0
    acks: list[tuple[int, Doc]] = field(default_factory=list)  # version, document after
    acked_at: list[float] = field(default_factory=list)  # monotonic time of each answer
    in_flight: Doc | None = None  # what the unanswered write would make the network
    error: str | None = None

    def next_write(self) -> tuple[str, str, Doc, Doc]:
        """method, path, body and the network expected after it."""
        self.serial += 1
        n, doc = self.serial, self.doc
        actor = {"key": f"s{n}", "kind": "professional", "label": f"Skrivning {n}",
                 "profession": f"Faggruppe {n % 7}", "sector": f"Sektor {n % 5}"}
        if n % 4:
            return "POST", "actors", actor, _normal({**doc, "actors": [*doc["actors"], actor]})
        citizen = next(a["key"] for a in doc["actors"] if a["kind"] == "citizen")
        coupling = {"source": citizen, "target": actor["key"], "state": "needed",
                    "topic": f"Emne {n}",
                    "agreements": [{"who": actor["key"], "what": f"Opgave {n}"}]}
        new = _normal({**doc, "label": f"Claus, 22 · skrivning {n}",
                       "actors": [*doc["actors"], actor],
                       "couplings": [*doc["couplings"], coupling]})
        return "PUT", "graph", new, new

    def run(self, stop: threading.Event) -> None:
        """Write until told to stop or until the server is gone."""
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(base_url=self.base, headers=headers, timeout=WAIT) as c:
            while not stop.is_set():
                method, path, body, after = self.next_write()
                self.in_flight = after
                try:
                    r = c.request(method, f"/api/v1/cases/{self.case_id}/{path}", json=body,
                                  headers={"If-Match": f'"{self.version}"'})
                except httpx.TransportError:
                    return  # killed: the answer never came
                if r.status_code not in (200, 201):
                    self.error = f"{method} {path}: {r.status_code} {r.text[:300]}"
                    return
                self.version = _version(r.headers["ETag"])
                self.doc = after
                self.acks.append((self.version, after))
                self.acked_at.append(time.monotonic())
                self.in_flight = None


def _prepare(url: str, server: KuvertServer) -> tuple[str, int, Doc]:
    """A team, its write token and one case; returns (token, case id, document)."""
    token = create_team_token(url, f"crash-{secrets.token_hex(3)}")
    doc = _normal(claus_foer().model_dump(mode="json", exclude_none=True))
    r = httpx.post(f"{server.base}/api/v1/cases", json=doc, timeout=WAIT,
                   headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 201, r.text
    return token, r.json()["id"], doc


def _write_then_kill(server: KuvertServer, stream: Stream, rng: random.Random) -> int:
    """Stream writes; after about ACKS_BEFORE_KILL acknowledgements, at a random moment,
    SIGKILL the server. Returns how many writes were acknowledged before the kill."""
    target = len(stream.acks) + ACKS_BEFORE_KILL + rng.randint(0, 10)
    stop = threading.Event()
    writer = threading.Thread(target=stream.run, args=(stop,), daemon=True)
    writer.start()
    try:
        deadline = time.monotonic() + WAIT
        while len(stream.acks) < target and writer.is_alive() and time.monotonic() < deadline:
            time.sleep(0.002)
        assert stream.error is None, stream.error
        assert len(stream.acks) >= target, "the stream of writes stalled"
        recent = stream.acked_at[-10:]
        write_time = (recent[-1] - recent[0]) / (len(recent) - 1)
        time.sleep(rng.uniform(0, write_time))  # somewhere inside the write in flight
        server.kill()
    finally:
        stop.set()
        writer.join(timeout=WAIT)
    assert not writer.is_alive(), "the writer hung"
    assert stream.error is None, stream.error
    return len(stream.acks)


def _check_sqlite_file(url: str) -> None:
    """SQLite's own checks on the file as the kill left it (the WAL is recovered on open)."""
    path = make_url(url).database
    assert path
    conn = sqlite3.connect(path, timeout=10)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()


def _check_stored(url: str, case_id: int, acks: list[tuple[int, Doc]]) -> tuple[int, Doc]:
    """Every acknowledged write is in the history as written; versions have no gaps; every
    stored document is valid; the rows of the case are the last event's document.
    Returns the version and document the database holds."""
    db = Database(url)
    try:
        with db.session() as session:
            case = session.get(m.Case, case_id)
            assert case is not None
            events = list(session.scalars(select(m.Event).where(m.Event.case_id == case_id)
                                          .order_by(m.Event.version)))
            assert [e.version for e in events] == list(range(1, case.version + 1))
            for e in events:
                GraphDocument.model_validate(e.document)
            stored = {e.version: _normal(e.document) for e in events}
            for version, doc in acks:
                assert stored.get(version) == doc, f"acknowledged version {version} lost"
            rows = rows_document(case)
            assert rows == stored[case.version], "the case's rows are not its last event"
            return case.version, rows
    finally:
        db.dispose()


def _settle_in_flight(stream: Stream, version: int, doc: Doc) -> bool:
    """After a kill the write in flight is either all there or not at all; returns which.
    The stream then carries on from what the database holds."""
    last = stream.acks[-1][0] if stream.acks else 1
    if version == last:
        assert doc == stream.doc, "an unacknowledged change left a trace"
        applied = False
    else:
        assert version == last + 1, (version, last)
        assert stream.in_flight is not None and doc == stream.in_flight, "half-written change"
        applied = True
    stream.version, stream.doc, stream.in_flight = version, doc, None
    return applied


@pytest.mark.parametrize("backend", backends())
def test_kill_9_mid_stream_loses_no_acknowledged_write(backend: str, tmp_path: Path) -> None:
    rng = random.Random(f"kill-9-{backend}")
    started = time.monotonic()
    unacked_but_applied = 0
    with empty_database(backend, tmp_path) as url:
        migrate(url)
        server = live_server(url, tmp_path / "server.log")
        try:
            server.start()
            token, case_id, doc = _prepare(url, server)
            stream = Stream(server.base, token, case_id, doc, 1)
            for _kill in range(KILLS):
                _write_then_kill(server, stream, rng)
                if backend == "sqlite":
                    _check_sqlite_file(url)
                version, stored = _check_stored(url, case_id, stream.acks)
                unacked_but_applied += _settle_in_flight(stream, version, stored)
                server.start()
                stream.base = server.base
                with httpx.Client(base_url=server.base, timeout=WAIT,
                                  headers={"Authorization": f"Bearer {token}"}) as c:
                    graph = c.get(f"/api/v1/cases/{case_id}/graph")
                    assert graph.status_code == 200
                    assert _version(graph.headers["ETag"]) == version
                    assert graph.json() == stored
            # The server that survived the last kill still takes writes.
            method, path, body, after = stream.next_write()
            r = httpx.request(method, f"{server.base}/api/v1/cases/{case_id}/{path}", json=body,
                              timeout=WAIT, headers={"Authorization": f"Bearer {token}",
                                                     "If-Match": f'"{stream.version}"'})
            assert r.status_code in (200, 201), r.text
            stream.acks.append((_version(r.headers["ETag"]), after))
            final, _ = _check_stored(url, case_id, stream.acks)
        finally:
            server.stop()
    figures.record("kill -9 mid-stream", figures.backend_of(url),
                   f"{KILLS} kills survived, {len(stream.acks)} writes acknowledged and all "
                   f"present, {unacked_but_applied} unanswered writes found applied whole, "
                   f"none half-written, versions 1..{final} gap-free "
                   f"({time.monotonic() - started:.0f} s)")


@pytest.mark.parametrize("backend", backends())
def test_backup_after_kill_9_restores_identically(backend: str, tmp_path: Path) -> None:
    started = time.monotonic()
    with empty_database(backend, tmp_path) as url:
        migrate(url)
        with live_server(url, tmp_path / "server.log") as server:
            token, case_id, doc = _prepare(url, server)
            stream = Stream(server.base, token, case_id, doc, 1)
            _write_then_kill(server, stream, random.Random(f"backup-{backend}"))
        backup = tmp_path / "backup.json"
        exported = kuvert(url, "export", "--output", str(backup))
        assert exported.returncode == 0, exported.stderr
        first = json.loads(backup.read_text(encoding="utf-8"))
        events = {(e["case_id"], e["version"]): e["document"] for e in first["events"]}
        for version, after in stream.acks:
            assert _normal(events[(case_id, version)]) == after
        with empty_database("sqlite", tmp_path) as target:
            migrate(target)
            loaded = kuvert(target, "import", str(backup))
            assert loaded.returncode == 0, loaded.stderr
            again = kuvert(target, "export")
            assert again.returncode == 0, again.stderr
            assert json.loads(again.stdout) == first
            _check_sqlite_file(target)
            _check_stored(target, case_id, stream.acks)
    rows = sum(len(v) for v in first.values() if isinstance(v, list))
    figures.record("backup and restore after kill -9", figures.backend_of(url),
                   f"{len(stream.acks)} writes acknowledged, {rows} rows exported, imported "
                   f"into an empty SQLite database, re-export identical "
                   f"({time.monotonic() - started:.0f} s)")
