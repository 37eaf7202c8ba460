"""The installed `studyapp` command: import tables, JSON, listings, help, and bad input that
gets one line naming the file (and line), a non-zero exit and never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

STUDYAPP = str(Path(sys.executable).with_name("studyapp"))


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [STUDYAPP, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "STUDYAPP_DB": str(tmp_path / "cli.db"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "COLUMNS": "200",
        "NO_COLOR": "1",
    }


def test_import_prints_a_table_and_json(deck_dir: Path, env: dict[str, str]) -> None:
    first = run("import", str(deck_dir), env=env)
    assert first.returncode == 0, first.stderr
    assert "book_messy.md" in first.stdout and "imported" in first.stdout
    assert f"{deck_dir}/book_messy.md:95: card without an answer" in first.stderr
    second = run("import", "--json", str(deck_dir), env=env)
    files = json.loads(second.stdout)["files"]
    assert {(Path(f["path"]).name, f["status"], f["unchanged"]) for f in files} == {
        ("book_messy.md", "unchanged", 10),
        ("cards.md", "unchanged", 9),
        ("notes.md", "unchanged", 4),
    }


def test_cards_and_decks_listings(deck_dir: Path, env: dict[str, str]) -> None:
    run("import", str(deck_dir), env=env)
    cards = json.loads(run("cards", "--json", "--deck", "Test cards", env=env).stdout)
    assert len(cards) == 9
    first = cards[0]
    assert first["source_file"].endswith("cards.md") and first["source_line"] == 5
    assert (first["deck"], first["chapter"], first["state"]) == (
        "Test cards",
        "Chapter 4: Generative Adversarial Networks",
        "new",
    )
    decks = {d["title"]: d["cards"] for d in json.loads(run("decks", "--json", env=env).stdout)}
    assert decks == {"Test cards": 9, "Test deck of messy book cards": 10, "Test notes": 4}
    table = run("cards", env=env).stdout
    assert "cards.md:5" in table


def test_version_and_help_on_every_command(env: dict[str, str]) -> None:
    assert run("--version", env=env).stdout.startswith("studyapp ")
    commands = [
        ["import"],
        ["cards"],
        ["decks"],
        ["review"],
        ["stats"],
        ["optimize"],
        ["export"],
        ["backup"],
        ["restore"],
        ["demo"],
        ["demo", "list"],
        ["demo", "info"],
        ["demo", "run"],
        ["demo", "runs"],
    ]
    for command in commands:
        result = run(*command, "--help", env=env)
        assert result.returncode == 0 and "Usage" in result.stdout, command


def _bad(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    if name == "binary.md":
        path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    elif name == "latin1.md":
        path.write_bytes("# Notes\n\nCaf\xe9 :: coffee\n".encode("latin-1"))
    elif name == "empty.md":
        path.write_bytes(b"\n  \n")
    elif name == "huge.md":
        with path.open("wb") as handle:
            handle.truncate(21 * 1024 * 1024)
    elif name == "fence.md":
        path.write_text("# Notes\n\nq :: a\n\n~~~\nnever closed\n")
    elif name == "empty-folder":
        path.mkdir()
        (path / "image.png").write_bytes(b"\x89PNG")
    return path


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("missing.md", "{path}: no such file or folder"),
        ("empty-folder", "{path}: folder holds no markdown (.md, .markdown, .txt)"),
        ("binary.md", "{path}: binary file, not markdown text"),
        ("latin1.md", "{path}:3: not UTF-8 text (byte 0xe9); save the file as UTF-8"),
        ("empty.md", "{path}: empty file"),
        ("huge.md", "{path}: file is 21.0 MB; the limit is 20 MB"),
    ],
)
def test_bad_input_gets_one_line(
    tmp_path: Path, env: dict[str, str], name: str, message: str
) -> None:
    path = _bad(tmp_path, name)
    result = run("import", str(path), env=env)
    assert result.returncode == 1
    assert result.stderr.strip() == message.format(path=path)
    assert "Traceback" not in result.stdout + result.stderr


def test_an_unclosed_fence_is_repaired_with_a_warning_naming_its_line(
    tmp_path: Path, env: dict[str, str]
) -> None:
    path = _bad(tmp_path, "fence.md")
    result = run("import", str(path), env=env)
    assert result.returncode == 0
    assert result.stderr.strip() == (
        f"{path}:5: unterminated code fence ~~~ (closed at the end of the file)"
    )


def test_bad_file_fails_after_the_others_import(
    tmp_path: Path, deck_dir: Path, env: dict[str, str]
) -> None:
    (deck_dir / "zz.md").write_bytes(b"\xff\xfe not utf8")
    result = run("import", "--json", str(deck_dir), env=env)
    assert result.returncode == 1
    files = {Path(f["path"]).name: f["status"] for f in json.loads(result.stdout)["files"]}
    assert files == {
        "book_messy.md": "imported",
        "cards.md": "imported",
        "notes.md": "imported",
        "zz.md": "failed",
    }


def test_utf8_with_bom_is_read(tmp_path: Path, env: dict[str, str]) -> None:
    path = tmp_path / "bom.md"
    path.write_bytes("\ufeff# Notes\n\nQuestion? :: Answer.\n".encode())
    result = run("import", "--json", str(path), env=env)
    assert result.returncode == 0
    assert json.loads(result.stdout)["files"][0]["added"] == 1


def test_unreachable_database_is_one_line(env: dict[str, str]) -> None:
    env = {**env, "STUDYAPP_DB": "postgresql+psycopg://nobody:x@127.0.0.1:1/none"}
    result = run("decks", env=env)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(
        "studyapp: cannot open database postgresql+psycopg://nobody:***@127.0.0.1:1/none: "
    )
