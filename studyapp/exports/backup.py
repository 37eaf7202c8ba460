"""Backing up the embedded SQLite database with SQLite's backup API.

The copy is consistent even while another instance writes, and it is checked before it gets
its name: a damaged database is refused (`studyapp check` says more), never copied as if it
were a backup. Restoring is `studyapp.exports.restore`. Server databases are not handled
here: their own tools (pg_dump) do it better.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from contextlib import closing
from pathlib import Path

from db.migrate import backup_sqlite
from studyapp.exports.output import ExportError, atomic_output


def stamp(now: dt.datetime) -> str:
    """The time in backup file names: 20261121T120000Z."""
    return now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def default_backup_path(database: Path, now: dt.datetime) -> Path:
    """Next to the database, with the time: study-backup-20261121T120000Z.db."""
    return database.with_name(f"{database.stem}-backup-{stamp(now)}.db")


def damage(file: Path, *, settled: bool = False) -> str | None:
    """SQLite's first complaint about the pages of `file` (`PRAGMA quick_check`), or None
    when they all read. `settled`: a file no one else has open, with no WAL (a copy just
    made), read as it is, so no -wal or -shm file appears beside it."""
    mode = "immutable=1" if settled else "mode=ro"
    try:
        with closing(sqlite3.connect(f"{file.resolve().as_uri()}?{mode}", uri=True)) as db:
            rows = db.execute("PRAGMA quick_check").fetchall()
    except sqlite3.DatabaseError as error:
        return str(error)
    problems = [str(row[0]) for row in rows if row[0] != "ok"]
    return problems[0] if problems else None if rows else "no answer from quick_check"


def backup_database(database: Path, target: Path) -> None:
    """Copy `database` to `target` (a new file), written all at once, and only if the copy
    reads back whole."""
    if not database.is_file():
        raise ExportError(f"{database}: no such database")
    if target.exists() or target.is_symlink():
        raise ExportError(f"{target}: already exists; choose another name")
    with atomic_output(target) as partial:
        try:
            backup_sqlite(database, partial)
        except sqlite3.DatabaseError as error:
            raise ExportError(f"{database}: cannot copy: {error}") from None
        # The copy is checked, not the live file: it is what the user keeps, and no writer
        # changes it while it is read.
        if (problem := damage(partial, settled=True)) is not None:
            raise ExportError(
                f"{database}: the database is damaged ({problem}); nothing was written. "
                "Run `studyapp check`"
            )
