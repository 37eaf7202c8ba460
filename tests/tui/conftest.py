"""Fixtures for the TUI tests: a small deck in a temporary SQLite file, a clock tests can move,
and `settle`, which waits until every worker is done and its message handled (no sleeps)."""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import select
from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from db.models import Card
from studyapp.domain.scheduling import SchedulerSettings
from studyapp.store.library import import_paths
from studyapp.store.opening import Store, open_store
from studyapp.store.settings import save_scheduler_settings
from studyapp.tui.app import StudyApp, make_app
from tests.conftest import no_demos

FIXTURES = Path(__file__).with_name("fixtures")
# A Monday noon, UTC; the study day starts at 04:00 UTC (settings below).
START = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
SIZE = (110, 34)


class Clock:
    """The app's injected "now": fixed until a test moves it."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture
def deck_files(tmp_path: Path) -> list[Path]:
    """Private copies of the fixture deck (book flashcards first, then notes): tests edit them."""
    folder = tmp_path / "deck"
    folder.mkdir()
    return [Path(shutil.copy(FIXTURES / name, folder / name)) for name in ("book.md", "notes.md")]


@pytest.fixture
def study_store(tmp_path: Path, deck_files: list[Path]) -> Iterator[Store]:
    store = open_store(str(tmp_path / "t.db"))
    reports = import_paths(store.sessions, deck_files, START, match_demos=no_demos)
    assert all(r.status == "imported" for r in reports), reports
    # Study days in UTC so the day boundary does not depend on the machine's zone; no fuzz so
    # the intervals on the buttons are the same on every run.
    save_scheduler_settings(store.sessions, SchedulerSettings(timezone="UTC", fuzz=False))
    yield store
    store.close()


@contextlib.contextmanager
def deck_store(folder: Path, name: str, text: str, cards: int) -> Iterator[Store]:
    """A store of one deck written as `name` in `folder` (`cards` new cards), studied in UTC
    without fuzz like `study_store`; closed on leaving."""
    (folder / name).write_text(text)
    store = open_store(str(folder / f"{Path(name).stem}.db"))
    try:
        [report] = import_paths(store.sessions, [folder / name], START, no_demos)
        assert report.added == cards, report
        save_scheduler_settings(store.sessions, SchedulerSettings(timezone="UTC", fuzz=False))
        yield store
    finally:
        store.close()


@pytest.fixture
def make(study_store: Store, clock: Clock) -> Callable[..., StudyApp]:
    """The app on the fixture deck at the test's clock; the deck files are watched only when
    a test asks (`watch_library=True`), so that a test editing a file by hand races nothing."""

    def factory(start: str = "home", **kwargs: object) -> StudyApp:
        kwargs.setdefault("watch_library", False)
        return make_app(study_store, start=start, now=clock, match_demos=no_demos, **kwargs)  # type: ignore[arg-type]

    return factory


@pytest.fixture
def app(make: Callable[..., StudyApp]) -> StudyApp:
    """The app as `make()` builds it, for a test that needs no other options."""
    return make()


async def settle(pilot: Pilot[Any]) -> None:
    """Wait for all workers, let their messages be handled, and repeat until nothing runs."""
    app = pilot.app
    for _ in range(50):
        # An exclusive worker replaced by a newer one is cancelled: the newer one is waited for.
        with contextlib.suppress(WorkerCancelled):
            await app.workers.wait_for_complete()
        await pilot.pause()
        if not any(worker.is_running for worker in app.workers):
            await pilot.pause()
            if not any(worker.is_running for worker in app.workers):
                return
    running = [f"{w.name} ({w.group})" for w in app.workers if w.is_running]
    raise AssertionError(f"workers kept running: {', '.join(running)}")


@contextlib.asynccontextmanager
async def running(app: StudyApp, size: tuple[int, int] = SIZE) -> AsyncIterator[Pilot[Any]]:
    """The app under Pilot at `size`, settled: what most tests start with."""
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        yield pilot


async def press(pilot: Pilot[Any], *keys: str) -> None:
    """Press the keys, then settle."""
    await pilot.press(*keys)
    await settle(pilot)


ScreenType = TypeVar("ScreenType")


async def open_screen(pilot: Pilot[Any], key: str, screen_type: type[ScreenType]) -> ScreenType:
    """From a settled app, the screen that `key` opens (the test fails if it is another)."""
    await settle(pilot)
    await press(pilot, key)
    screen = pilot.app.screen
    assert isinstance(screen, screen_type), screen
    return screen


def card_id(store: Store, question_start: str) -> int:
    with store.sessions() as session:
        return session.scalars(
            select(Card.id).where(Card.question.startswith(question_start))
        ).one()
