"""The demo screen's layout at 80×24 and at 200×60, after a lesson run that drew pictures.

The picture itself is the snapshot `TestDemo.test_demo_run` (tests/tui/test_snapshots.py);
here the layout is checked widget by widget, on the wall clock: nothing is cut off at either
edge, every pane keeps a usable size, the head's lines each fit on the screen, and on a large
terminal the plot and the pictures get the room instead of empty rows.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.widget import Widget
from textual.widgets import Static

from studyapp.store.opening import Store
from tests.tui.test_demo_screen import WAIT_S, DemoHost, viewer_screen

SIZES = {"80x24": (80, 24), "200x60": (200, 60)}


def inside(widget: Widget, width: int, height: int) -> bool:
    region = widget.region
    return region.x >= 0 and region.y >= 0 and region.right <= width and region.bottom <= height


@pytest.mark.parametrize("size", list(SIZES.values()), ids=list(SIZES))
async def test_the_demo_screen_fits_the_terminal(
    sqlite_store: Store, tmp_path: Path, size: tuple[int, int]
) -> None:
    width, height = size
    screen = viewer_screen(sqlite_store, tmp_path, [], "lesson", lesson=True, epochs=3, seed=0)
    app = DemoHost(screen)
    async with app.run_test(size=size) as pilot:
        await asyncio.wait_for(app.finished.wait(), WAIT_S)
        await pilot.pause()

        shown = [w for w in screen.query("*") if w.display and w.region.area]
        cut = [f"{w!r} at {w.region}" for w in shown if not inside(w, width, height)]
        assert not cut, cut

        for name in ("#demo-title", "#demo-status", "#demo-lesson", "#demo-progress-row"):
            widget = screen.query_one(name)
            assert widget.region.height >= 1 and widget.region.width >= width - 2, name
        lesson = screen.query_one("#demo-lesson", Static)
        verdict = str(lesson.render())
        assert verdict.startswith("Lesson passed")
        # The verdict is read whole: it fits on its line or wraps onto more.
        assert len(verdict) <= lesson.region.width * lesson.region.height, lesson.region

        plot, images, log = (
            screen.query_one(n) for n in ("#demo-plot", "#demo-images", "#demo-log")
        )
        assert plot.region.height >= 8 and plot.region.width >= 40, plot.region
        assert images.region.height >= 8 and images.region.width >= 20, images.region
        assert log.region.height >= 4, log.region
        picture = screen.query_one("#demo-epoch-image")
        assert picture.region.area and inside(picture, width, height)

        # The body takes what the head, the log and the footer leave: no blank rows below.
        used = max(w.region.bottom for w in shown)
        assert used == height, used
        if height >= 60:
            assert plot.region.height >= height // 2 - 4, plot.region
