"""Every change a user makes to cards outside the notes files, each one undoable: answers,
suspend and unsuspend, bury and unbury, flags, reset to new, and a new due date.

Each function changes the cards in one transaction and returns a `CardChange`: the cards as
they were before (scheduling state and marks), and for an answer its review-log row. `undo`
puts them back exactly, so one undo stack serves every kind of change (the TUI's `u`).

Answering a reversed or cloze card buries its siblings (the other cards of the same note:
same deck, same source line) until the next study day, when the setting is on; the answer's
change holds them too, so undoing the answer unburies them.

Imports neither Textual nor Keras.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from db.models import Card, CardState, ReviewLog
from studyapp.domain.scheduling import (
    RATINGS,
    MemoryState,
    SchedulerSettings,
    day_start_of,
    next_study_day,
    study_day_start,
)
from studyapp.store.review import answer_in, locked_card, memory_of, store_memory

SIBLING_KINDS = ("reversed", "cloze")
FLAGS = range(0, 8)


@dataclass(frozen=True, slots=True)
class CardSnapshot:
    """Everything about a card that a change here may touch."""

    card_id: int
    memory: MemoryState
    suspended: bool
    buried_until: dt.datetime | None
    flag: int


@dataclass(frozen=True, slots=True)
class CardChange:
    """One undoable change: what it was (for the toast), the cards it was asked for, and
    every card it touched as it was before."""

    label: str
    card_ids: tuple[int, ...]
    before: tuple[CardSnapshot, ...]
    review_id: int | None = None
    """The review-log row an answer added (deleted again by `undo`)."""
    rating: int | None = None
    buried_siblings: tuple[int, ...] = field(default=())
    flag: int | None = None
    """The flag a flag change set."""

    @property
    def is_answer(self) -> bool:
        return self.review_id is not None

    def describe(self) -> str:
        """ "Good", "suspend (3 cards)": what the toast says was undone."""
        count = len(self.card_ids)
        return self.label if count == 1 else f"{self.label} ({count} cards)"


def _snapshot(card: Card) -> CardSnapshot:
    return CardSnapshot(card.id, memory_of(card), card.suspended, card.buried_until, card.flag)


def _cards(session: Session, card_ids: Sequence[int]) -> list[Card]:
    found = list(session.scalars(select(Card).where(Card.id.in_(card_ids)).order_by(Card.id)))
    # The learner's own state rows are what changes (cards are shared, and not theirs to lock).
    session.scalars(
        select(CardState).where(CardState.card_id.in_(card_ids)).with_for_update()
    ).all()
    missing = set(card_ids) - {card.id for card in found}
    if missing:
        raise LookupError(f"no card with id {', '.join(map(str, sorted(missing)))}")
    return found


def _change(
    sessions: sessionmaker[Session],
    card_ids: Sequence[int],
    label: str,
    apply: Callable[[Card], None],
) -> CardChange:
    with sessions.begin() as session:
        cards = _cards(session, card_ids)
        before = tuple(_snapshot(card) for card in cards)
        for card in cards:
            apply(card)
    return CardChange(label, tuple(card_ids), before)


def _set_marks(
    sessions: sessionmaker[Session], card_ids: Sequence[int], label: str, **marks: object
) -> CardChange:
    def apply(card: Card) -> None:
        for name, value in marks.items():
            setattr(card, name, value)

    return _change(sessions, card_ids, label, apply)


def suspend(sessions: sessionmaker[Session], card_ids: Sequence[int]) -> CardChange:
    return _set_marks(sessions, card_ids, "suspend", suspended=True)


def unsuspend(sessions: sessionmaker[Session], card_ids: Sequence[int]) -> CardChange:
    return _set_marks(sessions, card_ids, "unsuspend", suspended=False)


def bury(
    sessions: sessionmaker[Session],
    card_ids: Sequence[int],
    now: dt.datetime,
    settings: SchedulerSettings,
) -> CardChange:
    """Hide the cards until the next study day starts."""
    return _set_marks(sessions, card_ids, "bury", buried_until=next_study_day(now, settings))


def unbury(sessions: sessionmaker[Session], card_ids: Sequence[int]) -> CardChange:
    return _set_marks(sessions, card_ids, "unbury", buried_until=None)


def set_flag(sessions: sessionmaker[Session], card_ids: Sequence[int], flag: int) -> CardChange:
    """0 clears the flag; 1-4 are Anki's red, orange, green and blue (up to 7 are kept)."""
    if flag not in FLAGS:
        raise ValueError("flag must be between 0 and 7")
    change = _set_marks(sessions, card_ids, "unflag" if flag == 0 else "flag", flag=flag)
    return dataclasses.replace(change, flag=flag)


