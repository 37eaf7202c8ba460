"""Pilot and snapshot tests of the Stats screen, on a small study database with a fixed clock
(Saturday 2026-11-21 12:00 UTC; study days in UTC, starting at 04:00).

Every wait is on a message the screen posts (`StatsShown`, `StatsFailed`, `BrowseRequested`
from `studyapp.tui.messages`), received by the host app; no sleeps.

Regenerate the picture after a deliberate change with
`pytest tests/tui/test_stats_screen.py --snapshot-update` and look at the report before
committing it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from db.models import Card, Deck, ReviewLog
from studyapp.domain.scheduling import SchedulerSettings
from studyapp.store.opening import Store, open_store
from studyapp.store.settings import save_scheduler_settings
from studyapp.tui.messages import BrowseFilter, BrowseRequested, StatsFailed, StatsShown
from studyapp.tui.screens.stats import StatsScreen

NOW = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC)
SIZE = (110, 34)
WAIT_S = 30
CH1 = "Chapter 1: Generative Modeling"
CH2 = "Chapter 2: Deep Learning"
CH4 = "Chapter 4: Generative Adversarial Networks"

# (chapter, question, stability, days since the last answer, lapses); None: a new card.
CARDS: list[tuple[str, str, float | None, int, int]] = [
    (CH1, "What does a generative model learn?", 60.0, 3, 0),
    (CH1, "What is maximum likelihood estimation?", 40.0, 10, 1),
    (CH1, "What is a latent space?", None, 0, 0),
    (CH2, "How many weights has a Dense layer with 3 inputs and 2 units?", 20.0, 2, 0),
    (CH2, "What does dropout do at test time?", 8.0, 6, 2),
    (CH2, "What does batch normalisation learn?", 5.0, 9, 3),
    (CH4, "What does mode collapse look like?", 1.5, 12, 9),
    (CH4, "What loss does a WGAN critic use?", 2.0, 8, 5),
    (CH4, "Why clip the critic's weights?", 3.0, 4, 8),
]


def seed(store: Store) -> dict[str, int]:
    """The cards above, and 40 days of answers (every third day skipped, today included)."""
    ids: dict[str, int] = {}
    with store.sessions.begin() as session:
        deck = Deck(
            source_path="/decks/gdl.md",
            title="Generative Deep Learning",
            format="book",
            content_hash="h",
            imported_at=NOW,
        )
        session.add(deck)
        session.flush()
        for position, (chapter, question, stability, days, lapses) in enumerate(CARDS):
            new = stability is None
            card = Card(
                deck_id=deck.id,
                identity=f"c{position}",
                kind="basic",
                question=question,
                answer="…",
                chapter=chapter,
                source_file=deck.source_path,
                source_line=position + 1,
                position=position,
                content_hash="h",
                state="new" if new else "review",
                stability=stability,
                difficulty=None if new else 5.0,
                last_review=None if new else NOW - dt.timedelta(days=days, hours=1),
                due=None if new else NOW + dt.timedelta(days=position % 5),
                reps=0 if new else 3 + lapses,
                lapses=lapses,
            )
            session.add(card)
            session.flush()
            ids[question] = card.id
        studied = [ids[c[1]] for c in CARDS if c[2] is not None]
        rows = []
        for day in range(40):
            if day % 3 == 2:
                continue
            for n in range(1 + day % 4):
                card_id = studied[(day + n) % len(studied)]
                rows.append(
                    {
                        "card_id": card_id,
                        "reviewed_at": NOW - dt.timedelta(days=day, hours=2 + n),
                        "rating": 1 if (day + n) % 5 == 0 else 3,
                        "duration_ms": 6000,
                        "state_before": "review",
                        "state_after": "review",
                        "before": {},
                        "after": {},
                    }
                )
        session.execute(insert(ReviewLog), rows)
    save_scheduler_settings(store.sessions, SchedulerSettings(timezone="UTC", fuzz=False))
    return ids


@pytest.fixture
def stats_store(tmp_path: Path) -> Iterator[Store]:
    store = open_store(str(tmp_path / "stats.db"))
    yield store
    store.close()


class StatsHost(App[None]):
    """Pushes one StatsScreen and records what it reports."""

    TITLE = "studyapp"

    def __init__(self, screen: StatsScreen) -> None:
        super().__init__()
        self.stats_screen = screen
        self.shown = asyncio.Event()
        self.failed = asyncio.Event()
        self.browse_requests: list[BrowseFilter] = []
        self.browsed = asyncio.Event()

    def on_mount(self) -> None:
        self.push_screen(self.stats_screen)

    def on_stats_shown(self, _message: StatsShown) -> None:
        self.shown.set()

    def on_stats_failed(self, _message: StatsFailed) -> None:
        self.failed.set()

    def on_browse_requested(self, message: BrowseRequested) -> None:
        self.browse_requests.append(message.filter)
        self.browsed.set()


def host(store: Store, **filters: str) -> StatsHost:
    return StatsHost(StatsScreen(store, now=lambda: NOW, **filters))


def rendered(screen: StatsScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


def cell(table: DataTable[Any], row: int, column: int) -> str:
    return str(table.get_cell_at((row, column)))


async def test_the_screen_shows_every_figure(stats_store: Store) -> None:
    seed(stats_store)
    app = host(stats_store)
    async with app.run_test(size=SIZE) as pilot:
        await asyncio.wait_for(app.shown.wait(), WAIT_S)
        await pilot.pause()
        screen = app.stats_screen
        assert screen.document is not None
        status = rendered(screen, "#stats-status")
        assert "Statistics · all decks · study day 2026-11-21" in status
        # Today (day 0): 1 answer; 27 of 40 days studied, today and yesterday in a row.
        today = rendered(screen, "#stats-today")
        assert "Answers     1" in today and "Streak      2 days" in today
        assert "Longest     2 days" in today
        heatmap = rendered(screen, "#stats-heatmap")
        assert "busiest day 4 answers" in heatmap and "Mon" in heatmap
        assert "today" in rendered(screen, "#stats-forecast")
        assert "● young" in rendered(screen, "#stats-retention")
        chapters = screen.query_one("#stats-chapters", DataTable)
        # Weakest first. By hand (FSRS-6 defaults, R = (1 + 0.98045 t / S) ** -0.1542):
        # chapter 1: (0.993 + 0.967 + 0 for its new card) / 3 = 0.65; chapter 4 (low stability,
        # old answers): (0.715 + 0.782 + 0.879) / 3 = 0.79; chapter 2: 0.92.
        assert [cell(chapters, row, 0) for row in range(chapters.row_count)] == [
            "Chapter 1: Generative M…",
            "Chapter 4: Generative A…",
            "Chapter 2: Deep Learning",
        ]
        assert [cell(chapters, row, 2) for row in range(3)] == ["65%", "79%", "92%"]
        hardest = screen.query_one("#stats-hardest", DataTable)
        assert hardest.row_count == 8  # every studied card, most lapses first
        assert cell(hardest, 0, 0) == "What does mode collapse l…"  # the column fills the table
        assert (cell(hardest, 0, 1), cell(hardest, 0, 3)) == ("9", "leech")
        assert cell(hardest, 2, 3) == ""  # 5 lapses: not a leech


async def test_enter_and_b_ask_the_app_to_browse_a_chapter_or_a_card(stats_store: Store) -> None:
    ids = seed(stats_store)
    app = host(stats_store)
    async with app.run_test(size=SIZE) as pilot:
        await asyncio.wait_for(app.shown.wait(), WAIT_S)
        await pilot.pause()
        assert app.focused is app.stats_screen.query_one("#stats-chapters")
        await pilot.press("enter")  # the weakest chapter
        await asyncio.wait_for(app.browsed.wait(), WAIT_S)
        assert app.browse_requests == [BrowseFilter(chapter=CH1)]
        app.browsed.clear()
        await pilot.press("tab", "down", "b")  # the second hardest card
        await asyncio.wait_for(app.browsed.wait(), WAIT_S)
        second = ids["Why clip the critic's weights?"]  # 8 lapses, after the 9-lapse card
        card_filter = app.browse_requests[-1]
        assert (card_filter.card_id, card_filter.chapter) == (second, CH4)
        assert card_filter.deck == "Generative Deep Learning" and card_filter.deck_id is not None
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, StatsScreen)


async def test_a_deck_filter_narrows_and_an_unknown_one_is_reported(stats_store: Store) -> None:
    seed(stats_store)
    app = host(stats_store, chapter=CH2)
    async with app.run_test(size=SIZE) as pilot:
        await asyncio.wait_for(app.shown.wait(), WAIT_S)
        await pilot.pause()
        chapters = app.stats_screen.query_one("#stats-chapters", DataTable)
        assert chapters.row_count == 1 and cell(chapters, 0, 0) == CH2
        assert CH2 in rendered(app.stats_screen, "#stats-status")
    app = host(stats_store, deck="Nope")
    async with app.run_test(size=SIZE) as pilot:
        await asyncio.wait_for(app.failed.wait(), WAIT_S)
        await pilot.pause()
        status = app.stats_screen.query_one("#stats-status", Static)
        assert str(status.render()) == "Statistics unavailable: no deck named 'Nope'"
        assert status.has_class("error")
        assert app.stats_screen.document is None


def test_snapshot(snap_compare, stats_store: Store) -> None:  # type: ignore[no-untyped-def]
    """Stats of the seeded deck at 110x34. Top: "Statistics · all decks · study day
    2026-11-21"; a Today panel (Answers 1, Again 100%, Streak 2 days, Longest 2 days, New 1,
    Review 8) beside a heatmap of as many weeks as fit (36) whose last six weeks are filled,
    every third day a grey · and the busiest day 4 answers. Then forecast bars (ticks today,
    +7 ... +28) beside the retention chart with young ● / mature ○ marks in the last weeks
    only. Bottom, filling the rest of the height: "Mastery by chapter" with chapter 1 first
    (65%, the weakest), the cursor on it, then chapter 4 (79%) and chapter 2 (92%); "Hardest
    cards" led by "What does mode collapse l…" (its column stretched to the table's width)
    with 9 lapses and a red "leech"."""
    seed(stats_store)

    async def shown(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, StatsHost)
        await asyncio.wait_for(app.shown.wait(), WAIT_S)
        await pilot.pause()

    assert snap_compare(host(stats_store), terminal_size=SIZE, run_before=shown)
