"""`kuvert backup` / `kuvert restore`: a round trip while another process keeps writing."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import accounts
from app import models as m
from app.cli import migrate
from app.db import Database
from tests.helpers.database import backends, empty_database

KUVERT = str(Path(sys.executable).with_name("kuvert"))


def _kuvert(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KUVERT_")}
    return subprocess.run([KUVERT, *args], env=env | {"KUVERT_DATABASE_URL": url},
                          capture_output=True, text=True, timeout=300, check=False)


def _team_names(url: str) -> list[str]:
    db = Database(url)
    try:
        with db.session() as session:
            return list(session.scalars(select(m.Team.name).order_by(m.Team.id)))
    finally:
        db.dispose()


@pytest.mark.parametrize("backend", backends())
def test_backup_and_restore_round_trip_while_writes_continue(backend: str,
                                                             tmp_path: Path) -> None:
    with empty_database(backend, tmp_path) as url, \
            empty_database(backend, tmp_path / "restored") as fresh:
        (tmp_path / "restored").mkdir(exist_ok=True)
        migrate(url)
        db = Database(url)
        stop, written = threading.Event(), []

        def write() -> None:  # a team a commit, numbered, until told to stop
            while not stop.is_set():
                with db.session() as session:
                    accounts.create_team(session, f"team-{len(written):05d}")
                written.append(1)

        writer = threading.Thread(target=write)
        writer.start()
        try:
            while len(written) < 20:
                stop.wait(0.01)
            before = len(written)
            target = tmp_path / "kuvert.backup"
            done = _kuvert(url, "backup", str(target))
            after = len(written)
            assert done.returncode == 0, done.stderr
        finally:
            stop.set()
            writer.join()
        with db.session() as session:
            total = session.scalar(select(func.count()).select_from(m.Team))
        db.dispose()
        assert total == len(written) > after  # the writer went on during the backup
        assert oct(target.stat().st_mode & 0o777) == "0o600"
        assert not list(tmp_path.glob(".*.partial"))

        refused = _kuvert(fresh, "restore", str(target))
        assert refused.returncode == 1 and "--yes" in refused.stderr
        restored = _kuvert(fresh, "restore", "--yes", str(target))
        assert restored.returncode == 0, restored.stderr
        assert _kuvert(fresh, "migrate").returncode == 0
        names = _team_names(fresh)
        # A consistent snapshot: every team committed before the backup began, then an
        # unbroken run of the ones written meanwhile, nothing half-written.
        assert before <= len(names) <= after + 1
        assert names == [f"team-{i:05d}" for i in range(len(names))]
        exported = _kuvert(fresh, "export")
        assert exported.returncode == 0 and '"teams"' in exported.stdout


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    done = _kuvert(f"sqlite:///{tmp_path / 'k.db'}", "restore", "--yes", str(junk))
    assert done.returncode == 1 and done.stderr.startswith("Fejl:")
