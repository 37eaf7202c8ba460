"""A generated book's part files import as one deck with a clean name, in part order, and
keep every card's history through re-imports and renames."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from db.models import Card
from studyapp.domain.scheduling import SchedulerSettings
from studyapp.store import review
from studyapp.store.library import import_paths, rename_deck
from studyapp.store.opening import Store
from studyapp.store.overview import load_overview
from tests.conftest import no_demos
from tests.support.books import write_book

SETTINGS = SchedulerSettings()


def test_fifty_messy_parts_are_one_deck_with_a_clean_name(
    store: Store, tmp_path: Path, now: dt.datetime
) -> None:
    folder = tmp_path / "book"
    written = write_book(folder, "2A012---Reinforcement-Learning_processed", 50, 6)
    reports = import_paths(store.sessions, [folder], now, no_demos)
    assert {r.status for r in reports} == {"imported"}
    assert sum(r.added for r in reports) == written
    assert {r.deck for r in reports} == {"Reinforcement Learning"}
    overview = load_overview(store.sessions, now, SETTINGS)
    assert [d.title for d in overview.decks] == ["Reinforcement Learning"]
    (deck,) = overview.decks
    chapters = [row.chapter for row in deck.chapters]
    numbers = [int((c or "").split(":")[0].removeprefix("Chapter ")) for c in chapters]
    assert numbers == sorted(numbers) and numbers[:3] == [1, 2, 3]
    with store.sessions() as session:
        queue = review.build_queue(store.sessions, now, SETTINGS, deck.scope)
        first = session.get(Card, queue[0])
    assert first is not None and first.source_file.endswith("(Part 1).md")


def test_reimport_and_rename_keep_ids_and_history(
    store: Store, tmp_path: Path, now: dt.datetime
) -> None:
    folder = tmp_path / "book"
    write_book(folder, "9Z9---Streaming-Systems_processed", 3, 4)
    import_paths(store.sessions, [folder], now, no_demos)
    with store.sessions() as session:
        before = dict(session.execute(select(Card.identity, Card.id)).all())
    review.answer(store.sessions, next(iter(before.values())), 3, now, SETTINGS)
    assert rename_deck(store.sessions, "Streaming Systems", "Akidau: Streaming") == 3
    for path in folder.iterdir():
        path.write_text(path.read_text() + "\n")  # every file changed: parsed again
    write_book(folder, "9Z9---Streaming-Systems_processed", 4, 4)  # and a new part
    reports = import_paths(store.sessions, [folder], now, no_demos)
    assert {r.deck for r in reports} == {"Akidau: Streaming"}
    with store.sessions() as session:
        after = dict(session.execute(select(Card.identity, Card.id)).all())
        reps = session.scalar(select(Card.reps).where(Card.id == next(iter(before.values()))))
    assert {k: after[k] for k in before} == before
    assert reps == 1


def test_decks_lists_a_book_once_with_all_its_parts(
    store: Store, tmp_path: Path, now: dt.datetime
) -> None:
    from studyapp.store.listing import list_decks

    write_book(tmp_path / "book", "7Q7---Design-Patterns-in-Cpp_processed", 12, 3)
    (tmp_path / "book" / "notes.md").write_text("# Apple notes\n\nq :: a\n")
    import_paths(store.sessions, [tmp_path / "book"], now, no_demos)
    rows = list_decks(store.sessions, now)
    assert [(r["title"], r["files"], r["cards"]) for r in rows] == [
        ("Apple notes", 1, 1),
        ("Design Patterns in Cpp", 12, 36),
    ]
    assert rows[1]["source_path"].endswith("(Part 1).md")
