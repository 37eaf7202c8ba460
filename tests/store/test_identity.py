"""Review history follows a card's text: through a renamed or moved file, and between twins
(two cards asking the same question) when one of them is deleted."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from db.models import Card, Deck
from studyapp.domain.scheduling import SchedulerSettings
from studyapp.store import review
from studyapp.store.library import import_paths
from studyapp.store.opening import Store
from tests.conftest import no_demos

SETTINGS = SchedulerSettings()


def cards(store: Store) -> list[Card]:
    with store.sessions() as session:
        return list(session.scalars(select(Card).order_by(Card.position)))


def test_a_renamed_file_keeps_its_cards_history(
    store: Store, tmp_path: Path, now: dt.datetime
) -> None:
    old = tmp_path / "old.md"
    old.write_text("# Deck\n\nWhat is a VAE? :: A variational autoencoder.\n")
    import_paths(store.sessions, [tmp_path], now, no_demos)
    (card,) = cards(store)
    review.answer(store.sessions, card.id, 3, now, SETTINGS)
    new_dir = tmp_path / "moved"
    new_dir.mkdir()
    old.rename(new_dir / "renamed.md")
    reports = import_paths(store.sessions, [tmp_path], now, no_demos)
    assert [r.status for r in reports] == ["imported"]
    (moved,) = cards(store)
    assert (moved.id, moved.reps, moved.retired_at) == (card.id, 1, None)
    assert moved.source_file == str((new_dir / "renamed.md").resolve())
    with store.sessions() as session:
        assert session.scalars(select(Deck.source_path)).all() == [moved.source_file]


def test_a_file_renamed_after_it_was_retired_as_gone_comes_back_with_history(
    store: Store, tmp_path: Path, now: dt.datetime
) -> None:
    old = tmp_path / "old.md"
    old.write_text("# Deck\n\nWhat is a GAN? :: Two networks in a game.\n")
    (tmp_path / "other.md").write_text("# Other\n\nKeeps :: the folder non-empty.\n")
    import_paths(store.sessions, [tmp_path], now, no_demos)
    card = next(c for c in cards(store) if c.question == "What is a GAN?")
    review.answer(store.sessions, card.id, 3, now, SETTINGS)
    text = old.read_text()
    old.unlink()
    reports = import_paths(store.sessions, [tmp_path], now, no_demos)
    assert [r.status for r in reports] == ["unchanged", "gone"]
    (tmp_path / "new.md").write_text(text)
    reports = import_paths(store.sessions, [tmp_path], now, no_demos)
    assert [r.restored for r in reports] == [1, 0]
    (back,) = [c for c in cards(store) if c.question == "What is a GAN?"]
    assert (back.id, back.reps, back.retired_at) == (card.id, 1, None)


def test_deleting_the_first_of_two_twins_leaves_the_survivor_its_own_history(
    store: Store, tmp_path: Path, now: dt.datetime
) -> None:
    path = tmp_path / "twins.md"
    first = "Why normalise? :: To stabilise training.\n"
    second = "Why normalise? :: To speed up convergence.\n"
    path.write_text(f"# Twins\n\n{first}\n{second}")
    import_paths(store.sessions, [path], now, no_demos)
    one, two = cards(store)
    assert two.answer == "To speed up convergence."
    review.answer(store.sessions, one.id, 1, now, SETTINGS)
    review.answer(store.sessions, two.id, 4, now, SETTINGS)
    path.write_text(f"# Twins\n\n{second}")
    (report,) = import_paths(store.sessions, [path], now, no_demos)
    assert (report.retired, report.added) == (1, 0), report
    live = [c for c in cards(store) if c.retired_at is None]
    assert [(c.id, c.answer) for c in live] == [(two.id, "To speed up convergence.")]
