"""Alembic migrations, run from code: the app upgrades an older database on start.

Before an existing SQLite database with data is migrated, a consistent copy is taken with the
SQLite backup API, so a failed or unwanted upgrade can be undone by hand.

Every start checks the schema, so the check is cheap: the newest revision is read from the
migration files and compared with the database's `alembic_version` row; Alembic itself (about
0.1 s to import) is loaded only when there is something to upgrade.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
_REVISION = re.compile(r"^revision\s*=\s*['\"]([^'\"]+)['\"]", re.M)
_DOWN_REVISION = re.compile(r"^down_revision\s*=\s*['\"]([^'\"]+)['\"]", re.M)


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    config.attributes["engine"] = engine
    return config


@cache
def head_revision() -> str:
    """The newest revision: the one no other migration names as its `down_revision`."""
    revisions, parents = set(), set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text()
        if match := _REVISION.search(source):
            revisions.add(match.group(1))
        parents.update(_DOWN_REVISION.findall(source))
    heads = revisions - parents
    if len(heads) != 1:
        raise RuntimeError(f"migrations must have exactly one head, found {sorted(heads)}")
    return heads.pop()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


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
    if current == head_revision():
        return None
    from alembic import command

    backup: Path | None = None
    database = engine.url.database
    has_tables = bool(inspect(engine).get_table_names())
    if engine.dialect.name == "sqlite" and database and database != ":memory:" and has_tables:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        backup = Path(f"{database}.{current or 'unversioned'}.{stamp}.bak")
        backup_sqlite(Path(database), backup)
    command.upgrade(alembic_config(engine), "head")
    return backup
