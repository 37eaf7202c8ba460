"""Typed messages: what worker threads post back to the screens, and what screens tell the app.

Every screen's worker results are here, one dataclass each, so a test or a host app can wait on
them by type. Progress that comes in floods (`DemoProgress`) replaces its queued predecessor.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.message import Message

from studyapp.domain.scheduling import SchedulerSettings
from studyapp.store.card_data import CardData
from studyapp.store.library import FileReport
from studyapp.store.notes_data import NotesOutline
from studyapp.store.overview import Overview
from studyapp.store.search import CardHit
from studyapp.tui.review_session import Answered

if TYPE_CHECKING:
    from studyapp.demos.runner import DemoEvent, ProgressEvent, RunResult


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


# The Stats screen.


@dataclass(frozen=True, slots=True)
class BrowseFilter:
    """What the browser should show: a chapter (optionally within a deck), or one card."""

    chapter: str | None = None
    deck: str | None = None  # the deck title the statistics were filtered by, if any
    deck_id: int | None = None
    card_id: int | None = None


@dataclass
class StatsLoaded(Message):
    """The statistics document (`studyapp.store.statistics.stats_document`), built in a worker."""

    document: dict[str, Any]


@dataclass
class StatsFailed(Message):
    """The statistics could not be built (unknown filter, database error)."""

    error: str


@dataclass
class StatsShown(Message):
    """A loaded statistics document has been drawn (benchmarks and tests wait on it)."""


@dataclass
class BrowseRequested(Message):
    """Open the card browser filtered to a chapter or a card (the app handles this)."""

    filter: BrowseFilter


# The demo screen: what the run's worker and the runner's reader threads report.


@dataclass
class DemoRunStarted(Message):
    """The run is recorded and its process launched."""

    run_id: int
    run_dir: Path
    command: tuple[str, ...]


@dataclass
class DemoProgress(Message):
    """A step of training. A demo sends these by the hundred a second: a queued one that has
    not been handled yet is replaced by the newer, so the screen draws only the latest."""

    event: ProgressEvent

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, DemoProgress)


@dataclass
class DemoRunEvent(Message):
    """Any other event from the demo (device, dataset, epoch, artifact, done, error, a log
    line); each one counts, none is replaced."""

    event: DemoEvent


@dataclass
class DemoRunFinished(Message):
    """The demo's process is gone and its run recorded."""

    result: RunResult


@dataclass
class DemoRunNotStarted(Message):
    """The run could not even be recorded or launched (an unknown demo, no database)."""

    message: str
