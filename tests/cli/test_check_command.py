"""`studyapp check`: exit 0 for a sound database, 1 with one line per problem for a damaged one,
and `--repair` puts back the newest sound backup (a `studyapp backup` file or a migration copy
beside the database), says which, and keeps the damaged file. On PostgreSQL it says what it
checked, and `--repair` is refused."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import pytest

from db.migrate import backup_sqlite
from tests.cli.conftest import run_cli
from tests.cli.databases import count, damage, real_database


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_sound_database_passes_and_is_not_changed(tmp_path: Path) -> None:
    path = real_database(tmp_path)
    before = digest(path)
    result = run_cli(str(path), "check")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.stdout.strip() == (
        f"{path}: sound (schema, every page and index, foreign keys, full-text indexes)"
    )
    document = json.loads(run_cli(str(path), "check", "--json").stdout)
    assert (document["ok"], document["problems"], document["database"]) == (True, [], str(path))
    assert digest(path) == before


def test_a_damaged_database_is_one_line_per_problem(tmp_path: Path) -> None:
    path = real_database(tmp_path)
    damage(path)
    before = digest(path)
    result = run_cli(str(path), "check")
    assert result.exit_code == 1
    lines = result.stdout.strip().splitlines()
    assert lines and all(line.startswith(f"{path}: ") for line in lines), lines
    assert "Traceback" not in result.stdout + result.stderr
    document = json.loads(run_cli(str(path), "check", "--json").stdout)
    assert document["ok"] is False and len(document["problems"]) == len(lines)
    assert digest(path) == before, "checking changes nothing"


def test_repair_uses_the_newest_sound_backup_and_keeps_the_damaged_file(tmp_path: Path) -> None:
    path = real_database(tmp_path)
    older = tmp_path / "study.db.0003.20260101T000000Z.bak"  # a migration copy
    backup_sqlite(path, older)
    os.utime(older, (time.time() - 3600, time.time() - 3600))
    assert run_cli(str(path), "backup").exit_code == 0  # study-backup-<time>.db, beside it
    (newest,) = tmp_path.glob("study-backup-*.db")
    other = real_database(tmp_path, cards=3, name="other.db")  # someone else's, newer
    damage(path)
    result = run_cli(str(path), "check", "--repair")
    assert result.exit_code == 0, result.stdout + result.stderr
    (kept,) = tmp_path.glob("study.db.damaged-*Z")
    assert result.stdout.strip().splitlines()[-1] == (
        f"Repaired {path} from {newest}; the damaged database was kept as {kept}"
    )
    assert run_cli(str(path), "check").exit_code == 0
    assert count(path, "cards") == 200, "not the other database's 3 cards"
    assert count(other, "cards") == 3
    assert run_cli(str(kept), "check").exit_code == 1


def test_repair_without_a_backup_fails_and_changes_nothing(tmp_path: Path) -> None:
    path = real_database(tmp_path)
    damage(path)
    before = digest(path)
    result = run_cli(str(path), "check", "--repair")
    assert result.exit_code == 1
    assert result.stdout.strip().splitlines()[-1] == (
        f"{path}: no sound backup found to repair from"
    )
    assert digest(path) == before


@pytest.mark.postgres
def test_postgres_says_what_it_checks_and_refuses_repair(postgres_url: str) -> None:
    assert run_cli(postgres_url, "decks").exit_code == 0  # creates the schema
    result = run_cli(postgres_url, "check")
    assert result.exit_code == 0, result.stdout + result.stderr
    line = result.stdout.strip()
    assert "sound (the studyapp schema and the rows of every foreign key" in line
    assert "the server keeps its own pages and indexes consistent" in line
    refused = run_cli(postgres_url, "check", "--repair")
    assert refused.exit_code == 1
    assert "--repair works on a SQLite file only" in refused.one_line()
