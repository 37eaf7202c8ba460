"""Alembic migrations, run from code: the app upgrades an older database on start.

Before an existing SQLite database with data is migrated, a consistent copy is taken with the
SQLite backup API, so a failed or unwanted upgrade can be undone by hand.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    config.attributes["engine"] = engine
    return config


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def backup_sqlite(source: Path, destination: Path) -> None:
    """Copy a live SQLite database consistently (the backup API, not a file copy)."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(destination) as dst:
        src.backup(dst)
    dst.close()
    src.close()


def upgrade(engine: Engine) -> Path | None:
    """Bring the schema to the newest revision. Returns the backup made, if any."""
    current = current_revision(engine)
    head = head_revision(engine)
    if current == head:
        return None
    backup: Path | None = None
    database = engine.url.database
    has_tables = bool(inspect(engine).get_table_names())
    if engine.dialect.name == "sqlite" and database and database != ":memory:" and has_tables:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        backup = Path(f"{database}.{current or 'unversioned'}.{stamp}.bak")
        backup_sqlite(Path(database), backup)
    command.upgrade(alembic_config(engine), "head")
    return backup