def reset(sessions: sessionmaker[Session], card_ids: Sequence[int]) -> CardChange:
    """Back to new, as if never studied; the review log is kept (Anki's "Forget")."""

    def apply(card: Card) -> None:
        store_memory(card, MemoryState())

    return _change(sessions, card_ids, "reset", apply)


def reschedule(
    sessions: sessionmaker[Session],
    card_ids: Sequence[int],
    date: dt.date,
    now: dt.datetime,
    settings: SchedulerSettings,
) -> CardChange:
    """Due on the local `date` (when that study day begins), as Anki's "Set due date".

    A review card keeps its memory and only moves; a new or learning card becomes a review
    card whose stability is the interval it was given, so FSRS has a state to go on from.
    """
    due = day_start_of(date, settings)
    if due < study_day_start(now, settings):
        raise ValueError("the due date must be today or later")
    days = max(1.0, (due - now).total_seconds() / 86400)

    def apply(card: Card) -> None:
        memory = memory_of(card)
        if memory.state != "review" or memory.stability is None:
            memory = MemoryState(
                state="review",
                step=None,
                stability=days,
                difficulty=memory.difficulty or 5.0,
                last_review=now,
                reps=memory.reps,
                lapses=memory.lapses,
            )
        store_memory(card, dataclasses.replace(memory, due=due))

    return _change(sessions, card_ids, "reschedule", apply)


def siblings_of(session: Session, card: Card) -> list[Card]:
    """The other live cards of the same note: a reversed pair, or a cloze note's deletions."""
    if card.kind not in SIBLING_KINDS:
        return []
    return list(
        session.scalars(
            select(Card)
            .where(
                Card.deck_id == card.deck_id,
                Card.source_line == card.source_line,
                Card.kind.in_(SIBLING_KINDS),
                Card.id != card.id,
                Card.retired_at.is_(None),
            )
            .order_by(Card.id)
        )
    )


def answer(
    sessions: sessionmaker[Session],
    card_id: int,
    rating: int,
    *,
    settings: SchedulerSettings,
    now: dt.datetime,
    duration_ms: int = 0,
) -> CardChange:
    """Record one answer (its own transaction) and, with `bury_siblings` on, bury the card's
    siblings that are not in the middle of their learning steps until the next study day."""
    with sessions.begin() as session:
        card = locked_card(session, card_id)
        before = [_snapshot(card)]
        buried: list[int] = []
        if settings.bury_siblings:
            until = next_study_day(now, settings)
            for sibling in siblings_of(session, card):
                if sibling.state in ("new", "review") and not sibling.suspended:
                    before.append(_snapshot(sibling))
                    sibling.buried_until = until
                    buried.append(sibling.id)
        log = answer_in(session, card, rating, now, settings, duration_ms)
        return CardChange(
            RATINGS[rating],
            (card_id,),
            tuple(before),
            review_id=log.id,
            rating=rating,
            buried_siblings=tuple(buried),
        )


def undo(sessions: sessionmaker[Session], change: CardChange) -> None:
    """Put every card the change touched back as it was, and delete an answer's log row."""
    with sessions.begin() as session:
        if change.review_id is not None:
            session.execute(delete(ReviewLog).where(ReviewLog.id == change.review_id))
        cards = {card.id: card for card in _cards(session, [s.card_id for s in change.before])}
        for snapshot in change.before:
            card = cards[snapshot.card_id]
            store_memory(card, snapshot.memory)
            card.suspended = snapshot.suspended
            card.buried_until = snapshot.buried_until
            card.flag = snapshot.flag
