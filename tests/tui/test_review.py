"""Pilot tests of the review loop: keys in, database rows out.

Each test drives the app by keys and asserts on the database (card state, review log), with
the clock frozen or moved by hand. The fixture deck has five new cards, in this order: four
book cards (maximum likelihood, generative models, latent space, the MLP with a demo link and a
long answer) and one definition card from the notes (stride).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.models import Card, ReviewLog
from studyapp.domain.scheduling import SchedulerSettings
from studyapp.store.opening import Store
from studyapp.store.settings import save_scheduler_settings
from studyapp.tui.app import StudyApp
from studyapp.tui.screens.home import HomeScreen
from studyapp.tui.screens.review import ReviewScreen
from studyapp.tui.screens.summary import SummaryScreen
from tests.tui.conftest import SIZE, START, Clock, card_id, settle

MLE = "What does maximum likelihood"
GENERATIVE = "Which density"
LATENT = "What is a latent space"
MLP = "Write the Keras MLP"


def card(store: Store, card_id_: int) -> Card:
    with store.sessions() as session:
        return session.get_one(Card, card_id_)


def log_rows(store: Store, card_id_: int | None = None) -> list[ReviewLog]:
    with store.sessions() as session:
        query = select(ReviewLog).order_by(ReviewLog.id)
        if card_id_ is not None:
            query = query.where(ReviewLog.card_id == card_id_)
        return list(session.scalars(query))


def review_screen(app: StudyApp) -> ReviewScreen:
    assert isinstance(app.screen, ReviewScreen), app.screen
    return app.screen


def shown(app: StudyApp) -> int:
    current = review_screen(app).current
    assert current is not None, [n.message for n in app._notifications]
    return current.card_id


async def start_review(pilot) -> ReviewScreen:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("r")
    await settle(pilot)
    return review_screen(pilot.app)


async def answer(pilot, rating: int) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("space")
    await pilot.press(str(rating))
    await settle(pilot)


def use_settings(store: Store, **changes: object) -> None:
    values = SchedulerSettings(timezone="UTC", fuzz=False).to_dict() | changes
    save_scheduler_settings(store.sessions, SchedulerSettings.from_dict(values))


class TestRevealAndRate:
    async def test_space_reveals_the_answer_and_the_buttons_show_intervals(
        self, make: Callable[..., StudyApp], study_store: Store
    ) -> None:
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            screen = await start_review(pilot)
            assert shown(app) == card_id(study_store, MLE)
            view = screen.current_view()
            assert view is not None and not view.revealed
            assert not view.query_one(".card-answer").display
            await pilot.press("1")  # rating before the answer is shown does nothing
            await settle(pilot)
            assert log_rows(study_store) == []
            await pilot.press("space")
            await pilot.pause()
            assert view.revealed and view.query_one(".card-answer").display
            labels = [str(screen.query_one(f"#rate-{r}").label) for r in (1, 2, 3, 4)]
            assert labels == ["1 Again  1m", "2 Hard  6m", "3 Good  10m", "4 Easy  8d"]

    @pytest.mark.parametrize(
        ("rating", "state_after"),
        [(1, "learning"), (2, "learning"), (3, "learning"), (4, "review")],
    )
    async def test_each_rating_is_committed_before_the_next_card_shows(
        self,
        make: Callable[..., StudyApp],
        study_store: Store,
        rating: int,
        state_after: str,
    ) -> None:
        app = make()
        first = card_id(study_store, MLE)
        async with app.run_test(size=SIZE) as pilot:
            screen = await start_review(pilot)
            logged_when_shown: list[int] = []
            original_show = screen.show

            def spy(card, view=None):  # type: ignore[no-untyped-def]
                logged_when_shown.append(len(log_rows(study_store, first)))
                original_show(card, view)

            screen.show = spy  # type: ignore[method-assign]
            await answer(pilot, rating)
            assert shown(app) == card_id(study_store, GENERATIVE)
        assert logged_when_shown == [1]
        [row] = log_rows(study_store, first)
        assert (row.rating, row.state_before, row.state_after) == (rating, "new", state_after)
        assert row.reviewed_at == START
        stored = card(study_store, first)
        assert (stored.state, stored.reps, stored.last_review) == (state_after, 1, START)
        assert stored.due is not None and stored.due > START

    async def test_undo_restores_the_card_and_deletes_the_log_row(
        self, make: Callable[..., StudyApp], study_store: Store
    ) -> None:
        app = make()
        first = card_id(study_store, MLE)
        async with app.run_test(size=SIZE) as pilot:
            await start_review(pilot)
            await answer(pilot, 3)
            assert len(log_rows(study_store, first)) == 1
            await pilot.press("u")
            await settle(pilot)
            assert shown(app) == first
            view = review_screen(app).current_view()
            assert view is not None and not view.revealed
        assert log_rows(study_store) == []
        restored = card(study_store, first)
        assert (restored.state, restored.reps, restored.due, restored.stability) == (
            "new",
            0,
            None,
            None,
        )

    async def test_a_learning_card_comes_back_when_due_never_twice_in_a_row(
        self, make: Callable[..., StudyApp], study_store: Store, clock: Clock
    ) -> None:
        """An Again comes back after the other card, and when it is the only one left, not
        before the minute its button said: the session waits for it."""
        use_settings(study_store, new_per_day=1)  # one new card of each deck
        app = make()
        first = card_id(study_store, MLE)
        async with app.run_test(size=SIZE) as pilot:
            screen = await start_review(pilot)
            await answer(pilot, 1)  # Again: back in a minute, inside the learn-ahead window
            assert shown(app) == card_id(study_store, "What is meant by")
            await answer(pilot, 4)
            assert screen.current is None and screen.waiting is not None
            waiting = str(screen.query_one("#review-waiting").render())
            assert "Next card in 1:00" in waiting
            assert "Learning 1" in str(screen.query_one("#review-counts").render())
            clock.advance(seconds=59)
            await pilot.press("space")
            await settle(pilot)
            assert screen.current is None
            clock.advance(seconds=1)
            await pilot.press("space")
            await settle(pilot)
            assert shown(app) == first
            await answer(pilot, 4)
            assert isinstance(app.screen, SummaryScreen)
        assert [r.rating for r in log_rows(study_store, first)] == [1, 4]

    async def test_long_answers_scroll(
        self, make: Callable[..., StudyApp], study_store: Store
    ) -> None:
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await start_review(pilot)
            for _ in range(3):
                await answer(pilot, 4)
            assert shown(app) == card_id(study_store, MLP)
            await pilot.press("space")
            await settle(pilot)
            view = review_screen(app).current_view()
            assert view is not None and view.max_scroll_y > 0
            await pilot.press("pagedown")
            await pilot.pause()
            assert view.scroll_y > 0


class TestSetAside:
    async def test_suspend(self, make: Callable[..., StudyApp], study_store: Store) -> None:
        app = make()
        first = card_id(study_store, MLE)
        async with app.run_test(size=SIZE) as pilot:
            await start_review(pilot)
            await pilot.press("s")
            await settle(pilot)
            assert shown(app) == card_id(study_store, GENERATIVE)
        assert card(study_store, first).suspended
        assert log_rows(study_store) == []

    async def test_bury_hides_the_card_until_the_next_study_day(
        self, make: Callable[..., StudyApp], study_store: Store, clock: Clock
    ) -> None:
        app = make()
        first = card_id(study_store, MLE)
        async with app.run_test(size=SIZE) as pilot:
            await start_review(pilot)
            await pilot.press("b")
            await settle(pilot)
            assert shown(app) == card_id(study_store, GENERATIVE)
            assert card(study_store, first).buried_until == dt.datetime(
                2026, 3, 3, 4, 0, tzinfo=dt.UTC
            )
            await pilot.press("escape")
            clock.now = dt.datetime(2026, 3, 3, 3, 59, tzinfo=dt.UTC)
            await start_review(pilot)
            assert shown(app) != first
            await pilot.press("escape")
            clock.now = dt.datetime(2026, 3, 3, 4, 0, tzinfo=dt.UTC)
            await start_review(pilot)
            assert shown(app) == first

    async def test_flag_cycles_through_the_colours(
        self, make: Callable[..., StudyApp], study_store: Store
    ) -> None:
        app = make()
        first = card_id(study_store, MLE)
        async with app.run_test(size=SIZE) as pilot:
            screen = await start_review(pilot)
            flags = []
            for _ in range(5):
                await pilot.press("f")
                await settle(pilot)
                flags.append(card(study_store, first).flag)
            assert flags == [1, 2, 3, 4, 0]
            await pilot.press("f")
            await settle(pilot)
            view = screen.current_view()
            assert view is not None
            assert "⚑ red" in str(view.query_one(".card-meta").render())


class TestLimitsAndDays:
    async def test_daily_new_card_limit_of_each_deck(
        self, make: Callable[..., StudyApp], study_store: Store
    ) -> None:
        """Two new cards of the book (of its four) and the notes deck's one."""
        use_settings(study_store, new_per_day=2)
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            screen = await start_review(pilot)
            assert "New 3" in str(screen.query_one("#review-counts").render())
            for _ in range(3):
                await answer(pilot, 4)
            assert isinstance(app.screen, SummaryScreen)
            assert app.screen.stats.reviewed == 3
        with study_store.sessions() as session:
            new = session.scalar(select(func.count(Card.id)).where(Card.state == "new"))
        assert new == 2

    async def test_a_new_day_starts_at_the_configured_hour(
        self, make: Callable[..., StudyApp], study_store: Store, clock: Clock
    ) -> None:
        use_settings(study_store, new_per_day=2, day_starts_at_hour=6)
        app = make()
        third = card_id(study_store, LATENT)
        async with app.run_test(size=SIZE) as pilot:
            await start_review(pilot)
            for _ in range(3):  # two of the book, one of the notes
                await answer(pilot, 4)
            assert isinstance(app.screen, SummaryScreen)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, HomeScreen)
            # Past midnight but before 06:00: still the same study day, nothing new.
            clock.now = dt.datetime(2026, 3, 3, 5, 59, tzinfo=dt.UTC)
            await pilot.press("r")
            await settle(pilot)
            assert isinstance(app.screen, SummaryScreen)
            assert app.screen.stats.reviewed == 0
            await pilot.press("enter")
            await settle(pilot)
            clock.now = dt.datetime(2026, 3, 3, 6, 0, tzinfo=dt.UTC)
            await start_review(pilot)
            assert shown(app) == third


