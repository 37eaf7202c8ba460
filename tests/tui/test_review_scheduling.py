"""Pilot tests of scheduling as learners expect it in the review screen: siblings wait for
tomorrow, the answer clock stops while the card is covered and is capped, a reveal brings
the answer into view at 80×24, code scrolls sideways, and Home's counts are Review's."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from textual.widgets.markdown import MarkdownFence

from studyapp.store.opening import Store
from studyapp.tui.app import StudyApp, make_app
from studyapp.tui.screens.home import HomeScreen
from studyapp.tui.screens.notes import NotesScreen
from studyapp.tui.screens.summary import SummaryScreen
from tests.conftest import no_demos
from tests.tui.conftest import Clock, card_id, deck_store, press, running, settle
from tests.tui.test_review import MLE, MLP, answer, card, log_rows, shown, start_review

SIBLINGS = """\
# Siblings

## Chapter 1

Front side ::: Back side

The sky is {{c1::blue}} and grass is {{c2::green}}.

Wide code?
?
```python
WIDE = "a line of code far wider than any terminal this test runs in: it must scroll sideways"
```
"""


@pytest.fixture
def siblings_store(tmp_path: Path) -> Iterator[Store]:
    with deck_store(tmp_path, "siblings.md", SIBLINGS, cards=5) as store:
        yield store


def siblings_app(store: Store, clock: Clock) -> StudyApp:
    return make_app(store, now=clock, match_demos=no_demos, watch_library=False)


async def test_siblings_do_not_meet_on_one_day(siblings_store: Store, clock: Clock) -> None:
    """Answering the front buries the back, and c1 buries c2: the session holds three."""
    app = siblings_app(siblings_store, clock)
    async with running(app) as pilot:
        await start_review(pilot)
        seen = []
        while not isinstance(app.screen, SummaryScreen):
            seen.append(shown(app))
            await answer(pilot, 4)
    questions = {card_id(siblings_store, q): q for q in ("Front", "Back", "The sky is […] and")}
    assert len(seen) == 3 and card_id(siblings_store, "Wide code") in seen
    assert {questions.get(i) for i in seen} - {None} == {"Front", "The sky is […] and"}
    back = card(siblings_store, card_id(siblings_store, "Back"))
    assert back.buried_until == dt.datetime(2026, 3, 3, 4, 0, tzinfo=dt.UTC)


async def test_code_blocks_scroll_sideways(siblings_store: Store, clock: Clock) -> None:
    app = siblings_app(siblings_store, clock)
    async with running(app, (80, 24)) as pilot:
        screen = await start_review(pilot)
        while shown(app) != card_id(siblings_store, "Wide code"):
            await answer(pilot, 4)
        await press(pilot, "space")
        view = screen.current_view()
        assert view is not None
        fence = view.query_one(MarkdownFence)
        assert fence.max_scroll_x > 0 and fence.scroll_x == 0
        await pilot.press("right", "right")
        await pilot.pause()
        assert fence.scroll_x == 16
        await pilot.press("left")
        await pilot.pause()
        assert fence.scroll_x == 8


async def test_revealing_scrolls_to_the_answer_at_80x24(
    make: Callable[..., StudyApp], study_store: Store
) -> None:
    app = make()
    async with running(app, (80, 24)) as pilot:
        screen = await start_review(pilot)
        for _ in range(3):
            await answer(pilot, 4)
        assert shown(app) == card_id(study_store, MLP)
        await press(pilot, "space")
        view = screen.current_view()
        assert view is not None
        divider = view.query_one(".card-divider")
        assert view.scroll_y > 0
        top, bottom = view.scroll_y, view.scroll_y + view.scrollable_content_region.height
        assert top <= divider.virtual_region.y < bottom


async def test_the_answer_clock_stops_under_the_notes_and_is_capped(
    make: Callable[..., StudyApp], study_store: Store, clock: Clock
) -> None:
    app = make()
    first = card_id(study_store, MLE)
    async with running(app) as pilot:
        await start_review(pilot)
        clock.advance(seconds=4)
        await press(pilot, "n")
        assert isinstance(app.screen, NotesScreen)
        clock.advance(minutes=20)  # reading the notes: not answer time
        await press(pilot, "escape")
        clock.advance(seconds=6)
        await answer(pilot, 3)
        clock.advance(minutes=5)  # the next card left on screen for five minutes
        await answer(pilot, 3)
    durations = [row.duration_ms for row in log_rows(study_store)]
    assert durations == [10_000, 60_000]
    assert log_rows(study_store)[0].card_id == first


async def test_home_and_review_show_the_same_counts(
    make: Callable[..., StudyApp], study_store: Store, clock: Clock
) -> None:
    """After two Agains an hour ago (learning, due), the Home row and Review's top bar."""
    app = make()
    async with running(app) as pilot:
        await start_review(pilot)
        await answer(pilot, 1)
        await answer(pilot, 1)
        await pilot.press("escape")
        clock.advance(minutes=5)
        await settle(pilot)
        home = app.screen
        assert isinstance(home, HomeScreen)
        tree = home.query_one("#deck-tree")
        book = tree.root.children[0]  # type: ignore[attr-defined]
        assert str(book.label).split()[-3:] == ["2", "2", "0"]
        await press(pilot, "enter")
        counts = str(app.screen.query_one("#review-counts").render())
        assert counts == "New 2   Learning 2   Due 0"


async def test_the_side_panel_folds_below_100_columns_and_p_shows_it(
    make: Callable[..., StudyApp],
) -> None:
    for size, shown_at_first in (((80, 24), False), ((120, 30), True)):
        async with running(make(), size) as pilot:
            screen = await start_review(pilot)
            side = screen.query_one("#review-side")
            assert side.display is shown_at_first
            await press(pilot, "p")
            assert side.display is not shown_at_first


async def test_a_hand_written_card_is_titled_by_its_kind(
    siblings_store: Store, clock: Clock
) -> None:
    app = siblings_app(siblings_store, clock)
    async with running(app) as pilot:
        screen = await start_review(pilot)
        view = screen.current_view()
        assert view is not None
        assert str(view.query_one(".card-title").render()) in ("Reversed card", "Cloze deletion")
