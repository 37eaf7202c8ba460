"""A whole generated book through the real CLI process: enough part files that they are
parsed in the second process, one of them hostile, one binary. No traceback, one deck for the
book, the hostile part imported with its problems as warnings, the binary one failed alone
(exit status 1, naming it), every other part imported."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from studyapp.store.reading import PARALLEL_MIN_FILES
from tests.support.books import write_book

STUDYAPP = str(Path(sys.executable).with_name("studyapp"))


def test_a_big_messy_book_imports_in_the_second_process(tmp_path: Path) -> None:
    folder = tmp_path / "book"
    parts = PARALLEL_MIN_FILES + 6
    written = write_book(folder, "7QX---Deep-Reinforcement-Learning_processed", parts, 5)
    # Part 20: past the first files, which the importing process parses itself while the
    # parsing process starts, in natural order and in plain string order alike.
    hostile = folder / "7QX---Deep-Reinforcement-Learning_processed (Part 20).md"
    # Control characters, an escape sequence, nested fences opened and never closed, and a
    # deeply nested list: each must be one warning, not a crash of the parsing process.
    hostile.write_text(
        hostile.read_text()
        + "\n---\n\n#### Hostile \x1b[31mred\x07\n:p Is it \x08safe?\n??x\n"
        + "````\n```\n~~~\n"
        + "".join("  " * depth + "- deeper\n" for depth in range(300))
    )
    binary = folder / "7QX---Deep-Reinforcement-Learning_processed (Part 9).md"
    binary.write_bytes(binary.read_bytes() + b"\x00\x01\x02" * 10)
    database = tmp_path / "study.db"
    result = subprocess.run(
        [STUDYAPP, "--db", str(database), "import", str(folder), "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "\x1b" not in result.stderr + result.stdout
    files = {Path(f["path"]).name: f for f in json.loads(result.stdout)["files"]}
    failed = {name for name, f in files.items() if f["status"] == "failed"}
    assert failed == {binary.name}, failed
    assert "binary file" in files[binary.name]["messages"][0]
    assert files[hostile.name]["status"] == "imported" and files[hostile.name]["messages"]
    with sqlite3.connect(database) as db:
        decks = db.execute("SELECT DISTINCT title FROM decks").fetchall()
        cards = db.execute("SELECT count(*) FROM cards").fetchone()[0]
        (stored,) = db.execute("SELECT title || question FROM cards WHERE title LIKE 'Hostile%'")
    assert decks == [("Deep Reinforcement Learning",)]
    assert cards >= written - 5  # every card but the binary part's five
    assert stored[0].isprintable() and "safe" in stored[0], stored
