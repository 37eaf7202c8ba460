"""Alembic migrations: a new database gets the newest schema; an older SQLite database is
upgraded automatically on start, after a consistent backup copy; PostgreSQL the same."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command
from sqlalchemy import inspect

from db.engine import open_engine
from db.migrate import alembic_config, current_revision, head_revision, upgrade
from studyapp.store.opening import open_store


def test_new_database_is_at_head_with_wal_and_foreign_keys(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "new.db"))
    assert current_revision(store.engine) == head_revision()
    assert store.migration_backup is None
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    tables = set(inspect(store.engine).get_table_names())
    assert {
        "decks",
        "sections",
        "cards",
        "review_log",
        "demo_links",
        "demo_runs",
        "settings",
    } <= tables
    store.close()


def test_older_database_is_backed_up_then_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    engine = open_engine(f"sqlite:///{path}")
    command.upgrade(alembic_config(engine), "0001")
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO settings (key, value) VALUES ('scheduler', '{\"new_per_day\": 7}')"
        )
    engine.dispose()

    store = open_store(str(path))
    assert store.migration_backup is not None
    assert current_revision(store.engine) == head_revision()
    # The copy is a whole database at the old revision, with the data.
    with sqlite3.connect(store.migration_backup) as copy:
        assert copy.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
        assert copy.execute("SELECT value FROM settings").fetchone() == ('{"new_per_day": 7}',)
    copy.close()
    store.close()
    assert head_revision() != "0001", "add a test migration: only 0001 exists"


def test_head_read_from_the_files_is_alembics_head(tmp_path: Path) -> None:
    from alembic.script import ScriptDirectory

    engine = open_engine(f"sqlite:///{tmp_path / 'x.db'}")
    assert head_revision() == ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def test_models_match_the_migrations(tmp_path: Path) -> None:
    """What autogenerate would add or drop, apart from the raw-SQL full-text objects."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from db.models import Base

    store = open_store(str(tmp_path / "models.db"))
    with store.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    store.close()
    assert [d for d in diff if "_fts" not in repr(d)] == []


def test_postgres_upgrade_and_downgrade(postgres_url: str) -> None:
    engine = open_engine(postgres_url)
    command.upgrade(alembic_config(engine), "0001")
    assert upgrade(engine) is None  # no file to back up on a server
    assert current_revision(engine) == head_revision()
    command.downgrade(alembic_config(engine), "base")
    assert inspect(engine).get_table_names() == ["alembic_version"]
    engine.dispose()
