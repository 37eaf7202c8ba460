"""`studyapp check`: is the study database sound, and if not, put back the latest good backup.

SQLite: `PRAGMA integrity_check` (every page and index), `PRAGMA foreign_key_check`, and each
full-text index's own `integrity-check` against the cards and sections it indexes. The checks
run on their own connection, read-only where SQLite allows, so checking never changes a file.
`repair` restores the newest backup that itself passes every check and is a studyapp database,
after keeping the damaged file beside it (`.damaged-<time>`), so nothing is ever thrown away.

PostgreSQL keeps its own pages consistent; there the check covers foreign keys only.
Imports no UI.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from db.migrate import SchemaRefused, check_schema, inspect_sqlite_file

FTS_TABLES = ("cards_fts", "sections_fts")


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


def backup_candidates(path: Path, folders: list[Path]) -> list[Path]:
    """Backups of `path`, newest first: migration copies beside it and `studyapp backup`
    files in `folders`."""
    found = list(path.parent.glob(f"{path.name}.*.bak"))
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
        os.replace(path, kept)
        for suffix in ("-wal", "-shm"):
            side = path.with_name(path.name + suffix)
            if side.exists():
                os.replace(side, kept.with_name(kept.name + suffix))
        os.replace(staged, path)
        report.repaired_from, report.kept_damaged = str(candidate), str(kept)
        return report
    report.problems.append("no sound backup found to repair from")
    return report
