"""`--profile`: alice and bob keep separate schedules and statistics through the real CLI;
`studyapp profiles` lists them with their counts; bad names are one line and exit status 2;
a backup and restore keeps every learner."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.cli.conftest import Cli, run_cli
from tests.conftest import FIXTURES


@pytest.fixture
def study(cli: Cli) -> Cli:
    imported = cli("import", str(FIXTURES / "cards.md"))
    assert imported.exit_code == 0, imported.stderr
    return cli


def states(cli: Cli, profile: str) -> dict[int, str]:
    listed = cli("--profile", profile, "cards", "--json")
    assert listed.exit_code == 0, listed.stderr
    return {card["id"]: card["state"] for card in json.loads(listed.stdout)}


def test_alice_and_bob_keep_separate_schedules_and_statistics(study: Cli) -> None:
    assert study("--profile", "alice", "card", "suspend", "1", "2").exit_code == 0
    assert study("--profile", "bob", "card", "flag", "3", "--color", "red").exit_code == 0
    flags = {
        profile: {
            c["id"]: c["flag"]
            for c in json.loads(study("--profile", profile, "cards", "--json").stdout)
        }
        for profile in ("alice", "bob")
    }
    assert flags["bob"][3] == 1 and flags["alice"][3] == 0
    alice, bob = states(study, "alice"), states(study, "bob")
    assert alice[1] == alice[2] == "suspended"
    assert set(bob.values()) == {"new"} and set(states(study, "default").values()) == {"new"}
    alice_stats = json.loads(study("--profile", "alice", "stats", "--json").stdout)
    bob_stats = json.loads(study("--profile", "bob", "stats", "--json").stdout)
    assert alice_stats["cards"]["suspended"] == 2 and bob_stats["cards"]["suspended"] == 0


def test_profiles_lists_every_learner_with_their_counts(study: Cli) -> None:
    study("--profile", "alice", "card", "suspend", "1")
    listed = study("profiles", "--json")
    assert listed.exit_code == 0, listed.stderr
    rows = {row["name"]: row for row in json.loads(listed.stdout)}
    assert set(rows) == {"alice", "default"}
    assert rows["alice"] == {
        "name": "alice",
        "role": None,
        "cards_studied": 0,
        "answers": 0,
        "due_today": 0,
    }
    table = study("profiles")
    assert "alice" in table.stdout and "default" in table.stdout
    added = study("profiles", "add", "zoe")
    assert added.exit_code == 0 and "zoe" in added.one_line()
    assert "zoe" in study("profiles").stdout


@pytest.mark.parametrize("name", ["Bad Name", "x;drop", "ÄB", "-x"])
def test_a_bad_profile_name_is_one_line_and_exit_status_2(study: Cli, name: str) -> None:
    result = study("--profile", name, "cards")
    assert result.exit_code == 2
    assert "bad profile name" in result.one_line() and result.stdout == ""


def test_the_environment_names_the_profile(
    study: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUDYAPP_PROFILE", "erin")
    assert run_cli(str(tmp_path / "study.db"), "card", "suspend", "4").exit_code == 0
    monkeypatch.delenv("STUDYAPP_PROFILE")
    assert states(study, "erin")[4] == "suspended"
    assert states(study, "default")[4] == "new"


def test_backup_and_restore_keep_every_learner(study: Cli, tmp_path: Path) -> None:
    study("--profile", "alice", "card", "suspend", "1")
    study("--profile", "bob", "card", "suspend", "2")
    copy = tmp_path / "copy.db"
    assert study("backup", str(copy)).exit_code == 0
    with sqlite3.connect(tmp_path / "study.db") as db:
        db.execute("DELETE FROM learners WHERE name <> 'default'")
    db.close()
    assert {row["name"] for row in json.loads(study("profiles", "--json").stdout)} == {"default"}
    restored = study("restore", str(copy))
    assert restored.exit_code == 0, restored.stderr
    assert states(study, "alice")[1] == "suspended" and states(study, "bob")[2] == "suspended"
    assert {row["name"] for row in json.loads(study("profiles", "--json").stdout)} == {
        "alice",
        "bob",
        "default",
    }


def test_class_statistics_count_every_learner_and_name_none(study: Cli) -> None:
    study("--profile", "alice", "card", "reset", "1")
    shown = study("stats", "--class", "--json")
    assert shown.exit_code == 0, shown.stderr
    (chapter,) = json.loads(shown.stdout)["chapters"]
    assert chapter["cards"] == 9 and chapter["class_size"] == 2
    assert "alice" not in shown.stdout
    assert "Chapter 4" in study("stats", "--class").stdout
