"""Every command opens the database the same way: a database that does not open is one line,
`studyapp: cannot open database <where>: <reason>`, exit status 2, and no traceback; and the
`CliContext` a caller passes in decides the database, unless `--db` is typed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.cli.conftest import run_cli

COMMANDS = [
    ("decks",),
    ("cards", "--json"),
    ("stats",),
    ("export", "--format", "csv"),
    ("backup",),
    ("optimize",),
    ("review",),
    ("demo", "runs"),
    ("demo", "info", "vae"),
]


def _unopenable(tmp_path: Path, kind: str) -> tuple[str, str]:
    """A `--db` value that does not open, and where the error line must say it is."""
    path = tmp_path / f"{kind}.db"
    if kind == "not-a-database":
        path.write_text("plain text, long enough to be more than a SQLite header would be\n")
    elif kind == "a-folder":
        path.mkdir()
    elif kind == "corrupt":
        path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4080)
    elif kind == "under-a-file":
        # What an unreadable file is to a normal user, for every user (root reads any file):
        # a path that no one can open because its parent is a regular file.
        parent = tmp_path / "notes.md"
        parent.write_text("# a file, not a folder\n")
        path = parent / "study.db"
    else:
        return "://no-such-url", "://no-such-url"
    return str(path), str(path)


@pytest.mark.parametrize("kind", ["not-a-database", "a-folder", "corrupt", "under-a-file", "url"])
def test_a_database_that_does_not_open_is_one_line_for_every_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    monkeypatch.chdir(tmp_path)  # where `export` would write its default file
    db, shown = _unopenable(tmp_path, kind)
    for args in COMMANDS:
        result = run_cli(db, *args)
        assert result.exit_code == 2, (args, result.stdout, result.stderr)
        line = result.one_line()
        prefix = f"studyapp: cannot open database {shown}: "
        assert line.startswith(prefix) and len(line) > len(prefix), (args, line)
        assert "[SQL:" not in line and "sqlalche.me" not in line and "Traceback" not in line
        assert result.stdout == "", args
    assert not (tmp_path / "studyapp-reviews.csv").exists()


@pytest.mark.parametrize("depth", [1, 2])
def test_a_file_where_the_databases_folder_should_be_is_named(tmp_path: Path, depth: int) -> None:
    """The reason names the file in the way, not the folder as if it existed (Errno 17)."""
    notes = tmp_path / "notes.md"
    notes.write_text("# a file, not a folder\n")
    db = notes.joinpath(*["sub"] * (depth - 1), "study.db")
    result = run_cli(str(db), "decks")
    assert result.exit_code == 2
    assert result.one_line() == (
        f"studyapp: cannot open database {db}: {notes} is a file, not a folder"
    )
    assert notes.read_text() == "# a file, not a folder\n"


def test_a_server_url_hides_its_password(tmp_path: Path) -> None:
    url = "postgresql+psycopg://someone:secret@127.0.0.1:1/none"
    result = run_cli(url, "decks")
    assert result.exit_code == 2
    line = result.one_line()
    assert line.startswith("studyapp: cannot open database postgresql+psycopg://someone:***@")
    assert "secret" not in line


def test_the_context_database_beats_the_environment_and_db_beats_both(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine, other, typed = (tmp_path / name for name in ("mine.db", "env.db", "typed.db"))
    monkeypatch.setenv("STUDYAPP_DB", str(other))
    assert run_cli(str(mine), "decks", "--json").exit_code == 0
    assert mine.is_file() and not other.exists()
    assert run_cli(str(mine), "--db", str(typed), "decks", "--json").exit_code == 0
    assert typed.is_file() and not other.exists()
    assert run_cli(None, "decks", "--json").exit_code == 0
    assert other.is_file()


def test_user_text_in_tables_is_shown_literally(tmp_path: Path) -> None:
    """A deck titled like markup (`[bold]`, `list[int]`) prints as typed."""
    deck = tmp_path / "markup.md"
    deck.write_text("# [bold]Types[/bold] list[int]\n\nWhat is list[int]? :: A type.\n")
    result = run_cli(str(tmp_path / "study.db"), "import", str(deck))
    assert result.exit_code == 0, result.stderr
    listed = run_cli(str(tmp_path / "study.db"), "cards")
    assert "What is list[int]?" in listed.stdout
    decks = run_cli(str(tmp_path / "study.db"), "decks")
    assert "[bold]Types[/bold] list[int]" in decks.stdout
    with sqlite3.connect(tmp_path / "study.db") as db:
        assert db.execute("SELECT count(*) FROM cards").fetchone() == (1,)
    db.close()
