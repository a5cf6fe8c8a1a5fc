"""Backups of a running installation, and restoring one.

SQLite: the online backup API copies a consistent snapshot while the server keeps
writing. PostgreSQL: ``pg_dump`` (custom format) and ``pg_restore`` from the PostgreSQL
client tools, which must be installed (Debian: ``postgresql-client``).
A backup is written beside its target and renamed into place when complete, so an
interrupted backup never leaves a truncated file under the real name.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from app.errors import ServiceError

__all__ = ["backup", "restore"]


class BackupError(ServiceError):
    code = "backup_failed"


def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        raise BackupError("En database i hukommelsen kan ikke sikkerhedskopieres.")
    return Path(parsed.database)


def _libpq(url: str) -> str:
    """The SQLAlchemy URL as the PostgreSQL tools take it (no +driver)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} findes ikke; installér PostgreSQL-klientværktøjerne "
                          "(Debian: postgresql-client).")
    return path


def _private(path: str, flags: int) -> int:
    return os.open(path, flags, 0o600)


def backup(url: str, target: Path) -> None:
    """Write a consistent copy of the database at ``url`` to ``target`` (mode 0600)."""
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        source = _sqlite_path(url)
        if source is not None:
            if not source.exists():
                raise BackupError(f"Databasen {source} findes ikke.")
            os.close(_private(str(partial), os.O_WRONLY | os.O_CREAT | os.O_TRUNC))
            with sqlite3.connect(source, timeout=30) as src, sqlite3.connect(partial) as dst:
                # In one step: a snapshot under a read transaction. In WAL mode writers go on
                # meanwhile; a stepwise copy would restart on every write and might never end.
                src.backup(dst)
            dst.close()
            src.close()
        else:
            os.close(_private(str(partial), os.O_WRONLY | os.O_CREAT | os.O_TRUNC))
            _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(partial),
                  "--dbname", _libpq(url)])
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def restore(url: str, source: Path) -> None:
    """Replace the database at ``url`` with the backup ``source``. Stop the server first."""
    if not source.exists():
        raise BackupError(f"Filen {source} findes ikke.")
    target = _sqlite_path(url)
    if target is not None:
        with sqlite3.connect(source) as src:
            try:
                whole = src.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            except sqlite3.DatabaseError:
                whole = False
            if not whole:
                raise BackupError(f"{source} er ikke en hel SQLite-database.")
            target.parent.mkdir(parents=True, exist_ok=True)
            with sqlite3.connect(target, timeout=30) as dst:
                src.backup(dst)
            dst.close()
        src.close()
        return
    _run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
          "--exit-on-error", "--dbname", _libpq(url), str(source)])


def _run(argv: list[str]) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = (done.stderr.strip().splitlines() or ["ukendt fejl"])[-1]
        raise BackupError(f"{Path(argv[0]).name} fejlede: {detail}")