class TestSummary:
    async def test_the_session_ends_with_a_summary_and_undo_still_works(
        self, make: Callable[..., StudyApp], study_store: Store, clock: Clock
    ) -> None:
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await start_review(pilot)
            for rating in (4, 4, 4, 4, 4):
                await answer(pilot, rating)
            assert isinstance(app.screen, SummaryScreen)
            assert app.screen.stats.reviewed == 5
            await pilot.press("u")
            await settle(pilot)
            last = card_id(study_store, "What is meant by")
            assert shown(app) == last
            assert card(study_store, last).state == "new"
            await answer(pilot, 3)  # Good: a learning step of ten minutes
            assert review_screen(app).waiting is not None
            clock.advance(minutes=10)
            await pilot.press("space")
            await settle(pilot)
            await answer(pilot, 4)
            assert isinstance(app.screen, SummaryScreen)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, HomeScreen)
        assert len(log_rows(study_store)) == 6


class TestAnswerPath:
    async def test_each_answer_records_its_key_to_next_question_time(
        self, make: Callable[..., StudyApp], study_store: Store, deck_files: list[Path]
    ) -> None:
        """The review screen times every rating key to the next question drawn; bench/
        (`python -m bench review`) reports those figures against the 15 ms target."""
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            screen = await start_review(pilot)
            for _ in range(4):
                await answer(pilot, 4)
            assert len(screen.latencies_ms) == 4
            assert all(latency > 0 for latency in screen.latencies_ms)


