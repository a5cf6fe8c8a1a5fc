"""Migration 0011: the regional and health actors join the catalogue, each with a
place in the envelope that the placement rule knows, and an admin's own entry stays."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
import sqlalchemy as sa
from alembic import command

from app.cli import alembic_config
from app.graph.meaning import NAMES, fold
from tests.helpers.database import backends, empty_database

ROOT = Path(__file__).resolve().parents[1]
PANEL_WORDS = {"Afdelinger": "afdelinger", "Organisationer": "organisationer",
               "Civilsamfund": "civilsamfund", "Netværk": "netvaerk"}


def _migration() -> ModuleType:
    path = ROOT / "migrations" / "versions" / "0011_catalogue_regional_and_health_actors.py"
    spec = importlib.util.spec_from_file_location("migration_0011", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_migration_0011_names_are_placed_where_their_note_says() -> None:
    for entries in _migration().CATALOGUE.values():
        for name, note in entries:
            assert NAMES[fold(name)] == PANEL_WORDS[note.split(":")[0]], name


@pytest.mark.parametrize("backend", backends())
def test_migration_0011_adds_names_and_keeps_an_admins_own(backend: str,
                                                           tmp_path: Path) -> None:
    entries = sa.table("catalogue_entries", sa.column("kind"), sa.column("name"),
                       sa.column("note"))
    with empty_database(backend, tmp_path) as url:
        config = alembic_config(url)
        command.upgrade(config, "0010")
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.execute(entries.insert(), {"kind": "profession", "name": "sygeplejerske",
                                            "note": "tilføjet af en admin"})
        command.upgrade(config, "head")
        with engine.connect() as conn:
            rows = {(k, n): note for k, n, note in conn.execute(
                sa.select(entries.c.kind, entries.c.name, entries.c.note))}
        assert rows[("profession", "sygeplejerske")] == "tilføjet af en admin"
        assert ("profession", "Sygeplejerske") not in rows
        assert rows[("profession", "Egen læge")] == "Organisationer"
        assert ("organisation", "Regionspsykiatrien") in rows
        command.downgrade(config, "0010")
        with engine.connect() as conn:
            names = {n for (n,) in conn.execute(sa.select(entries.c.name))}
        assert "Regionspsykiatrien" not in names and "UU-vejleder" in names
        engine.dispose()
