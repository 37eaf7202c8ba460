"""`studyapp deck rename OLD NEW`: every part file of the deck gets the new title, which a
re-import keeps; a title no deck has is one line and status 1."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import run_cli
from tests.support.books import write_book


def titles(database: Path) -> dict[str, int]:
    listed = json.loads(run_cli(str(database), "decks", "--json").stdout)
    return {deck["title"]: deck["cards"] for deck in listed}


def test_rename_a_book_and_keep_the_name_across_re_imports(tmp_path: Path) -> None:
    folder = tmp_path / "book"
    write_book(folder, "RL Book", parts=3, cards_per_part=4)
    database = tmp_path / "study.db"
    assert run_cli(str(database), "import", str(folder)).exit_code == 0
    (old,) = titles(database)
    result = run_cli(str(database), "deck", "rename", old, "Reinforcement learning")
    assert result.exit_code == 0, result.stderr
    assert result.one_line() == f"Renamed {old!r} to 'Reinforcement learning' (3 files)"
    assert titles(database) == {"Reinforcement learning": 12}
    (folder / "RL Book (Part 1).md").write_text(
        (folder / "RL Book (Part 1).md").read_text() + "\nOne more? :: Yes.\n"
    )
    assert run_cli(str(database), "import", str(folder)).exit_code == 0
    assert set(titles(database)) == {"Reinforcement learning"}


def test_renaming_a_deck_that_is_not_there_is_one_line(tmp_path: Path) -> None:
    database = tmp_path / "study.db"
    result = run_cli(str(database), "deck", "rename", "No such deck", "Anything")
    assert result.exit_code == 1
    assert result.one_line() == (
        "studyapp deck rename: no deck titled 'No such deck' (see `studyapp decks`)"
    )


def test_an_empty_new_title_is_refused(tmp_path: Path) -> None:
    result = run_cli(str(tmp_path / "study.db"), "deck", "rename", "Old", " \x1b ")
    assert result.exit_code == 2
    assert result.one_line() == "studyapp deck rename: the new title is empty"
