"""The card-info panel's figures: a card's review history, its FSRS memory (stability,
difficulty, retrievability today) and its due date. Plain Python; imports no UI."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.models import Card, Deck, ReviewLog
from studyapp.domain.render import render_text
from studyapp.domain.scheduling import SchedulerSettings, retrievability
from studyapp.store.review import memory_of


@dataclass(frozen=True, slots=True)
class ReviewRow:
    reviewed_at: dt.datetime
    rating: int
    state_before: str
    interval: dt.timedelta | None
    """Until the due date this answer gave the card."""
    duration_ms: int


@dataclass(frozen=True, slots=True)
class CardInfo:
    card_id: int
    question: str
    deck: str
    location: str
    state: str
    due: dt.datetime | None
    stability: float | None
    difficulty: float | None
    retrievability: float | None
    """Predicted recall today; None for a card never studied."""
    reps: int
    lapses: int
    suspended: bool
    buried_until: dt.datetime | None
    flag: int
    history: list[ReviewRow]


def load_card_info(
    sessions: sessionmaker[Session], card_id: int, now: dt.datetime, settings: SchedulerSettings
) -> CardInfo | None:
    with sessions() as session:
        return _card_info(session, card_id, now, settings)


def _card_info(
    session: Session, card_id: int, now: dt.datetime, settings: SchedulerSettings
) -> CardInfo | None:
    row = session.execute(
        select(Card, Deck.title).join(Deck, Deck.id == Card.deck_id).where(Card.id == card_id)
    ).one_or_none()
    if row is None:
        return None
    card, deck = row
    history = [
        ReviewRow(
            log.reviewed_at,
            log.rating,
            log.state_before,
            _interval(log.after.get("due"), log.reviewed_at),
            log.duration_ms,
        )
        for log in session.scalars(
            select(ReviewLog).where(ReviewLog.card_id == card_id).order_by(ReviewLog.reviewed_at)
        )
    ]
    memory = memory_of(card)
    studied = memory.state != "new" and memory.stability is not None
    return CardInfo(
        card_id=card.id,
        question=render_text(card.question),
        deck=deck,
        location=f"{card.source_file.rsplit('/', 1)[-1]}:{card.source_line}",
        state=card.state,
        due=card.due if card.state != "new" else None,
        stability=card.stability,
        difficulty=card.difficulty,
        retrievability=retrievability(memory, now, settings) if studied else None,
        reps=card.reps,
        lapses=card.lapses,
        suspended=card.suspended,
        buried_until=card.buried_until if card.buried_until and card.buried_until > now else None,
        flag=card.flag,
        history=history,
    )


def _interval(due: str | None, reviewed_at: dt.datetime) -> dt.timedelta | None:
    if not due:
        return None
    return dt.datetime.fromisoformat(due).astimezone(dt.UTC) - reviewed_at
