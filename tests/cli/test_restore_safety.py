"""`restore` checks the backup whole before it replaces anything, and holds the database's write
lock from the safety copy to the end of the overwrite, so an import running at the same time
is never lost: its cards are in the safety copy or in the restored database."""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from db.migrate import backup_sqlite, head_revision
from tests.cli.conftest import run_cli
from tests.cli.databases import count, damage, real_database

STUDYAPP = str(Path(sys.executable).with_name("studyapp"))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def hollow(path: Path, revision: str) -> Path:
    """A SQLite file with an `alembic_version` row and nothing else."""
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        db.execute("INSERT INTO alembic_version VALUES (?)", (revision,))
    db.close()
    return path


@pytest.mark.parametrize("revision", [head_revision(), "0001"])
def test_a_file_holding_only_alembic_version_is_refused(tmp_path: Path, revision: str) -> None:
    database = real_database(tmp_path)
    before = digest(database)
    file = hollow(tmp_path / "hollow.db", revision)
    result = run_cli(str(database), "restore", str(file))
    assert result.exit_code == 1
    line = result.one_line()
    assert line.startswith(f"studyapp restore: {file}: not a whole studyapp database (no ")
    assert digest(database) == before
    assert not list(tmp_path.glob("study.db.before-restore.*"))
    assert run_cli(str(database), "decks", "--json").exit_code == 0, "still usable"


def test_a_damaged_backup_is_refused(tmp_path: Path) -> None:
    database = real_database(tmp_path)
    file = real_database(tmp_path, name="backup.db")
    damage(file)
    before = digest(database)
    result = run_cli(str(database), "restore", str(file))
    assert result.exit_code == 1
    assert result.one_line().startswith(f"studyapp restore: {file}: the database is damaged (")
    assert digest(database) == before


def test_someone_elses_database_is_not_replaced(tmp_path: Path) -> None:
    foreign = tmp_path / "theirs.db"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    db.close()
    before = digest(foreign)
    file = real_database(tmp_path, name="backup.db")
    result = run_cli(str(foreign), "restore", str(file))
    assert result.exit_code == 1
    assert result.one_line() == (
        f"studyapp restore: {foreign}: not a studyapp database (it holds other tables: "
        "invoices); it was not replaced"
    )
    assert digest(foreign) == before


def test_a_damaged_database_is_replaced_and_kept_whole(tmp_path: Path) -> None:
    database = real_database(tmp_path)
    file = tmp_path / "backup.db"
    backup_sqlite(database, file)
    damage(database)
    damaged = digest(database)
    result = run_cli(str(database), "restore", str(file))
    assert result.exit_code == 0, result.stderr
    (saved,) = tmp_path.glob("study.db.before-restore.*.bak")
    assert digest(saved) == damaged
    assert run_cli(str(database), "check").exit_code == 0
    assert count(database, "cards") == 200


def _hook_after_the_safety_copy(
    monkeypatch: pytest.MonkeyPatch, database: Path, hook: Callable[[], None]
) -> list[bool]:
    """Run `hook` right after a SQLite backup whose source is `database` (the safety copy),
    while `restore` is still running."""
    fired: list[bool] = []

    class Hooked(sqlite3.Connection):
        def backup(self, target: sqlite3.Connection, *args: Any, **kwargs: Any) -> None:
            super().backup(target, *args, **kwargs)
            files = {row[2] for row in self.execute("PRAGMA database_list")}
            if str(database) in files and not fired:
                fired.append(True)
                hook()

    real = sqlite3.connect

    def connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        kwargs.setdefault("factory", Hooked)
        return real(*args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", connect)
    return fired


def test_an_import_during_restore_is_not_lost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = real_database(tmp_path)
    file = tmp_path / "backup.db"
    backup_sqlite(database, file)
    with sqlite3.connect(database) as db:
        db.execute("DELETE FROM review_log")  # so the restore visibly changes something
    db.close()
    notes = tmp_path / "concurrent.md"
    notes.write_text("# Concurrent\n\n" + "\n".join(f"Concurrent {n}? :: Yes." for n in range(3)))
    env = {**os.environ, "STUDYAPP_DB": str(database), "XDG_DATA_HOME": str(tmp_path / "data")}
    importer: list[subprocess.Popen[str]] = []

    def start_an_import_and_let_it_try() -> None:
        process = subprocess.Popen(
            [STUDYAPP, "import", "--json", str(notes)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        importer.append(process)
        # Long enough for the import to finish when nothing holds it back; with the lock
        # held it waits (its busy timeout is 10 s) and this gives up first.
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=7)

    fired = _hook_after_the_safety_copy(monkeypatch, database, start_an_import_and_let_it_try)
    result = run_cli(str(database), "restore", str(file))
    monkeypatch.undo()
    assert fired and result.exit_code == 0, result.stderr
    out, err = importer[0].communicate(timeout=60)
    assert importer[0].returncode == 0, err
    assert '"added": 3' in out
    (saved,) = tmp_path.glob("study.db.before-restore.*.bak")

    def concurrent_cards(path: Path) -> int:
        with sqlite3.connect(path) as db:
            query = "SELECT count(*) FROM cards WHERE question LIKE 'Concurrent%'"
            (n,) = db.execute(query).fetchone()
        db.close()
        return int(n)

    assert concurrent_cards(database) + concurrent_cards(saved) == 3, "reported, so kept"
    assert count(database, "review_log") == 5, "the backup's answers are back"
    assert run_cli(str(database), "check").exit_code == 0
