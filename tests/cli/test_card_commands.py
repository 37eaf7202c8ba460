"""`studyapp card suspend|unsuspend|bury|unbury|flag|reset ID...`, and the card marks that
`studyapp cards --json` carries (suspended, buried_until, flag)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import Cli

DECK = "# Marks\n\n" + "".join(f"Question {n}? :: Answer {n}.\n\n" for n in range(3))


def listed(cli: Cli) -> dict[int, dict[str, object]]:
    return {row["id"]: row for row in json.loads(cli("cards", "--json").stdout)}


def marks(row: dict[str, object]) -> tuple[object, ...]:
    return (row["suspended"], row["buried_until"], row["flag"], row["state"])


def test_each_action_changes_the_cards_and_cards_json_shows_it(cli: Cli, tmp_path: Path) -> None:
    deck = tmp_path / "marks.md"
    deck.write_text(DECK)
    assert cli("import", str(deck)).exit_code == 0
    first, second, third = sorted(listed(cli))
    assert marks(listed(cli)[first]) == (False, None, 0, "new")

    done = cli("card", "suspend", str(first), str(second))
    assert (done.exit_code, done.stdout.strip()) == (0, f"suspend: 2 cards ({first}, {second})")
    assert [marks(listed(cli)[i])[0] for i in (first, second, third)] == [True, True, False]
    assert listed(cli)[first]["state"] == "suspended"
    assert cli("card", "unsuspend", str(second)).exit_code == 0
    assert marks(listed(cli)[second])[0] is False

    assert cli("card", "bury", str(third)).exit_code == 0
    # The CLI's clock is 2026-11-21 12:00 UTC; the study day ends at 04:00 local time.
    assert str(listed(cli)[third]["buried_until"]).startswith("2026-11-2")
    assert cli("card", "unbury", str(third)).exit_code == 0
    assert listed(cli)[third]["buried_until"] is None

    assert cli("card", "flag", "--colour", "green", str(third)).exit_code == 0
    assert listed(cli)[third]["flag"] == 3
    assert cli("card", "flag", "--colour", "none", str(third)).exit_code == 0
    assert listed(cli)[third]["flag"] == 0

    assert cli("cards", "--json").exit_code == 0
    result = cli("card", "reset", "--json", str(third))
    assert json.loads(result.stdout) == {"action": "reset", "cards": [third]}


def test_unknown_ids_and_colours_are_one_line_and_change_nothing(cli: Cli, tmp_path: Path) -> None:
    deck = tmp_path / "marks.md"
    deck.write_text(DECK)
    cli("import", str(deck))
    first = min(listed(cli))
    missing = cli("card", "suspend", str(first), "999")
    assert missing.exit_code == 1
    assert missing.one_line() == "studyapp card suspend: no card with id 999"
    assert listed(cli)[first]["suspended"] is False
    colour = cli("card", "flag", "--colour", "purple", str(first))
    assert colour.exit_code == 1 and "unknown colour 'purple'" in colour.one_line()
    assert cli("card").exit_code in (0, 2)  # no subcommand: the help
