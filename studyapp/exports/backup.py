"""Backing up and restoring the embedded SQLite database with SQLite's backup API.

The copy is consistent even while another instance writes. A file offered for restore is
checked first (a SQLite file, a studyapp schema this version knows, not damaged), and the
database it replaces is saved next to it. Server databases are not handled here: their own
tools (pg_dump) do it better.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from contextlib import closing
from pathlib import Path

from db.migrate import MIGRATIONS, backup_sqlite
from studyapp.exports.output import ExportError, atomic_output

SQLITE_HEADER = b"SQLite format 3\x00"


def stamp(now: dt.datetime) -> str:
    """The time in backup file names: 20261121T120000Z."""
    return now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def default_backup_path(database: Path, now: dt.datetime) -> Path:
    """Next to the database, with the time: study-backup-20261121T120000Z.db."""
    return database.with_name(f"{database.stem}-backup-{stamp(now)}.db")


def backup_database(database: Path, target: Path) -> None:
    """Copy `database` to `target` (a new file), written all at once."""
    if not database.is_file():
        raise ExportError(f"{database}: no such database")
    if target.exists():
        raise ExportError(f"{target}: already exists; choose another name")
    with atomic_output(target) as partial:
        try:
            backup_sqlite(database, partial)
        except sqlite3.DatabaseError as error:
            raise ExportError(f"{database}: cannot copy: {error}") from None


def check_backup_file(file: Path) -> str:
    """The studyapp schema revision of a database file; ExportError naming the file if the
    file is not a studyapp database this version can restore."""
    from alembic.script import ScriptDirectory

    if not file.is_file():
        raise ExportError(f"{file}: no such file")
    try:
        with file.open("rb") as handle:
            header = handle.read(16)
    except OSError as error:
        raise ExportError(f"{file}: cannot read: {error.strerror}") from None
    if header != SQLITE_HEADER:
        raise ExportError(f"{file}: not a SQLite database")
    try:
        with closing(sqlite3.connect(f"{file.resolve().as_uri()}?mode=ro", uri=True)) as db:
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
            if "alembic_version" not in tables:
                raise ExportError(f"{file}: not a studyapp database (no alembic_version table)")
            row = db.execute("SELECT version_num FROM alembic_version").fetchone()
            check = db.execute("PRAGMA quick_check").fetchone()
    except sqlite3.DatabaseError as error:
        raise ExportError(f"{file}: not a readable database: {error}") from None
    if check is None or check[0] != "ok":
        damage = check[0] if check else "no answer"
        raise ExportError(f"{file}: the database is damaged ({damage})")
    if row is None:
        raise ExportError(f"{file}: not a studyapp database (no schema revision)")
    revision = str(row[0])
    try:
        ScriptDirectory(str(MIGRATIONS)).get_revision(revision)
    except Exception:  # alembic's CommandError / ResolutionError: a revision it does not know
        raise ExportError(
            f"{file}: made by a newer studyapp (schema revision {revision})"
        ) from None
    return revision


def restore_database(file: Path, database: Path, now: dt.datetime) -> tuple[str, Path | None]:
    """Replace `database` with the backup `file`, saving the current database first.

    Returns the backup's schema revision and where the replaced database was saved (None if
    there was none). The caller opens the store afterwards, which upgrades an older backup.
    """
    revision = check_backup_file(file)
    if database.exists() and database.resolve() == file.resolve():
        raise ExportError(f"{file}: is the database itself")
    saved: Path | None = None
    if database.is_file():
        saved = database.with_name(f"{database.name}.before-restore.{stamp(now)}.bak")
        try:
            backup_sqlite(database, saved)
        except sqlite3.DatabaseError as error:
            raise ExportError(f"{database}: cannot back up the current database: {error}") from None
    try:
        backup_sqlite(file, database)
    except sqlite3.DatabaseError as error:
        raise ExportError(f"{file}: cannot restore: {error}") from None
    return revision, saved
