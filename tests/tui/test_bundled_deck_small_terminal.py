"""The bundled deck at 80×24, as a new user meets it: every card's answer can be revealed and
read. Revealing brings the answer into view; an answer taller than the view scrolls."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from studyapp.domain.scheduling import SchedulerSettings
from studyapp.store.deck_files import ensure_bundled_deck
from studyapp.store.opening import Store, open_store
from studyapp.store.settings import save_scheduler_settings
from studyapp.tui.app import make_app
from studyapp.tui.screens.review import ReviewScreen
from studyapp.tui.screens.summary import SummaryScreen
from tests.conftest import no_demos
from tests.tui.conftest import START, Clock, settle


@pytest.fixture
def bundled(tmp_path: Path) -> Iterator[Store]:
    store = open_store(str(tmp_path / "bundled.db"))
    reports = ensure_bundled_deck(store.sessions, START)
    assert reports and all(r.status != "failed" for r in reports)
    settings = SchedulerSettings(timezone="UTC", fuzz=False, new_per_day=1000)
    save_scheduler_settings(store.sessions, settings)
    yield store
    store.close()


async def until(pilot: Pilot[Any], condition: Callable[[], bool], steps: int = 400) -> None:
    """Let the app run until `condition()` holds (each step one Pilot pause)."""
    for _ in range(steps):
        if condition():
            return
        await pilot.pause()
    raise AssertionError("the condition never held")


@pytest.mark.slow
async def test_every_answer_of_the_bundled_deck_can_be_read_at_80x24(bundled: Store) -> None:
    app = make_app(
        bundled, start="review", now=Clock(START), match_demos=no_demos, watch_library=False
    )
    unread: list[str] = []
    answered = 0
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        while screen.current is not None:
            shown = screen.current
            await pilot.press("space")
            view = screen.current_view()
            assert view is not None
            await until(
                pilot, lambda v=view: v.revealed and v.query_one(".card-answer").size.height > 0
            )
            await pilot.pause()  # the scroll to the answer runs after the refresh
            answer = view.query_one(".card-answer").virtual_region
            top, height = view.scroll_y, view.scrollable_content_region.height
            # The answer starts in view; whatever does not fit is reached by scrolling.
            if not (top <= answer.y < top + height and view.max_scroll_y >= answer.bottom - height):
                unread.append(f"{shown.location}: {shown.heading}")
            await pilot.press("4")
            answered += 1
            await until(
                pilot,
                lambda s=shown: screen.current is not s or isinstance(app.screen, SummaryScreen),
            )
            if isinstance(app.screen, SummaryScreen):
                break
    assert unread == []
    assert answered > 300, answered
