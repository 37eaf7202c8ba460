"""Today's queue and the room left in each deck's daily limits: the one set of rules that both
the review session and the home screen's counts follow, so the two always agree.

A deck here is what Home lists: the decks (part files) sharing a display title. Each has its
own daily limits (`studyapp.store.settings.DeckLimit`, the global ones by default) plus any
extra new cards a custom study session granted for today. Learning cards count once they are
due within the learn-ahead window, as in Anki.

Custom study sessions (`QueueScope.mode`) draw other cards: today's Agains, flagged cards, or
every card of a scope to cram (the screen writes nothing for a cram answer).

Imports neither Textual nor Keras.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, sessionmaker

from db.models import Card, CardState, Deck, ReviewLog
from studyapp.domain.book_title import natural_key
from studyapp.domain.scheduling import (
    SchedulerSettings,
    next_study_day,
    study_day_start,
    study_zone,
)
from studyapp.store.settings import DeckLimit, deck_limits_in, extra_new_in

# Anki's default: a learning card due within 20 minutes counts as today's learning now.
LEARN_AHEAD = dt.timedelta(minutes=20)
LEARNING_STATES = ("learning", "relearning")

QueueMode = Literal["due", "again_today", "flagged", "cram"]


@dataclass(frozen=True, slots=True)
class QueueScope:
    """Which cards a session draws from: everything, one deck (all part files of a book), or
    one chapter of it; and which of them (`mode`): today's due cards, or a custom study."""

    deck_ids: tuple[int, ...] | None = None
    chapter: str | None = None
    mode: QueueMode = "due"

    @property
    def writes_schedule(self) -> bool:
        """False for cramming: answers are shown and counted, never stored."""
        return self.mode != "cram"


@dataclass(frozen=True, slots=True)
class TodayCounts:
    reviewed: int
    new_learned: int
    again: int
    seconds: float


@dataclass(frozen=True, slots=True)
class DeckGroup:
    """The decks Home shows as one row: every part file of a book, by display title."""

    title: str
    book_key: str
    deck_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class DeckRoom:
    """How many more new cards and reviews a deck may show today."""

    new: int
    reviews: int


@dataclass(slots=True)
class QueuePlan:
    ids: list[int] = field(default_factory=list)
    """The cards to show, in order: learning cards due now, then reviews with new mixed in."""
    learning_ahead: dict[int, dt.datetime] = field(default_factory=dict)
    """Learning cards due within the learn-ahead window but not yet: counted from the start
    (as Home counts them), shown once due."""
    states: dict[int, str] = field(default_factory=dict)
    """Each planned card's state (new, learning, review, relearning), for the session's
    counts: the queries that choose the cards know it already."""


def reviewable(
    scope: QueueScope, now: dt.datetime, *, buried_too: bool = False
) -> list[ColumnElement[bool]]:
    """The cards of `scope` a session may show: live, not suspended, not buried at `now`."""
    conditions: list[ColumnElement[bool]] = [Card.retired_at.is_(None), Card.suspended.is_(False)]
    if not buried_too:
        conditions.append((Card.buried_until.is_(None)) | (Card.buried_until <= now))
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


def deck_groups(session: Session) -> list[DeckGroup]:
    """The decks with cards, grouped by display title, in natural title order."""
    grouped: dict[str, list[tuple[int, str]]] = {}
    for deck_id, title, book_key in session.execute(
        select(Deck.id, Deck.title, Deck.book_key)
        .where(Deck.id.in_(select(Card.deck_id).distinct()))
        .order_by(Deck.id)
    ):
        grouped.setdefault(title, []).append((deck_id, book_key or title.casefold()))
    return [
        DeckGroup(title, members[0][1], tuple(deck_id for deck_id, _key in members))
        for title, members in sorted(grouped.items(), key=lambda item: natural_key(item[0]))
    ]


def study_date(now: dt.datetime, settings: SchedulerSettings) -> dt.date:
    """The local date the current study day is named after."""
    return study_day_start(now, settings).astimezone(study_zone(settings)).date()


def deck_rooms(
    session: Session, now: dt.datetime, settings: SchedulerSettings, groups: list[DeckGroup]
) -> dict[str, DeckRoom]:
    """Each deck's room left today, by title: its limits (plus today's extra new cards) less
    the new cards learned and the reviews answered in it since the study day began."""
    start = study_day_start(now, settings)
    done = {
        title: (new, reviews)
        for title, new, reviews in session.execute(
            select(
                Deck.title,
                func.count(ReviewLog.id).filter(ReviewLog.state_before == "new"),
                func.count(ReviewLog.id).filter(ReviewLog.state_before == "review"),
            )
            .join(Card, Card.id == ReviewLog.card_id)
            .join(Deck, Deck.id == Card.deck_id)
            .where(ReviewLog.reviewed_at >= start, ReviewLog.reviewed_at <= now)
            .group_by(Deck.title)
        )
    }
    limits = deck_limits_in(session)
    extra = extra_new_in(session, study_date(now, settings))
    rooms = {}
    for group in groups:
        limit = limits.get(group.book_key, DeckLimit())
        new_done, reviews_done = done.get(group.title, (0, 0))
        new_limit = limit.new(settings) + extra.get(group.book_key, 0)
        rooms[group.title] = DeckRoom(
            max(0, new_limit - new_done), max(0, limit.reviews(settings) - reviews_done)
        )
    return rooms


def build_queue(
    sessions: sessionmaker[Session],
    now: dt.datetime,
    settings: SchedulerSettings,
    scope: QueueScope = QueueScope(),
) -> list[int]:
    """The card ids to show now, in order (see `plan_queue`)."""
    return plan_queue(sessions, now, settings, scope).ids


