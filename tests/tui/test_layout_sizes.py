"""Pilot tests of how the screens use the terminal's size, measured on the widgets (the
snapshots show the same at 80×24 and 200×60): card text at most 100 columns wide and centred
on a wide terminal, the whole width on a narrow one; the Stats heatmap with as many weeks as
fit, a year at most; the Stats tables' text columns stretching to the table's width.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Rule, Static

from studyapp.tui.app import StudyApp
from studyapp.tui.screens.stats import StatsScreen
from tests.tui.conftest import press, running
from tests.tui.test_review import review_screen, start_review

SIZES = {"80x24": (80, 24), "200x60": (200, 60)}
every_size = pytest.mark.parametrize("size", list(SIZES.values()), ids=list(SIZES))
TEXT_COLUMNS = 100
YEAR = 53
"""Weeks in the longest heatmap."""


@every_size
async def test_card_text_is_at_most_100_columns_wide_and_centred(
    make: Callable[..., StudyApp], size: tuple[int, int]
) -> None:
    app = make()
    async with running(app, size) as pilot:
        await start_review(pilot)
        await press(pilot, "space")
        view = review_screen(app).current_view()
        assert view is not None and view.revealed
        room = view.scrollable_content_region
        parts = [part for part in view.children if part.display]
        assert {"card-title", "card-question", "card-answer"} <= {
            name for part in parts for name in part.classes
        }
        for part in parts:  # text with a cell of padding either side; the divider as wide
            assert part.region.width <= TEXT_COLUMNS + 2, (part, part.region)
            if not isinstance(part, Rule):
                assert part.content_region.width <= TEXT_COLUMNS, (part, part.content_region)
            left, right = part.region.x - room.x, room.right - part.region.right
            assert abs(left - right) <= 1, (part, part.region, room)  # centred
        widest = max(part.content_region.width for part in parts if not isinstance(part, Rule))
        if room.width > TEXT_COLUMNS + 2:
            assert widest == TEXT_COLUMNS  # the long answer fills its 100 columns
        else:
            assert all(part.region.width == room.width for part in parts)


async def open_stats(pilot: Pilot[Any]) -> StatsScreen:
    """Stats after five Easy answers today."""
    await start_review(pilot)
    for _ in range(5):
        await press(pilot, "space", "4")
    await press(pilot, "enter", "t")
    screen = pilot.app.screen
    assert isinstance(screen, StatsScreen) and screen.document is not None
    return screen


@every_size
async def test_the_heatmap_shows_the_weeks_that_fit(
    make: Callable[..., StudyApp], size: tuple[int, int]
) -> None:
    async with running(make(), size) as pilot:
        screen = await open_stats(pilot)
        heatmap = screen.query_one("#stats-heatmap", Static)
        found = re.fullmatch(r"Answers per day, last (\d+) weeks", str(heatmap.border_title))
        assert found is not None, heatmap.border_title
        weeks = int(found[1])
        lines = str(heatmap.render()).split("\n")
        weekday_rows = [line for line in lines if line[:3] in ("Mon", "Wed", "Fri")]
        assert weekday_rows, lines
        room = heatmap.content_size.width
        for row in weekday_rows:  # a label, then two cells a week
            assert len(row) == 4 + 2 * weeks <= room, (row, room)
        assert weeks <= YEAR
        if weeks < YEAR:
            assert 4 + 2 * (weeks + 1) > room, "another week would have fit"


async def test_the_stats_tables_stretch_to_their_width(make: Callable[..., StudyApp]) -> None:
    async with running(make(), (200, 60)) as pilot:
        screen = await open_stats(pilot)
        for width, height in ((200, 60), (160, 50)):
            await pilot.resize_terminal(width, height)
            await press(pilot)
            for selector in ("#stats-chapters", "#stats-hardest"):
                table = screen.query_one(selector, DataTable)
                used = sum(column.get_render_width(table) for column in table.columns.values())
                room = table.content_size.width
                # All of it but the cells kept for a vertical scrollbar.
                assert room - 2 <= used <= room, (selector, width, used, room)
                assert table.row_count, selector
