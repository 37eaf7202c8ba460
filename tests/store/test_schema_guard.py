"""A database that is not studyapp's is refused without being changed; a backup is made only
when a migration really runs; two first opens of one new file do not race."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from db.migrate import SchemaRefused, head_revision
from studyapp.store.opening import open_store


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def siblings(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir())


def test_someone_elses_sqlite_file_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "firefox.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
        connection.execute("INSERT INTO moz_places (url) VALUES ('https://example.org')")
    connection.close()
    before, files = digest(path), siblings(path)
    with pytest.raises(SchemaRefused, match=r"not a studyapp database .*moz_places"):
        open_store(str(path))
    assert digest(path) == before
    assert siblings(path) == files  # no -wal, -shm, .bak or .lock beside it
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    connection.close()


def test_a_file_that_is_not_sqlite_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("just text\n")
    with pytest.raises(SchemaRefused, match="not a SQLite database"):
        open_store(str(path))
    assert path.read_text() == "just text\n"


def test_a_restored_file_with_only_the_version_table_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "hollow.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        connection.execute("INSERT INTO alembic_version VALUES (?)", (head_revision(),))
    connection.close()
    with pytest.raises(SchemaRefused, match=r"tables missing .*cards.*studyapp check --repair"):
        open_store(str(path))


def test_an_unknown_revision_is_refused_without_a_backup(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    store = open_store(str(path))
    store.close()
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    connection.close()
    before = digest(path)
    for _ in range(2):
        with pytest.raises(SchemaRefused, match="unknown to this studyapp"):
            open_store(str(path))
    assert digest(path) == before
    assert not [name for name in siblings(path) if name.endswith(".bak")]


def test_a_current_database_gets_no_backup(tmp_path: Path) -> None:
    path = tmp_path / "study.db"
    for _ in range(3):
        store = open_store(str(path))
        assert store.migration_backup is None
        store.close()
    assert not [name for name in siblings(path) if name.endswith(".bak")]


def test_four_first_opens_of_one_new_file_all_succeed(tmp_path: Path) -> None:
    path = tmp_path / "race.db"
    code = (
        "import sys; from studyapp.store.opening import open_store; "
        "s = open_store(sys.argv[1]); s.close(); print('ok')"
    )
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(4)
    ]
    results = [(run.wait(timeout=120), run.communicate()) for run in runs]
    assert [(code, out.strip()) for code, (out, _err) in results] == [(0, b"ok")] * 4, results
