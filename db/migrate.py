"""Alembic migrations, run from code: the app upgrades an older database on start.

Before an existing SQLite database with data is migrated, a consistent copy is taken with the
SQLite backup API, so a failed or unwanted upgrade can be undone by hand.

Every start checks the schema, so the check is cheap: the newest revision is read from the
migration files and compared with the database's `alembic_version` row; Alembic itself (about
0.1 s to import) is loaded only when there is something to upgrade.

A database that is not a studyapp database is refused before anything touches it: a SQLite
file is first inspected read-only (no WAL switch, no tables added), and a file of someone
else's tables, a schema from an unknown revision, or a studyapp database with tables missing
each get a `SchemaRefused` with the reason. A backup is written only when a migration really
runs, and two first opens of a new file take turns on a lock instead of racing.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import re
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
SQLITE_HEADER = b"SQLite format 3\x00"


class SchemaRefused(Exception):
    """The database is not one this version of studyapp may use; `str()` says why."""


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
def known_revisions() -> frozenset[str]:
    return frozenset(
        match.group(1)
        for path in (MIGRATIONS / "versions").glob("*.py")
        if (match := _REVISION.search(path.read_text()))
    )


def studyapp_tables() -> frozenset[str]:
    from db.models import Base

    return frozenset(Base.metadata.tables)


def inspect_sqlite_file(path: Path) -> tuple[str | None, frozenset[str]] | None:
    """(revision, table names) of an existing SQLite file, read-only; None for a new database.

    Raises `SchemaRefused` for what is not a SQLite database at all.
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    if stat.S_ISDIR(info.st_mode):
        raise SchemaRefused("is a folder, not a database file")
    if not stat.S_ISREG(info.st_mode):
        raise SchemaRefused("not a regular file")
    if info.st_size == 0:
        return None
    with path.open("rb") as handle:
        if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise SchemaRefused("not a SQLite database")
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise SchemaRefused(f"cannot read it: {error}") from None
    try:
        tables = frozenset(
            row[0]
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        )
        revision = None
        if "alembic_version" in tables:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = row[0] if row else None
    except sqlite3.DatabaseError as error:
        raise SchemaRefused(f"damaged ({error}); run `studyapp check`") from None
    finally:
        connection.close()
    return revision, tables


def check_schema(revision: str | None, tables: frozenset[str]) -> None:
    """Refuse what is not a studyapp database, or one this version cannot read."""
    own = tables - {"alembic_version"}
    if revision is None:
        if own and not own <= studyapp_tables():
            return _refuse_foreign(own)
        if own:
            raise SchemaRefused("not a studyapp database (it has tables but no schema version)")
        return
    if revision not in known_revisions():
        raise SchemaRefused(
            f"schema revision {revision!r} is unknown to this studyapp (made by a newer one?)"
        )
    if revision == head_revision() and (missing := studyapp_tables() - tables):
        raise SchemaRefused(
            f"damaged studyapp database: tables missing ({', '.join(sorted(missing))}); "
            "run `studyapp check --repair`"
        )


def _refuse_foreign(own: frozenset[str]) -> None:
    sample = ", ".join(sorted(own)[:3])
    raise SchemaRefused(f"not a studyapp database (it holds other tables: {sample})")


@contextmanager
def _migration_lock(database: Path) -> Iterator[None]:
    """Serialise first opens: two processes creating one new file would otherwise race."""
    lock_path = database.with_name(database.name + ".lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


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


def preflight(engine: Engine) -> bool:
    """Check the database before the engine first connects; True when it is already at head.

    SQLite files are inspected read-only, so a refused file is left exactly as it was.
    """
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database and database != ":memory:":
        found = inspect_sqlite_file(Path(database))
        if found is None:
            return False
        check_schema(*found)
        return found[0] == head_revision()
    with engine.connect() as connection:
        tables = frozenset(inspect(connection).get_table_names())
        revision = None
        if "alembic_version" in tables:
            revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    check_schema(revision, tables)
    return revision == head_revision()


def upgrade(engine: Engine) -> Path | None:
    """Bring the schema to the newest revision. Returns the backup made, if any."""
    if preflight(engine):
        return None
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database and database != ":memory:":
        with _migration_lock(Path(database)):
            # Another process may have migrated while this one waited for the lock.
            if current_revision(engine) == head_revision():
                return None
            return _upgrade(engine)
    return _upgrade(engine)


def _upgrade(engine: Engine) -> Path | None:
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