def plan_queue(
    sessions: sessionmaker[Session],
    now: dt.datetime,
    settings: SchedulerSettings,
    scope: QueueScope = QueueScope(),
) -> QueuePlan:
    """Today's queue: learning cards due now, then due reviews with new cards mixed in evenly,
    each deck's within the room left in its limits; and the learning cards due soon."""
    with sessions() as session:
        if scope.mode != "due":
            ids = _custom_queue(session, now, settings, scope)
            states = session.execute(select(Card.id, Card.state).where(Card.id.in_(ids)))
            return QueuePlan(ids, states={card_id: state for card_id, state in states})
        return _due_queue(session, now, settings, scope)


def _in_scope(groups: list[DeckGroup], scope: QueueScope) -> list[DeckGroup]:
    if scope.deck_ids is None:
        return groups
    wanted = set(scope.deck_ids)
    return [g for g in groups if wanted & set(g.deck_ids)]


def _scheduled_in(scope: QueueScope, now: dt.datetime) -> list[ColumnElement[bool]]:
    """`reviewable` for a query that reads `CardState` joined to its `Card`: the learner's own
    columns rather than the card's per-learner subqueries, so the queue index
    (learner, state, due) finds the learning and review cards without visiting the others."""
    conditions: list[ColumnElement[bool]] = [
        Card.retired_at.is_(None),
        CardState.suspended.is_(False),
        (CardState.buried_until.is_(None)) | (CardState.buried_until <= now),
    ]
    if scope.deck_ids is not None:
        conditions.append(Card.deck_id.in_(scope.deck_ids))
    if scope.chapter is not None:
        conditions.append(Card.chapter == scope.chapter)
    return conditions


def _due_queue(
    session: Session, now: dt.datetime, settings: SchedulerSettings, scope: QueueScope
) -> QueuePlan:
    end_of_day = next_study_day(now, settings)
    scheduled = _scheduled_in(scope, now)
    plan = QueuePlan()
    # A card new to the learner has no state row, and is neither learning nor a review: these
    # two queries start from the learner's states (a range of the queue index) and join the
    # card, where a query over the cards would test every card's state.
    for card_id, state, due in session.execute(
        select(CardState.card_id, CardState.state, CardState.due)
        .join(Card, Card.id == CardState.card_id)
        .where(
            *scheduled,
            CardState.state.in_(LEARNING_STATES),
            CardState.due <= now + LEARN_AHEAD,
        )
        .order_by(CardState.due, CardState.card_id)
    ):
        plan.states[card_id] = state
        if due is None or due <= now:
            plan.ids.append(card_id)
        else:
            plan.learning_ahead[card_id] = due
    groups = _in_scope(deck_groups(session), scope)
    rooms = deck_rooms(session, now, settings, groups)
    # Every deck's due reviews in one pass, in due order; each deck keeps the first of its own
    # up to its room, which is what a per-deck `ORDER BY due LIMIT room` would give.
    room_left = {group.title: rooms[group.title].reviews for group in groups}
    group_of = {deck_id: group.title for group in groups for deck_id in group.deck_ids}
    reviews: list[int] = []
    for card_id, deck_id in session.execute(
        select(CardState.card_id, Card.deck_id)
        .join(Card, Card.id == CardState.card_id)
        .where(*scheduled, CardState.state == "review", CardState.due < end_of_day)
        .order_by(CardState.due, CardState.card_id)
    ):
        title = group_of.get(deck_id)
        if title is not None and room_left[title] > 0:
            room_left[title] -= 1
            reviews.append(card_id)
            plan.states[card_id] = "review"
    base = reviewable(scope, now)
    new: list[int] = []
    for group in groups:
        room = rooms[group.title].new
        if room <= 0:
            continue
        new += session.scalars(
            select(Card.id)
            .join(Deck, Deck.id == Card.deck_id)
            .where(*base, Card.deck_id.in_(group.deck_ids), Card.state == "new")
            # Source order: a book's parts in part order (Part 2 before Part 10).
            .order_by(func.coalesce(Deck.part, 0), Card.deck_id, Card.position)
            .limit(room)
        )
    plan.states.update(dict.fromkeys(new, "new"))
    plan.ids += interleave(reviews, new)
    return plan


def _custom_queue(
    session: Session, now: dt.datetime, settings: SchedulerSettings, scope: QueueScope
) -> list[int]:
    base = reviewable(scope, now)
    source_order = (Card.deck_id, Card.position, Card.id)
    if scope.mode == "again_today":
        last_again = func.max(ReviewLog.reviewed_at)
        return list(
            session.scalars(
                select(Card.id)
                .join(ReviewLog, ReviewLog.card_id == Card.id)
                .where(
                    *base,
                    ReviewLog.rating == 1,
                    ReviewLog.reviewed_at >= study_day_start(now, settings),
                    ReviewLog.reviewed_at <= now,
                )
                .group_by(Card.id)
                .order_by(last_again, Card.id)
            )
        )
    if scope.mode == "flagged":
        flagged = select(Card.id).where(*base, Card.flag != 0)
        return list(session.scalars(flagged.order_by(*source_order)))
    # Cramming shows every live card of the scope, buried ones too: nothing is rescheduled.
    cram = select(Card.id).where(*reviewable(scope, now, buried_too=True))
    return list(session.scalars(cram.order_by(*source_order)))


def interleave(reviews: list[int], new: list[int]) -> list[int]:
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
