"""Typed messages: what worker threads post back to the screens, and what screens tell the app."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from textual.message import Message

from studyapp.domain.scheduling import SchedulerSettings
from studyapp.store.card_data import CardData
from studyapp.store.library import FileReport
from studyapp.store.notes_data import NotesOutline
from studyapp.store.overview import Overview
from studyapp.store.search import CardHit
from studyapp.tui.review_session import Answered


@dataclass
class OverviewLoaded(Message):
    """Deck and chapter counts and today's progress, for the home screen."""

    overview: Overview


@dataclass
class QueueBuilt(Message):
    """Today's queue for a review session: (card id, state) in order."""

    cards: list[tuple[int, str]]


@dataclass
class CardLoaded(Message):
    """A card to show now (`prefetch` False) or to prepare behind the current one."""

    card: CardData | None
    card_id: int
    prefetch: bool = False


@dataclass
class AnswerRecorded(Message):
    """An answer is committed; the next card may show."""

    answered: Answered


@dataclass
class AnswerUndone(Message):
    """The last answer is gone from the database; its card shows again."""

    answered: Answered


@dataclass
class CardSetAside(Message):
    """A card was suspended or buried; the session moves on."""

    card_id: int
    action: str  # "suspended" | "buried"
    until: dt.datetime | None = None


@dataclass
class FlagChanged(Message):
    card_id: int
    flag: int


@dataclass
class SourceReimported(Message):
    """The card's file was edited and imported again."""

    card_id: int
    reports: list[FileReport]


@dataclass
class NextDueLoaded(Message):
    """When the next card is due, for the session summary."""

    next_due: dt.datetime | None


@dataclass
class SearchResults(Message):
    query: str
    hits: list[CardHit]


@dataclass
class SettingsSaved(Message):
    settings: SchedulerSettings


@dataclass
class SettingsRejected(Message):
    problems: list[str]


@dataclass
class LaunchDemo(Message):
    """Run a demo linked to a card; the app's `launch_demo` hook receives it."""

    card_id: int
    demo_name: str


@dataclass
class NotesLoaded(Message):
    outline: NotesOutline


@dataclass
class BrowserFiltersLoaded(Message):
    """The choices of the browser's deck and chapter filters."""

    decks: list[tuple[int, str]]
    chapters: list[str]