APP_IN_A_FRESH_INTERPRETER = """
import asyncio, datetime as dt, sys
from studyapp.store.library import import_paths
from studyapp.store.opening import open_store
from studyapp.tui.app import make_app

store = open_store(sys.argv[1])
now = dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC)
import_paths(store.sessions, sys.argv[2:], now, match_demos=lambda text: [])

async def main():
    app = make_app(store, start="review", now=lambda: now, match_demos=lambda text: [])
    async with app.run_test() as pilot:
        for _ in range(20):
            await app.workers.wait_for_complete()
            await pilot.pause()
        await pilot.press("space", "3")
        for _ in range(20):
            await app.workers.wait_for_complete()
            await pilot.pause()
        from sqlalchemy import text
        with store.sessions() as session:
            print("REVIEWS", session.scalar(text("SELECT count(*) FROM review_log")))
    print("HEAVY", sorted(m for m in ("keras", "tensorflow") if m in sys.modules))

asyncio.run(main())
"""


def test_the_app_never_imports_keras_or_tensorflow(tmp_path: Path, deck_files: list[Path]) -> None:
    """Started and one card reviewed in a Pilot session, in a fresh interpreter so that other
    tests' imports cannot hide or fake the result."""
    result = subprocess.run(
        [sys.executable, "-c", APP_IN_A_FRESH_INTERPRETER, str(tmp_path / "fresh.db")]
        + [str(p) for p in deck_files],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parents[2],
        env={**os.environ, "PYTHONWARNINGS": "error"},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "REVIEWS 1" in result.stdout
    assert "HEAVY []" in result.stdout
