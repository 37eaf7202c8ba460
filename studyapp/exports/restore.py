"""Restoring the embedded SQLite database from a backup, checked first and locked throughout.

Nothing is replaced before the backup has proved itself: it is copied to a staging file
beside the database, upgraded there to this studyapp's schema, and must then pass every
check of `studyapp check` (a studyapp schema with all its tables, every page readable,
foreign keys and full-text indexes consistent). A file that only looks like a backup (an
`alembic_version` table and nothing else) is refused here, with the database untouched.

Then the swap holds SQLite's write lock from the safety copy to the end of the overwrite, so
no writer (an import, a review in the TUI) can commit in between and be lost: it waits, and
writes into the restored database afterwards. SQLite's backup API cannot be the overwrite
(its destination may not be inside a transaction), so the locked connection replaces the
database's contents itself, schema and rows, in that one transaction. The safety copy is
taken by a second connection that reads under the first one's lock. A live database that is
damaged is not copied but moved aside, whole, and the staged file renamed into its place.

Imports no UI.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import tempfile
from contextlib import closing
from pathlib import Path

from db.engine import SQLITE_BUSY_TIMEOUT_MS
from db.migrate import (
    MIGRATIONS,
    SQLITE_HEADER,
    SchemaRefused,
    backup_sqlite,
    check_schema,
    head_revision,
    inspect_sqlite_file,
    studyapp_tables,
)
from studyapp.exports.backup import damage, stamp
from studyapp.exports.output import ExportError


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
        found = inspect_sqlite_file(file)
    except SchemaRefused as error:
        raise ExportError(f"{file}: {error}") from None
    revision, tables = found or (None, frozenset[str]())
    if "alembic_version" not in tables:
        raise ExportError(f"{file}: not a studyapp database (no alembic_version table)")
    if revision is None:
        raise ExportError(f"{file}: not a studyapp database (no schema revision)")
    try:
        ScriptDirectory(str(MIGRATIONS)).get_revision(revision)
    except Exception:  # alembic's CommandError / ResolutionError: a revision it does not know
        raise ExportError(
            f"{file}: made by a newer studyapp (schema revision {revision})"
        ) from None
    missing = studyapp_tables() - tables
    if not tables - {"alembic_version"} or (revision == head_revision() and missing):
        shown = ", ".join(sorted(missing)[:4]) + (", …" if len(missing) > 4 else "")
        raise ExportError(f"{file}: not a whole studyapp database (no {shown} tables)")
    if (problem := damage(file)) is not None:
        raise ExportError(f"{file}: the database is damaged ({problem})")
    return revision


def restore_database(file: Path, database: Path, now: dt.datetime) -> tuple[str, Path | None]:
    """Replace `database` with the backup `file`, saving the current database first.

    Returns the backup's schema revision and where the replaced database was saved (None if
    there was none). An older backup is upgraded before it replaces anything.
    """
    revision = check_backup_file(file)
    if database.exists() and database.resolve() == file.resolve():
        raise ExportError(f"{file}: is the database itself")
    _check_replaceable(database)
    database.parent.mkdir(parents=True, exist_ok=True)
    # Beside the database: the same file system, so the staged file can be renamed in.
    with tempfile.TemporaryDirectory(prefix=".studyapp-restore-", dir=database.parent) as tmp:
        staged = Path(tmp) / database.name
        _stage(file, staged)
        return revision, _put_in_place(staged, database, now)


def _check_replaceable(database: Path) -> None:
    """Refuse to overwrite a file that is not a studyapp database (someone else's)."""
    try:
        found = inspect_sqlite_file(database)
        if found is not None:
            check_schema(*found)
    except SchemaRefused as error:
        raise ExportError(f"{database}: {error}; it was not replaced") from None


def _stage(file: Path, staged: Path) -> None:
    """`file` copied to `staged`, upgraded, and checked like `studyapp check` does."""
    from studyapp.store.check import check_sqlite
    from studyapp.store.opening import open_store

    try:
        backup_sqlite(file, staged)
    except sqlite3.DatabaseError as error:
        raise ExportError(f"{file}: cannot copy: {error}") from None
    try:
        open_store(str(staged), None).close()  # upgrades an older backup (.bak stays in tmp)
    except Exception as error:  # a migration that fails on this file: it is no backup
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()
        raise ExportError(
            f"{file}: cannot be upgraded to this studyapp's schema "
            f"({reason[0] if reason else type(error).__name__})"
        ) from None
    report = check_sqlite(staged)
    if not report.ok:
        raise ExportError(f"{file}: {report.problems[0]}")


def _put_in_place(staged: Path, database: Path, now: dt.datetime) -> Path | None:
    from studyapp.store.check import swap_in

    saved = database.with_name(f"{database.name}.before-restore.{stamp(now)}.bak")
    for n in range(2, 1000):  # two restores in one second keep both safety copies
        if not saved.exists():
            break
        saved = database.with_name(f"{database.name}.before-restore.{stamp(now)}-{n}.bak")
    if not database.exists() or database.stat().st_size == 0:
        swap_in(database, staged, saved)  # a stale -wal must not meet the new file
        for leftover in (saved, *(saved.with_name(saved.name + s) for s in ("-wal", "-shm"))):
            leftover.unlink(missing_ok=True)
        return None
    if damage(database) is not None:
        swap_in(database, staged, saved)  # kept whole: a damaged file is not copied
        return saved
    busy = SQLITE_BUSY_TIMEOUT_MS / 1000
    with closing(sqlite3.connect(database, isolation_level=None, timeout=busy)) as live:
        live.execute("PRAGMA foreign_keys=OFF")  # rows are replaced table by table
        live.execute("ATTACH DATABASE ? AS staged", (str(staged),))
        try:
            live.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            raise ExportError(f"{database}: {error} (another studyapp is writing)") from None
        try:
            # A reader sees exactly what the lock holds: no writer can commit until COMMIT.
            backup_sqlite(database, saved)
            replace_contents(live, "staged")
            live.execute("COMMIT")
        except BaseException:
            live.execute("ROLLBACK")
            raise
    return saved


def replace_contents(connection: sqlite3.Connection, source: str) -> None:
    """Inside the caller's transaction: make `main` hold exactly the schema and rows of the
    attached database `source`. Shadow tables of full-text indexes are copied as rows, so
    the indexes come over as they were."""
    # SQLite's own tables (sqlite_sequence, sqlite_stat1) are not created by hand.
    master = (
        "SELECT type, name, sql FROM {}.sqlite_master "
        "WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid"
    )
    current = connection.execute(master.format("main")).fetchall()
    # Triggers and views first, then virtual tables (each takes its shadow tables with it),
    # then the tables, which take their indexes.
    for kind, name, _sql in sorted(current, key=lambda row: _drop_order(row[0], row[2])):
        if connection.execute(
            "SELECT 1 FROM main.sqlite_master WHERE name = ?", (name,)
        ).fetchone():
            connection.execute(f"DROP {kind.upper()} main.{_quoted(name)}")
    if _has_sequence(connection, "main"):
        connection.execute("DELETE FROM main.sqlite_sequence")
    wanted = connection.execute(master.format(source)).fetchall()
    tables = [(name, sql) for kind, name, sql in wanted if kind == "table"]
    for name, sql in tables:
        exists = connection.execute("SELECT 1 FROM main.sqlite_master WHERE name = ?", (name,))
        if exists.fetchone() is None:  # not a shadow table its virtual table already made
            connection.execute(sql)
    for name, sql in tables:
        if not sql.upper().startswith("CREATE VIRTUAL TABLE"):
            connection.execute(f"DELETE FROM main.{_quoted(name)}")
            connection.execute(
                f"INSERT INTO main.{_quoted(name)} SELECT * FROM {source}.{_quoted(name)}"
            )
    if _has_sequence(connection, source) and _has_sequence(connection, "main"):
        connection.execute(
            f"INSERT INTO main.sqlite_sequence SELECT * FROM {source}.sqlite_sequence"
        )
    for kind, _name, sql in wanted:
        if kind != "table":  # indexes, views and triggers, once the rows are in
            connection.execute(sql)
    version = connection.execute(f"PRAGMA {source}.user_version").fetchone()[0]
    connection.execute(f"PRAGMA main.user_version = {int(version)}")


def _has_sequence(connection: sqlite3.Connection, schema: str) -> bool:
    query = f"SELECT 1 FROM {schema}.sqlite_master WHERE name = 'sqlite_sequence'"
    return connection.execute(query).fetchone() is not None


def _drop_order(kind: str, sql: str) -> int:
    if kind in ("trigger", "view"):
        return 0
    return 1 if sql.upper().startswith("CREATE VIRTUAL TABLE") else 2


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
