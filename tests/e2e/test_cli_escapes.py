"""Defence in depth: text that reached the database with escape sequences in it (written by an
older studyapp, or by hand) never reaches the terminal. The installed command prints `cards`,
`decks` and `stats` (tables and JSON) of such a database with no ESC, BEL or C1 byte."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.databases import real_database

STUDYAPP = str(Path(sys.executable).with_name("studyapp"))
CLIPBOARD = "\x1b]52;c;cm0gLXJmIH4K\x07"  # OSC 52: set the clipboard to `rm -rf ~`
TITLE = "\x1b]0;owned\x1b\\"  # OSC 0: retitle the window
CLEAR = "\x9b2J\x1b[2J"  # C1 CSI and ESC [: clear the screen
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    path = real_database(tmp_path, cards=3)
    with sqlite3.connect(path) as db:
        db.execute(
            "UPDATE cards SET question = ?, chapter = ?",
            (f"Evil {CLIPBOARD}question{CLEAR}?", f"Chapter {TITLE}one"),
        )
        db.execute(
            "INSERT INTO card_states (learner_id, card_id, state, step, reps, lapses, suspended, "
            "flag) SELECT 1, id, 'new', 0, 0, 9, 0, 0 FROM cards"
        )
        db.execute("UPDATE decks SET title = ?", (f"Deck {TITLE}{CLIPBOARD}",))
    db.close()
    return path


@pytest.mark.parametrize(
    "args",
    [("cards",), ("cards", "--json"), ("decks",), ("decks", "--json"), ("stats",)],
    ids=" ".join,
)
def test_no_escape_byte_reaches_stdout(hostile: Path, tmp_path: Path, args: tuple[str]) -> None:
    env = {**os.environ, "STUDYAPP_DB": str(hostile), "XDG_DATA_HOME": str(tmp_path / "data")}
    env.pop("NO_COLOR", None)
    result = subprocess.run(
        [STUDYAPP, *args], env=env, capture_output=True, timeout=120, stdin=subprocess.DEVNULL
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    assert CONTROL.findall(out) == [], out
    assert CONTROL.findall(result.stderr.decode()) == []
    assert ("Evil" in out) or ("Deck" in out) or ("Chapter" in out), "the text itself is shown"
