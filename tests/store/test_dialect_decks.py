"""Obsidian deck tags as studyapp decks: notes in different folders tagged with the same
`#flashcards/<path>` are one deck in `studyapp decks` and on the home screen; another tag is
another deck; with `convertFoldersToDecks` a vault's folders are the decks."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from studyapp.domain.parsing.vault import PLUGIN_DATA
from studyapp.domain.scheduling import SchedulerSettings
from studyapp.store.library import import_paths
from studyapp.store.listing import list_decks
from studyapp.store.opening import Store
from studyapp.store.overview import load_overview
from tests.conftest import no_demos

NOW = dt.datetime(2024, 6, 1, 12, 0, tzinfo=dt.UTC)
SETTINGS = SchedulerSettings(timezone="UTC", fuzz=False)


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def listing(store: Store) -> dict[str, tuple[int, int]]:
    """Each deck of `studyapp decks`: (files, cards)."""
    return {row["title"]: (row["files"], row["cards"]) for row in list_decks(store.sessions, NOW)}


def test_notes_tagged_with_one_deck_are_one_deck(store: Store, tmp_path: Path) -> None:
    write(
        tmp_path / "notes",
        {
            "school/Cells.md": "# Cells\n\n#flashcards/biology\n\nMitochondrion::powerhouse\n\n"
            "Ribosome::protein synthesis\n",
            "reading/Evolution.md": "# Evolution\n\n#flashcards/biology\n\nDarwin::selection\n\n"
            "#flashcards/biology/genetics Adenine::thymine\n",
            "Motion.md": "---\ntags: [flashcards/physics]\n---\n# Motion\n\nF::ma\n",
            "Loose.md": "# Loose ends\n\n#flashcards\n\nA::B\n",
        },
    )
    reports = import_paths(store.sessions, [tmp_path / "notes"], NOW, no_demos)
    assert {Path(r.path).name: (r.deck, r.added) for r in reports} == {
        "Cells.md": ("biology", 2),
        "Evolution.md": ("biology", 2),
        "Motion.md": ("physics", 1),
        "Loose.md": ("Loose ends", 1),  # a bare tag: the note's own title
    }
    assert listing(store) == {"biology": (2, 4), "Loose ends": (1, 1), "physics": (1, 1)}
    home = load_overview(store.sessions, NOW, SETTINGS)
    decks = {row.title: row for row in home.decks}
    assert list(decks) == ["biology", "Loose ends", "physics"]
    assert decks["biology"].counts.new == 4 and len(decks["biology"].scope.deck_ids) == 2
    # The card tagged with another deck keeps that deck's path as its chapter.
    assert {row.chapter for row in decks["biology"].chapters} == {None, "biology/genetics"}


def test_a_retag_moves_the_note_to_its_new_deck(store: Store, tmp_path: Path) -> None:
    note = tmp_path / "Cells.md"
    note.write_text("#flashcards/biology\n\nMitochondrion::powerhouse\n")
    import_paths(store.sessions, [note], NOW, no_demos)
    assert listing(store) == {"biology": (1, 1)}
    note.write_text("#flashcards/cells\n\nMitochondrion::powerhouse\n")
    import_paths(store.sessions, [note], NOW, no_demos)
    assert listing(store) == {"cells": (1, 1)}


def test_with_folder_decks_the_vault_folders_are_the_decks(store: Store, tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    data = vault / PLUGIN_DATA
    data.parent.mkdir(parents=True)
    data.write_text(json.dumps({"settings": {"convertFoldersToDecks": True}}))
    write(
        vault,
        {
            "science/biology/Cells.md": "#flashcards/ignored\n\nMitochondrion::powerhouse\n",
            "science/biology/Genes.md": "Adenine::thymine\n",
            "science/Motion.md": "F::ma\n",
        },
    )
    import_paths(store.sessions, [vault], NOW, no_demos)
    assert listing(store) == {"science": (1, 1), "science/biology": (2, 2)}
