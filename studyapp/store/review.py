"""The review session against the database: answers, undo, suspend, bury, flag.

Each answer is one transaction (card state + review-log row), committed before the caller
shows the next card, so a crash never loses or half-writes an answer. Scheduling itself is the
pure `studyapp.domain.scheduling`; this module only loads and stores. Today's queue is
`studyapp.store.queue` (re-exported here); undoable changes to cards are
`studyapp.store.card_actions`. Imports no UI or Keras.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from db.models import Card, CardState, ReviewLog
from studyapp.domain.scheduling import MemoryState, SchedulerSettings, next_study_day, review
from studyapp.store.queue import LEARNING_STATES, reviewable

# The queue's names, where callers of this module have always found them.
from studyapp.store.queue import QueueScope as QueueScope
from studyapp.store.queue import TodayCounts as TodayCounts
from studyapp.store.queue import build_queue as build_queue
from studyapp.store.queue import today_counts as today_counts


def memory_of(card: Card) -> MemoryState:
    return MemoryState(
        state=card.state,
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=card.due,
        last_review=card.last_review,
        reps=card.reps,
        lapses=card.lapses,
    )


def store_memory(card: Card, memory: MemoryState) -> None:
    card.state = memory.state
    card.step = memory.step
    card.stability = memory.stability
    card.difficulty = memory.difficulty
    card.due = memory.due
    card.last_review = memory.last_review
    card.reps = memory.reps
    card.lapses = memory.lapses


def state_and_due(sessions: sessionmaker[Session], card_id: int) -> tuple[str, dt.datetime | None]:
    with sessions() as session:
        state, due = session.execute(select(Card.state, Card.due).where(Card.id == card_id)).one()
        return state, due


def card_exists(sessions: sessionmaker[Session], card_id: int) -> bool:
    with sessions() as session:
        return session.get(Card, card_id) is not None


def next_learning_due(
    sessions: sessionmaker[Session], now: dt.datetime, scope: QueueScope
) -> dt.datetime | None:
    """When the next learning card of today comes back (the queue may be empty until then)."""
    with sessions() as session:
        return session.scalar(
            select(func.min(Card.due)).where(
                *reviewable(scope, now), Card.state.in_(LEARNING_STATES), Card.due > now
            )
        )


def next_due(sessions: sessionmaker[Session], now: dt.datetime) -> dt.datetime | None:
    with sessions() as session:
        return next_due_in(session, now)


def next_due_in(session: Session, now: dt.datetime) -> dt.datetime | None:
    return session.scalar(
        select(func.min(Card.due)).where(
            Card.retired_at.is_(None),
            Card.suspended.is_(False),
            Card.state != "new",
            Card.due > now,
        )
    )


def answer(
    sessions: sessionmaker[Session],
    card_id: int,
    rating: int,
    now: dt.datetime,
    settings: SchedulerSettings,
    duration_ms: int = 0,
) -> int:
    """Record one answer in its own transaction. Returns the review-log id (for undo)."""
    with sessions.begin() as session:
        card = locked_card(session, card_id)
        return answer_in(session, card, rating, now, settings, duration_ms).id


def locked_card(session: Session, card_id: int) -> Card:
    """The card, with the session's learner's state row locked until the transaction ends
    (PostgreSQL): two answers of one learner to one card queue up instead of both reading the
    same old state. Cards themselves are shared, and a learner may not lock them."""
    card = session.get_one(Card, card_id)
    session.scalars(select(CardState).where(CardState.card_id == card_id).with_for_update()).all()
    return card


def answer_in(
    session: Session,
    card: Card,
    rating: int,
    now: dt.datetime,
    settings: SchedulerSettings,
    duration_ms: int = 0,
) -> ReviewLog:
    """The answer inside a caller's transaction: the card's new state and its log row."""
    before = memory_of(card)
    outcome = review(card.id, before, rating, now, settings)
    store_memory(card, outcome.after)
    log = ReviewLog(
        card_id=card.id,
        reviewed_at=now,
        rating=rating,
        duration_ms=max(0, int(duration_ms)),
        state_before=before.state,
        state_after=outcome.after.state,
        before=before.to_dict(),
        after=outcome.after.to_dict(),
    )
    session.add(log)
    session.flush()
    return log


def undo(sessions: sessionmaker[Session], review_id: int) -> int:
    """Put the card back as it was before the answer and delete the review-log row.

    Returns the card id, which the session shows again.
    """
    with sessions.begin() as session:
        log = session.get_one(ReviewLog, review_id)
        card = locked_card(session, log.card_id)
        store_memory(card, MemoryState.from_dict(log.before))
        session.delete(log)
        return card.id


def set_suspended(sessions: sessionmaker[Session], card_id: int, suspended: bool) -> None:
    with sessions.begin() as session:
        locked_card(session, card_id).suspended = suspended


def bury(
    sessions: sessionmaker[Session], card_id: int, now: dt.datetime, settings: SchedulerSettings
) -> dt.datetime:
    """Hide the card until the next study day starts."""
    until = next_study_day(now, settings)
    with sessions.begin() as session:
        locked_card(session, card_id).buried_until = until
    return until


def set_flag(sessions: sessionmaker[Session], card_id: int, flag: int) -> None:
    """0 clears the flag; 1-4 are colours, as in Anki."""
    if not 0 <= flag <= 7:
        raise ValueError("flag must be between 0 and 7")
    with sessions.begin() as session:
        locked_card(session, card_id).flag = flag
