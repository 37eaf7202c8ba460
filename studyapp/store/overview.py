"""The home screen's numbers: per deck and chapter new / learning / due, and today's progress.

Plain SQLAlchemy (no Textual import), run in a worker thread. The counts follow the rules of
`studyapp.store.queue`, the module that builds the review queue, so Home and Review agree:
retired, suspended and buried cards are left out, reviews count until the study day ends,
learning cards once they are due within the learn-ahead window, and new cards and reviews
within the room left in each deck's own daily limits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, sessionmaker

from db.models import Card, Deck
from studyapp.domain.book_title import natural_key
from studyapp.domain.scheduling import SchedulerSettings, next_study_day
from studyapp.store.queue import (
    LEARN_AHEAD,
    LEARNING_STATES,
    DeckRoom,
    QueueScope,
    TodayCounts,
    deck_groups,
    deck_rooms,
    today_counts,
)
from studyapp.store.review import next_due_in


@dataclass(frozen=True, slots=True)
class Counts:
    new: int = 0
    learning: int = 0
    due: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.new + other.new, self.learning + other.learning, self.due + other.due)

    def capped(self, room: DeckRoom) -> Counts:
        """What a session may show of these: new cards and reviews within the deck's room."""
        return Counts(min(self.new, room.new), self.learning, min(self.due, room.reviews))


@dataclass(frozen=True, slots=True)
class ChapterRow:
    chapter: str | None
    counts: Counts
    scope: QueueScope


@dataclass(frozen=True, slots=True)
class DeckRow:
    deck_id: int
    title: str
    book_key: str
    counts: Counts
    scope: QueueScope
    chapters: list[ChapterRow] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Overview:
    decks: list[DeckRow]
    totals: Counts
    today: TodayCounts
    next_due: dt.datetime | None

    @property
    def again_rate(self) -> float | None:
        return self.today.again / self.today.reviewed if self.today.reviewed else None


def load_overview(
    sessions: sessionmaker[Session], now: dt.datetime, settings: SchedulerSettings
) -> Overview:
    with sessions() as session:
        return _load_overview(session, now, settings)


def _load_overview(session: Session, now: dt.datetime, settings: SchedulerSettings) -> Overview:
    end_of_day = next_study_day(now, settings)
    today = today_counts(session, now, settings)
    groups = deck_groups(session)
    rooms = deck_rooms(session, now, settings, groups)
    live = (
        Card.retired_at.is_(None)
        & Card.suspended.is_(False)
        & (Card.buried_until.is_(None) | (Card.buried_until <= now))
    )
    learning = Card.state.in_(LEARNING_STATES) & (Card.due <= now + LEARN_AHEAD)
    rows = session.execute(
        select(
            Deck.title,
            Card.chapter,
            func.count(case((live & (Card.state == "new"), Card.id))),
            func.count(case((live & learning, Card.id))),
            func.count(case((live & (Card.state == "review") & (Card.due < end_of_day), Card.id))),
            func.min(func.coalesce(Deck.part, 0)),
            func.min(Card.position),
        )
        .join(Deck, Card.deck_id == Deck.id)
        .where(Card.retired_at.is_(None))
        .group_by(Deck.title, Card.chapter)
    ).all()
    # A book's chapters in the order of its parts, then of the cards in them.
    rows = sorted(rows, key=lambda r: (natural_key(r[0]), r[5], r[6]))
    raw: dict[str, list[tuple[str | None, Counts]]] = {}
    for title, chapter, new, learn, due, _part, _position in rows:
        raw.setdefault(title, []).append((chapter, Counts(new, learn, due)))
    decks = []
    totals = Counts()
    for group in groups:
        chapters = raw.get(group.title, [])
        if not chapters:
            continue  # every card of the deck is retired
        room, ids = rooms[group.title], group.deck_ids
        deck_counts = sum((counts for _chapter, counts in chapters), Counts()).capped(room)
        totals += deck_counts
        chapter_rows = [
            ChapterRow(chapter, counts.capped(room), QueueScope(ids, chapter))
            for chapter, counts in chapters
        ]
        decks.append(
            DeckRow(ids[0], group.title, group.book_key, deck_counts, QueueScope(ids), chapter_rows)
        )
    return Overview(decks, totals, today, next_due_in(session, now))
