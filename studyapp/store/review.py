"""The review session against the database: today's queue, answers, undo, suspend, bury, flag.

Each answer is one transaction (card state + review-log row), committed before the caller
shows the next card, so a crash never loses or half-writes an answer. Scheduling itself is the
pure `studyapp.domain.scheduling`; this module only loads and stores. Imports no UI or Keras.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from db.models import Card, Deck, ReviewLog
from studyapp.domain.scheduling import (
    MemoryState,
    SchedulerSettings,
    next_study_day,
    review,
    study_day_start,
)


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


def _store_memory(card: Card, memory: MemoryState) -> None:
    card.state = memory.state
    card.step = memory.step
    card.stability = memory.stability
    card.difficulty = memory.difficulty
    card.due = memory.due
    card.last_review = memory.last_review
    card.reps = memory.reps
    card.lapses = memory.lapses


@dataclass(frozen=True, slots=True)
class QueueScope:
    """Which cards a session draws from: everything, one deck (all part files of a book), or
    one chapter of it."""

    deck_ids: tuple[int, ...] | None = None
    chapter: str | None = None


@dataclass(frozen=True, slots=True)
class TodayCounts:
    reviewed: int
    new_learned: int
    again: int
    seconds: float


def _reviewable(scope: QueueScope, now: dt.datetime) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [
        Card.retired_at.is_(None),
        Card.suspended.is_(False),
        (Card.buried_until.is_(None)) | (Card.buried_until <= now),
    ]
    if scope.deck_ids is not None:
        conditions.append(Card.deck_id.in_(scope.deck_ids))
    if scope.chapter is not None:
        conditions.append(Card.chapter == scope.chapter)
    return conditions


def today_counts(session: Session, now: dt.datetime, settings: SchedulerSettings) -> TodayCounts:
    """Today's answers so far, inside a caller's session (the queue and the overview)."""
    start = study_day_start(now, settings)
    reviewed, again, millis = session.execute(
        select(
            func.count(ReviewLog.id),
            func.count(ReviewLog.id).filter(ReviewLog.rating == 1),
            func.coalesce(func.sum(ReviewLog.duration_ms), 0),
        ).where(ReviewLog.reviewed_at >= start, ReviewLog.reviewed_at <= now)
    ).one()
    new_learned = session.scalar(
        select(func.count(ReviewLog.id)).where(
            ReviewLog.reviewed_at >= start, ReviewLog.state_before == "new"
        )
    )
    return TodayCounts(reviewed, new_learned or 0, again, millis / 1000)


def build_queue(
    sessions: sessionmaker[Session],
    now: dt.datetime,
    settings: SchedulerSettings,
    scope: QueueScope = QueueScope(),
) -> list[int]:
    """Today's queue as card ids: learning cards due now, then due reviews with new cards
    mixed in evenly; reviews and new cards within what is left of the daily limits."""
    with sessions() as session:
        return _build_queue(session, now, settings, scope)


def _build_queue(
    session: Session, now: dt.datetime, settings: SchedulerSettings, scope: QueueScope
) -> list[int]:
    end_of_day = next_study_day(now, settings)
    base = _reviewable(scope, now)
    counts = today_counts(session, now, settings)
    learning = list(
        session.scalars(
            select(Card.id)
            .where(*base, Card.state.in_(("learning", "relearning")), Card.due <= now)
            .order_by(Card.due, Card.id)
        )
    )
    review_room = max(0, settings.reviews_per_day - (counts.reviewed - counts.new_learned))
    reviews = list(
        session.scalars(
            select(Card.id)
            .where(*base, Card.state == "review", Card.due < end_of_day)
            .order_by(Card.due, Card.id)
            .limit(review_room)
        )
    )
    new_room = max(0, settings.new_per_day - counts.new_learned)
    new = list(
        session.scalars(
            select(Card.id)
            .join(Deck, Deck.id == Card.deck_id)
            .where(*base, Card.state == "new")
            # Source order: a book's parts in part order (Part 2 before Part 10).
            .order_by(Deck.book_key, func.coalesce(Deck.part, 0), Card.deck_id, Card.position)
            .limit(new_room)
        )
    )
    return learning + _interleave(reviews, new)


def _interleave(reviews: list[int], new: list[int]) -> list[int]:
    """New cards spread evenly through the reviews (Anki's "mix new and review")."""
    if not reviews or not new:
        return reviews + new
    result: list[int] = []
    every = (len(reviews) + len(new)) / len(new)
    position, n, r = 0.0, 0, 0
    while n < len(new) or r < len(reviews):
        position += 1
        if n < len(new) and (r >= len(reviews) or position >= every * (n + 1) - every / 2):
            result.append(new[n])
            n += 1
        else:
            result.append(reviews[r])
            r += 1
    return result


def card_states(sessions: sessionmaker[Session], card_ids: list[int]) -> dict[int, str]:
    """Each card's FSRS state (new, learning, review, relearning)."""
    with sessions() as session:
        rows = session.execute(select(Card.id, Card.state).where(Card.id.in_(card_ids)))
        return {card_id: state for card_id, state in rows}


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
                *_reviewable(scope, now), Card.state.in_(("learning", "relearning")), Card.due > now
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
        card = session.get_one(Card, card_id, with_for_update=True)
        before = memory_of(card)
        outcome = review(card_id, before, rating, now, settings)
        _store_memory(card, outcome.after)
        log = ReviewLog(
            card_id=card_id,
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
        return log.id


def undo(sessions: sessionmaker[Session], review_id: int) -> int:
    """Put the card back as it was before the answer and delete the review-log row.

    Returns the card id, which the session shows again.
    """
    with sessions.begin() as session:
        log = session.get_one(ReviewLog, review_id)
        card = session.get_one(Card, log.card_id, with_for_update=True)
        _store_memory(card, MemoryState.from_dict(log.before))
        session.delete(log)
        return card.id


def set_suspended(sessions: sessionmaker[Session], card_id: int, suspended: bool) -> None:
    with sessions.begin() as session:
        session.execute(update(Card).where(Card.id == card_id).values(suspended=suspended))


def bury(
    sessions: sessionmaker[Session], card_id: int, now: dt.datetime, settings: SchedulerSettings
) -> dt.datetime:
    """Hide the card until the next study day starts."""
    until = next_study_day(now, settings)
    with sessions.begin() as session:
        session.execute(update(Card).where(Card.id == card_id).values(buried_until=until))
    return until


def set_flag(sessions: sessionmaker[Session], card_id: int, flag: int) -> None:
    """0 clears the flag; 1-4 are colours, as in Anki."""
    if not 0 <= flag <= 7:
        raise ValueError("flag must be between 0 and 7")
    with sessions.begin() as session:
        session.execute(update(Card).where(Card.id == card_id).values(flag=flag))
