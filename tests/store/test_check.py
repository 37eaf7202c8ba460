"""`check` finds damage without changing the file, and `repair` puts back the newest sound
backup while keeping the damaged file."""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from pathlib import Path

from db.migrate import backup_sqlite
from studyapp.store.check import check_sqlite, repair_sqlite
from studyapp.store.library import import_paths
from studyapp.store.opening import open_store
from tests.conftest import no_demos

NOW = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC)


def make_database(tmp_path: Path) -> Path:
    path = tmp_path / "study.db"
    notes = tmp_path / "notes.md"
    notes.write_text(
        "# Deck\n\n" + "\n".join(f"Question {n}? :: Answer {n} " * 20 for n in range(300)) + "\n"
    )
    store = open_store(str(path))
    import_paths(store.sessions, [notes], NOW, no_demos)
    store.close()
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    return path


def damage(path: Path) -> None:
    data = bytearray(path.read_bytes())
    page = 4096
    for n in (3, 5, 7):  # three damaged pages, as the red team did
        data[n * page : n * page + 600] = b"\xff" * 600
    path.write_bytes(bytes(data))


def test_a_sound_database_passes(tmp_path: Path) -> None:
    path = make_database(tmp_path)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    assert check_sqlite(path).problems == []
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_damaged_pages_are_found(tmp_path: Path) -> None:
    path = make_database(tmp_path)
    damage(path)
    report = check_sqlite(path)
    assert not report.ok
    assert report.problems[0]


def test_repair_restores_the_newest_sound_backup_and_keeps_the_damaged_file(
    tmp_path: Path,
) -> None:
    path = make_database(tmp_path)
    backups = tmp_path / "backups"
    backups.mkdir()
    backup_sqlite(path, backups / "study-1.db")
    damage(path)
    report = repair_sqlite(path, [backups], NOW)
    assert report.repaired_from == str(backups / "study-1.db")
    assert report.kept_damaged is not None and Path(report.kept_damaged).exists()
    assert check_sqlite(path).ok
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT count(*) FROM cards").fetchone() == (300,)
    connection.close()


def test_repair_without_a_sound_backup_changes_nothing(tmp_path: Path) -> None:
    path = make_database(tmp_path)
    damage(path)
    before = path.read_bytes()
    report = repair_sqlite(path, [tmp_path / "none"], NOW)
    assert report.problems[-1] == "no sound backup found to repair from"
    assert path.read_bytes() == before
