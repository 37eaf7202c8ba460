"""User settings stored in the database's `settings` table (one JSON value per key).

Besides the scheduler settings: per-deck daily limits (`deck_limits`, by book key, each one
falling back to the global limit) and the extra new cards a custom study session granted for
one study day (`extra_new`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.learner_scope import bound_learner
from db.models import Setting
from studyapp.domain.scheduling import SchedulerSettings

SCHEDULER_KEY = "scheduler"
DECK_LIMITS_KEY = "deck_limits"
EXTRA_NEW_KEY = "extra_new"


def load_scheduler_settings(sessions: sessionmaker[Session]) -> SchedulerSettings:
    with sessions() as session:
        value = session.scalar(select(Setting.value).where(Setting.key == SCHEDULER_KEY))
    return SchedulerSettings.from_dict(value) if value else SchedulerSettings()


def save_scheduler_settings(sessions: sessionmaker[Session], settings: SchedulerSettings) -> None:
    problems = settings.validate()
    if problems:
        raise ValueError("; ".join(problems))
    with sessions.begin() as session:
        _store(session, SCHEDULER_KEY, settings.to_dict())


@dataclass(frozen=True, slots=True)
class DeckLimit:
    """A deck's own daily limits; None takes the global one."""

    new_per_day: int | None = None
    reviews_per_day: int | None = None

    def new(self, settings: SchedulerSettings) -> int:
        return settings.new_per_day if self.new_per_day is None else self.new_per_day

    def reviews(self, settings: SchedulerSettings) -> int:
        return settings.reviews_per_day if self.reviews_per_day is None else self.reviews_per_day


def _store(session: Session, key: str, value: Any) -> None:
    """Set the session's learner's `key` (settings are per learner)."""
    session.merge(Setting(learner_id=bound_learner(session), key=key, value=value))


def _value(session: Session, key: str) -> Any:
    return session.scalar(select(Setting.value).where(Setting.key == key))


def deck_limits_in(session: Session) -> dict[str, DeckLimit]:
    """Every deck's own limits, by book key."""
    stored = _value(session, DECK_LIMITS_KEY) or {}
    return {key: DeckLimit(**value) for key, value in stored.items()}


def load_deck_limit(sessions: sessionmaker[Session], book_key: str) -> DeckLimit:
    with sessions() as session:
        return deck_limits_in(session).get(book_key, DeckLimit())


def save_deck_limit(sessions: sessionmaker[Session], book_key: str, limit: DeckLimit) -> None:
    """Set one deck's limits; a limit of None goes back to the global default."""
    for value in (limit.new_per_day, limit.reviews_per_day):
        if value is not None and value < 0:
            raise ValueError("daily limits cannot be negative")
    with sessions.begin() as session:
        stored = dict(_value(session, DECK_LIMITS_KEY) or {})
        if limit == DeckLimit():
            stored.pop(book_key, None)
        else:
            stored[book_key] = asdict(limit)
        _store(session, DECK_LIMITS_KEY, stored)


def extra_new_in(session: Session, study_day: dt.date) -> dict[str, int]:
    """The extra new cards granted for `study_day`, by book key (none on any other day)."""
    stored = _value(session, EXTRA_NEW_KEY) or {}
    if stored.get("day") != study_day.isoformat():
        return {}
    return {key: int(n) for key, n in stored.get("decks", {}).items()}


def grant_extra_new(
    sessions: sessionmaker[Session], book_key: str, count: int, study_day: dt.date
) -> int:
    """Allow `count` more new cards of a deck on `study_day`; returns the day's extra total."""
    if count < 1:
        raise ValueError("the number of extra new cards must be at least 1")
    with sessions.begin() as session:
        decks = extra_new_in(session, study_day)
        decks[book_key] = decks.get(book_key, 0) + count
        _store(session, EXTRA_NEW_KEY, {"day": study_day.isoformat(), "decks": decks})
        return decks[book_key]
