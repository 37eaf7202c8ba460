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

# Only the fields' types: every screen imports these messages, and loading the store modules
# they name (the importer and its parsers, search, ...) would slow `studyapp review`'s start.
if TYPE_CHECKING:
    from studyapp.demos.runner import DemoEvent, ProgressEvent, RunResult
    from studyapp.domain.scheduling import SchedulerSettings
    from studyapp.store.card_actions import CardChange
    from studyapp.store.card_data import CardData
    from studyapp.store.card_info import CardInfo
    from studyapp.store.library import FileReport
    from studyapp.store.new_cards import AddedCard, WritableDeck
    from studyapp.store.notes_data import NotesOutline
    from studyapp.store.overview import Overview
    from studyapp.store.queue import QueuePlan, QueueScope
    from studyapp.store.search import CardHit
    from studyapp.store.settings import DeckLimit
    from studyapp.tui.review_session import Answered


@dataclass
class OverviewLoaded(Message):
    """Deck and chapter counts and today's progress, for the home screen."""

    overview: Overview


@dataclass
class QueueBuilt(Message):
    """Today's queue for a review session (with each card's state); `merge` when it was built
    again because the deck files changed under a running session."""

    plan: QueuePlan
    merge: bool = False


@dataclass
class CardLoaded(Message):
    """A card to show now (`prefetch` False) or to prepare behind the current one."""

    card: CardData | None
    card_id: int
    prefetch: bool = False


@dataclass
class AnswerRecorded(Message):
    """An answer is committed (`change` None for a cram answer, stored nowhere); the next
    card may show."""

    answered: Answered
    change: CardChange | None


@dataclass
class CardsChanged(Message):
    """Cards were suspended, buried, flagged, reset or rescheduled; the change is on the
    app's undo stack."""

    change: CardChange


@dataclass
class ChangeUndone(Message):
    """The last change is taken back in the database; the screen shows its cards again."""

    change: CardChange


@dataclass
class CardInfoLoaded(Message):
    info: CardInfo | None


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
    """One page of the browser's hits; `total` counts every page; `suggestions` are the
    closest terms when nothing was found."""

    query: str
    hits: list[CardHit]
    total: int
    offset: int = 0
    suggestions: list[str] | None = None


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
class LibraryFilesChanged(Message):
    """The watcher saw these deck files change (posted from its thread to the app)."""

    paths: list[str]


@dataclass
class LibraryChanged(Message, bubble=False):
    """Changed deck files were imported again; the screen on show refreshes its counts. It
    does not bubble: the app hands it to the screen, which must not hand it back."""

    reports: list[FileReport]


@dataclass
class WritableDecksLoaded(Message):
    """The files a new card can be written to (the add-card form's choices)."""

    decks: list[WritableDeck]


@dataclass
class CardAdded(Message):
    added: AddedCard


@dataclass
class CardNotAdded(Message):
    problem: str


@dataclass
class DeckLimitLoaded(Message):
    limit: DeckLimit


@dataclass
class DeckLimitSaved(Message):
    limit: DeckLimit


@dataclass
class ExtraNewGranted(Message):
    """A custom study granted extra new cards today; the session may start."""

    scope: QueueScope
    label: str


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
