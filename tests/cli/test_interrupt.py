"""Long jobs interrupted with Ctrl+C leave nothing half-done: no truncated export under
the real name, no half-imported database."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import models as m
from app import transfer
from app.cli import migrate
from app.db import Database
from app.populate import populate
from tests.helpers.database import backends, empty_database
from tests.helpers.server import KUVERT


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> object:
    """A SQLite database with enough cases that exporting it takes a while."""
    with empty_database("sqlite", tmp_path_factory.mktemp("interrupt")) as url:
        migrate(url)
        db = Database(url)
        populate(db.engine, 3000, ["interrupt"], seed=3)
        db.dispose()
        yield url


def _export(url: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([KUVERT, "export", *args], text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env={**os.environ,
                                                         "KUVERT_DATABASE_URL": url})


def test_export_to_a_file_is_whole_or_absent(filled: str, tmp_path: Path) -> None:
    target = tmp_path / "backup.json"
    partial = tmp_path / ".backup.json.partial"
    whole = _export(filled, "--output", str(target))
    assert whole.wait(timeout=120) == 0, whole.stderr.read() if whole.stderr else ""
    data = json.loads(target.read_text(encoding="utf-8"))
    assert len(data["cases"]) == 3000 and not partial.exists()
    assert target.stat().st_mode & 0o777 == 0o600

    again = tmp_path / "again.json"
    interrupted = _export(filled, "--output", str(again))
    deadline = time.monotonic() + 60
    while not (again.with_name(".again.json.partial").exists()
               and again.with_name(".again.json.partial").stat().st_size > 0):
        assert interrupted.poll() is None, "the export finished before it could be interrupted"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    interrupted.send_signal(signal.SIGINT)
    _out, err = interrupted.communicate(timeout=60)
    assert interrupted.returncode == 130, err
    assert "Afbrudt" in err
    assert not again.exists() and not again.with_name(".again.json.partial").exists()


def test_two_exports_of_the_same_data_are_the_same_text(filled: str) -> None:
    first = _export(filled).communicate(timeout=120)[0]
    second = _export(filled).communicate(timeout=120)[0]

    def without_export_audits(text: str) -> list[str]:  # each export audits itself
        return [line.rstrip(",") for line in text.splitlines()
                if '"action": "export_all"' not in line]

    assert len(second) > len(first) > 1_000_000
    assert without_export_audits(first) == without_export_audits(second)


@pytest.mark.parametrize("backend", backends())
def test_interrupted_import_leaves_the_database_empty(filled: str, backend: str,
                                                      tmp_path: Path) -> None:
    source = Database(filled)
    with source.session() as session:
        data = json.loads(_dump(session))
    source.dispose()
    with empty_database(backend, tmp_path) as url:
        migrate(url)
        db = Database(url)
        done = 0

        def ctrl_c_midway(rows: int) -> None:  # what Ctrl+C does between two batches
            nonlocal done
            done += rows
            if done > transfer.rows_in(data) // 2:
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt), db.session() as session:
            transfer.import_all(session, data, ctrl_c_midway)
        with db.session() as session:
            left = {name: session.scalar(select(func.count()).select_from(model))
                    for name, model in (("cases", m.Case), ("actors", m.Actor),
                                        ("events", m.Event), ("teams", m.Team))}
            catalogue = session.scalar(select(func.count()).select_from(m.CatalogueEntry))
        assert left == {"cases": 0, "actors": 0, "events": 0, "teams": 0}
        assert catalogue, "the migration's catalogue is still there"
        # and the import can simply be run again
        with db.session() as session:
            counts = transfer.import_all(session, data)
        assert counts["cases"] == 3000
        db.dispose()


def _dump(session: object) -> str:
    import io

    out = io.StringIO()
    transfer.write_export(session, out)  # type: ignore[arg-type]
    return out.getvalue()
