"""Undoable changes to cards (`studyapp.store.card_actions`): each one undone leaves the card
exactly as it was, an answer buries its siblings, and reset and reschedule give FSRS a state
to go on from. On SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.models import Card, ReviewLog
from studyapp.domain.scheduling import SchedulerSettings
from studyapp.store import card_actions
from studyapp.store.library import import_paths
from studyapp.store.opening import Store
from studyapp.store.queue import build_queue
from tests.conftest import no_demos

NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
TOMORROW_4AM = dt.datetime(2026, 3, 3, 4, 0, tzinfo=dt.UTC)
SETTINGS = SchedulerSettings(timezone="UTC", fuzz=False)

SIBLINGS = """\
# Siblings

## Chapter 1

Forward? :: Back one.

Front side ::: Back side

The sky is {{c1::blue}} and grass is {{c2::green}}.

Plain question? :: Plain answer.
"""


@pytest.fixture
def loaded(store: Store, tmp_path: Path) -> Store:
    deck = tmp_path / "siblings.md"
    deck.write_text(SIBLINGS)
    [report] = import_paths(store.sessions, [deck], NOW, no_demos)
    assert report.added == 6
    return store


def ids(store: Store, question_start: str) -> list[int]:
    with store.sessions() as session:
        return list(
            session.scalars(
                select(Card.id).where(Card.question.startswith(question_start)).order_by(Card.id)
            )
        )


def row(store: Store, card_id: int) -> tuple[object, ...]:
    with store.sessions() as session:
        card = session.get_one(Card, card_id)
        return (
            card.state,
            card.step,
            card.stability,
            card.difficulty,
            card.due,
            card.last_review,
            card.reps,
            card.lapses,
            card.suspended,
            card.buried_until,
            card.flag,
        )


def log_count(store: Store) -> int:
    with store.sessions() as session:
        return session.scalar(select(func.count(ReviewLog.id))) or 0


def test_every_change_is_undone_exactly(loaded: Store) -> None:
    [plain] = ids(loaded, "Plain")
    [forward] = ids(loaded, "Forward")
    card_actions.answer(loaded.sessions, forward, 3, now=NOW, settings=SETTINGS)
    changes = [
        lambda: card_actions.answer(
            loaded.sessions, plain, 4, now=NOW, settings=SETTINGS, duration_ms=1500
        ),
        lambda: card_actions.suspend(loaded.sessions, [plain, forward]),
        lambda: card_actions.bury(loaded.sessions, [plain], NOW, SETTINGS),
        lambda: card_actions.set_flag(loaded.sessions, [plain], 2),
        lambda: card_actions.reset(loaded.sessions, [forward]),
        lambda: card_actions.reschedule(
            loaded.sessions, [plain, forward], dt.date(2026, 3, 9), NOW, SETTINGS
        ),
    ]
    for make_change in changes:
        before = (row(loaded, plain), row(loaded, forward), log_count(loaded))
        change = make_change()
        assert (row(loaded, plain), row(loaded, forward), log_count(loaded)) != before
        card_actions.undo(loaded.sessions, change)
        assert (row(loaded, plain), row(loaded, forward), log_count(loaded)) == before


def test_suspend_then_undo_leaves_the_card_active(loaded: Store) -> None:
    [plain] = ids(loaded, "Plain")
    change = card_actions.suspend(loaded.sessions, [plain])
    assert change.describe() == "suspend"
    assert plain not in build_queue(loaded.sessions, NOW, SETTINGS)
    card_actions.undo(loaded.sessions, change)
    assert row(loaded, plain)[8] is False
    assert plain in build_queue(loaded.sessions, NOW, SETTINGS)


def test_answering_a_reversed_or_cloze_card_buries_its_siblings_until_tomorrow(
    loaded: Store,
) -> None:
    front, back = ids(loaded, "Front side") + ids(loaded, "Back side")
    c1, c2 = ids(loaded, "The sky")
    [plain] = ids(loaded, "Plain")
    change = card_actions.answer(loaded.sessions, front, 3, now=NOW, settings=SETTINGS)
    assert change.buried_siblings == (back,)
    card_actions.answer(loaded.sessions, c1, 3, now=NOW, settings=SETTINGS)
    queue = build_queue(loaded.sessions, NOW, SETTINGS)
    assert back not in queue and c2 not in queue and plain in queue
    assert row(loaded, back)[9] == TOMORROW_4AM
    assert back in build_queue(loaded.sessions, TOMORROW_4AM, SETTINGS)
    # Undoing the answer gives the sibling back today.
    card_actions.undo(loaded.sessions, change)
    assert row(loaded, back)[9] is None
    assert back in build_queue(loaded.sessions, NOW, SETTINGS)


def test_siblings_stay_when_the_setting_is_off(loaded: Store) -> None:
    front, back = ids(loaded, "Front side") + ids(loaded, "Back side")
    settings = SchedulerSettings(timezone="UTC", fuzz=False, bury_siblings=False)
    change = card_actions.answer(loaded.sessions, front, 3, now=NOW, settings=settings)
    assert change.buried_siblings == ()
    assert back in build_queue(loaded.sessions, NOW, settings)


def test_a_basic_card_has_no_siblings(loaded: Store) -> None:
    [forward] = ids(loaded, "Forward")
    change = card_actions.answer(loaded.sessions, forward, 3, now=NOW, settings=SETTINGS)
    assert change.buried_siblings == () and change.describe() == "Good"


def test_reset_makes_a_card_new_and_keeps_its_history(loaded: Store) -> None:
    [plain] = ids(loaded, "Plain")
    card_actions.answer(loaded.sessions, plain, 4, now=NOW, settings=SETTINGS)
    card_actions.reset(loaded.sessions, [plain])
    state, step, stability, *_rest = row(loaded, plain)
    assert (state, step, stability) == ("new", 0, None)
    assert log_count(loaded) == 1


def test_reschedule_makes_a_review_card_due_that_day(loaded: Store) -> None:
    [plain] = ids(loaded, "Plain")
    card_actions.reschedule(loaded.sessions, [plain], dt.date(2026, 3, 9), NOW, SETTINGS)
    state, _step, stability, _difficulty, due, *_rest = row(loaded, plain)
    assert state == "review" and due == dt.datetime(2026, 3, 9, 4, 0, tzinfo=dt.UTC)
    assert stability == pytest.approx(6.67, abs=0.01)
    later = dt.datetime(2026, 3, 9, 5, 0, tzinfo=dt.UTC)
    assert plain in build_queue(loaded.sessions, later, SETTINGS)
    card_actions.answer(
        loaded.sessions, plain, 3, now=later, settings=SETTINGS
    )  # FSRS goes on from it
    with pytest.raises(ValueError, match="today or later"):
        card_actions.reschedule(loaded.sessions, [plain], dt.date(2026, 3, 1), NOW, SETTINGS)


def test_unknown_cards_and_flags_are_refused(loaded: Store) -> None:
    with pytest.raises(LookupError, match="no card with id 999"):
        card_actions.suspend(loaded.sessions, [999])
    with pytest.raises(ValueError):
        card_actions.set_flag(loaded.sessions, ids(loaded, "Plain"), 9)
