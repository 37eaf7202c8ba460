"""A database with damaged pages: every command that reads them says so in one line that names
the database and suggests `studyapp check`, exits non-zero, and prints no traceback; `backup`
refuses to copy it rather than hand back a damaged "backup"."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import run_cli
from tests.cli.databases import damage, real_database

COMMANDS = [
    ("cards",),
    ("cards", "--json"),
    ("decks",),
    ("stats",),
    ("import", "{notes}"),
    ("export", "-o", "{out}/reviews.csv"),
    ("export", "-f", "apkg", "-o", "{out}/cards.apkg"),
]


@pytest.fixture
def damaged(tmp_path: Path) -> Path:
    path = real_database(tmp_path)
    damage(path)
    return path


@pytest.mark.parametrize("args", COMMANDS, ids=lambda args: " ".join(args[:3]))
def test_a_damaged_database_is_one_line_suggesting_check(
    damaged: Path, tmp_path: Path, args: tuple[str, ...]
) -> None:
    notes = tmp_path / "more.md"
    notes.write_text("# More\n\nAnother? :: Yes.\n")
    out = tmp_path / "out"
    out.mkdir()
    argv = [arg.format(notes=notes, out=out) for arg in args]
    result = run_cli(str(damaged), *argv)
    assert result.exit_code == 2, (argv, result.stdout, result.stderr)
    assert result.one_line() == (
        f"studyapp: database {damaged} is damaged (database disk image is malformed); "
        "run `studyapp check`"
    )
    assert result.stdout == ""
    assert list(out.iterdir()) == [], "no export file, not even a partial one"


def test_backup_refuses_a_damaged_database(damaged: Path, tmp_path: Path) -> None:
    target = tmp_path / "copy.db"
    result = run_cli(str(damaged), "backup", str(target))
    assert result.exit_code == 1
    line = result.one_line()
    assert line.startswith(f"studyapp backup: {damaged}: the database is damaged (")
    assert line.endswith("nothing was written. Run `studyapp check`")
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".copy.db")] == []


def test_backup_of_a_sound_database_still_works(tmp_path: Path) -> None:
    path = real_database(tmp_path)
    result = run_cli(str(path), "backup", str(tmp_path / "copy.db"))
    assert result.exit_code == 0, result.stderr
    assert result.one_line() == f"Backed up {path} to {tmp_path / 'copy.db'}"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
