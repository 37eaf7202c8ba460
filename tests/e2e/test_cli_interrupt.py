"""Ctrl-C during a large import: the installed command exits 130 with the one line
`studyapp: interrupted` and nothing else (no traceback from the parsing process, no "cannot
join current thread"), promptly, leaving no process behind and a sound database.

Ctrl-C is SIGINT to the whole process group, as a terminal sends it, and it is sent once the
import is visibly under way (its decks appear in the database), not after a guessed sleep.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.books import write_book

STUDYAPP = str(Path(sys.executable).with_name("studyapp"))


def decks_in(database: Path) -> int:
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=0.2) as db:
            (n,) = db.execute("SELECT count(*) FROM decks").fetchone()
        db.close()
        return int(n)
    except sqlite3.Error:  # not created yet, or being created
        return 0


def alive_in_group(group: int) -> list[str]:
    """Processes of the group that are still running (zombies are already dead)."""
    alive = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        state, pgid = fields[0], int(fields[2])
        if pgid == group and state != "Z":
            alive.append(entry.name)
    return alive


@pytest.mark.parametrize("after_decks", [1, 40])
def test_ctrl_c_during_an_import_is_one_line_and_status_130(
    tmp_path: Path, after_decks: int
) -> None:
    folder = tmp_path / "book"
    write_book(folder, "Book", parts=200, cards_per_part=100)
    database = tmp_path / "study.db"
    env = {**os.environ, "STUDYAPP_DB": str(database), "XDG_DATA_HOME": str(tmp_path / "data")}
    process = subprocess.Popen(
        [STUDYAPP, "import", str(folder)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,  # its own group, like a terminal's foreground job
    )
    try:
        deadline = time.monotonic() + 90
        while decks_in(database) < after_decks:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the import never got going"
            time.sleep(0.02)
        os.killpg(process.pid, signal.SIGINT)
        sent = time.monotonic()
        out, err = process.communicate(timeout=30)
    finally:  # a hung import must not outlive the test
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
    assert process.returncode == 130, err
    assert err == "studyapp: interrupted\n"
    assert out == ""
    assert time.monotonic() - sent < 15
    time.sleep(0.5)  # the parsing process dies with its parent; give the kernel a moment
    assert alive_in_group(process.pid) == []
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        decks = db.execute("SELECT count(*) FROM decks").fetchone()[0]
    db.close()
    assert after_decks <= decks < 200
