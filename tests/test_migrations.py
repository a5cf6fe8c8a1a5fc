"""Only Alembic makes tables: the migrations go up and down, and match the models."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from app.cli import alembic_config
from app.db import Base, make_engine
from tests.helpers.database import backends, empty_database


@pytest.mark.parametrize("backend", backends())
def test_migrations_upgrade_downgrade_upgrade(backend: str, tmp_path: Path) -> None:
    with empty_database(backend, tmp_path) as url:
        config = alembic_config(url)
        command.upgrade(config, "head")
        engine = make_engine(url)
        assert "cases" in inspect(engine).get_table_names()
        command.downgrade(config, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        command.upgrade(config, "head")
        assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
        engine.dispose()


@pytest.mark.parametrize("backend", backends())
def test_models_and_migrations_do_not_drift(backend: str, tmp_path: Path) -> None:
    with empty_database(backend, tmp_path) as url:
        command.upgrade(alembic_config(url), "head")
        engine = make_engine(url)
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, Base.metadata)
        engine.dispose()
        assert diff == []
