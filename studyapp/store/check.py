"""`studyapp check`: is the study database sound, and if not, put back the latest good backup.

SQLite: `PRAGMA integrity_check` (every page and index), `PRAGMA foreign_key_check`, and each
full-text index's own `integrity-check` against the cards and sections it indexes. The checks
run on their own connection, read-only where SQLite allows, so checking never changes a file.
`repair` restores the newest backup that itself passes every check and is a studyapp database,
after keeping the damaged file beside it (`.damaged-<time>`), so nothing is ever thrown away.

PostgreSQL keeps its own pages, indexes and foreign keys consistent; there the check covers
the studyapp schema and every foreign key's rows (`check_server`), and there is no file to
repair. Imports no UI.
"""

from __future__ import annotations

import datetime as dt
import glob
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, func, inspect, select, text

from db.migrate import SchemaRefused, check_schema, head_revision, inspect_sqlite_file

FTS_TABLES = ("cards_fts", "sections_fts")
SERVER_CHECKS = "the studyapp schema and the rows of every foreign key"
"""What `check_server` covers; the server itself keeps pages and indexes consistent."""


@dataclass(slots=True)
class CheckReport:
    path: str
    problems: list[str] = field(default_factory=list)
    repaired_from: str | None = None
    kept_damaged: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def check_sqlite(path: Path) -> CheckReport:
    """Every problem found in the SQLite file at `path` (an empty list: it is sound)."""
    report = CheckReport(str(path))
    try:
        found = inspect_sqlite_file(path)
        if found is None:
            report.problems.append("no database here yet")
            return report
        check_schema(*found)
    except SchemaRefused as error:
        report.problems.append(str(error))
        return report
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as error:
        report.problems.append(f"cannot open: {error}")
        return report
    try:
        rows = connection.execute("PRAGMA integrity_check").fetchall()
        report.problems += [f"integrity: {row[0]}" for row in rows if row[0] != "ok"]
        for table, rowid, parent, _ in connection.execute("PRAGMA foreign_key_check"):
            report.problems.append(f"foreign key: {table} row {rowid} points at missing {parent}")
        tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as error:
        report.problems.append(f"damaged: {error}")
        return report
    finally:
        connection.close()
    if not report.problems:
        report.problems += _check_fts(path, [t for t in FTS_TABLES if t in tables])
    return report


def _check_fts(path: Path, tables: list[str]) -> list[str]:
    """FTS5's integrity-check is written as an INSERT, so it needs a writable connection; it
    runs inside a transaction that is rolled back, and changes nothing."""
    problems: list[str] = []
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("BEGIN")
        for fts in tables:
            try:
                # rank=1 compares the index with its content table, not only its own pages.
                connection.execute(f"INSERT INTO {fts}({fts}, rank) VALUES ('integrity-check', 1)")
            except sqlite3.DatabaseError as error:
                problems.append(f"full-text index {fts}: {error}")
        connection.execute("ROLLBACK")
    finally:
        connection.close()
    return problems


def check_server(engine: Engine) -> CheckReport:
    """Every problem found in a server database: a schema this studyapp does not know, and
    rows whose foreign key points at nothing (possible only where constraints were dropped
    or disabled). Checks the schema only when it is not the newest (open it once to
    upgrade)."""
    from db.models import Base

    report = CheckReport(engine.url.render_as_string(hide_password=True))
    with engine.connect() as connection:
        tables = frozenset(inspect(connection).get_table_names())
        revision = None
        if "alembic_version" in tables:
            revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        try:
            check_schema(revision, tables)
        except SchemaRefused as error:
            report.problems.append(str(error))
            return report
        if revision != head_revision():
            return report
        for table in Base.metadata.sorted_tables:
            for key in table.foreign_keys:
                parent = key.column.table.alias("parent")
                target = parent.c[key.column.name]
                orphans = connection.scalar(
                    select(func.count())
                    .select_from(table.outerjoin(parent, key.parent == target))
                    .where(key.parent.is_not(None), target.is_(None))
                )
                if orphans:
                    report.problems.append(
                        f"foreign key: {orphans} rows of {table.name} point at missing "
                        f"{key.column.table.name}"
                    )
    return report


def swap_in(path: Path, replacement: Path, kept: Path) -> None:
    """Move the SQLite file `path` (with its -wal and -shm) to `kept`, and `replacement`
    (a file in the same folder) to `path`: each step a rename, nothing copied or lost."""
    if path.exists():
        os.replace(path, kept)
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            os.replace(side, kept.with_name(kept.name + suffix))
    os.replace(replacement, path)


def backup_candidates(path: Path, folders: list[Path]) -> list[Path]:
    """Backups of `path`, newest first: migration and restore copies beside it
    (`study.db.*.bak`), `studyapp backup`'s default files beside it
    (`study-backup-*.db`), and any database file in `folders`."""
    name, stem = glob.escape(path.name), glob.escape(path.stem)  # a `[` in a name is literal
    found = list(path.parent.glob(f"{name}.*.bak"))
    found += path.parent.glob(f"{stem}-backup-*.db")
    for folder in folders:
        if folder.is_dir():
            found += [p for p in folder.iterdir() if p.suffix in (".db", ".bak", ".sqlite")]
    regular = [p for p in found if p.is_file() and p.resolve() != path.resolve()]
    return sorted(regular, key=lambda p: p.stat().st_mtime, reverse=True)


def repair_sqlite(path: Path, folders: list[Path], now: dt.datetime) -> CheckReport:
    """Restore the newest sound backup over a damaged database, keeping the damaged file."""
    from db.migrate import backup_sqlite

    report = check_sqlite(path)
    if report.ok:
        return report
    for candidate in backup_candidates(path, folders):
        if not check_sqlite(candidate).ok:
            continue
        stamp = now.strftime("%Y%m%dT%H%M%SZ")
        staged = path.with_name(f".{path.name}.{stamp}.restoring")
        backup_sqlite(candidate, staged)
        kept = path.with_name(f"{path.name}.damaged-{stamp}")
        swap_in(path, staged, kept)
        report.repaired_from, report.kept_damaged = str(candidate), str(kept)
        return report
    report.problems.append("no sound backup found to repair from")
    return report
