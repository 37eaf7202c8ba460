"""Pilot tests of the demo screen, driving fake demos (tests/fake_demos) by keys.

Every wait is on something the screen or the runner signals: the device event message, the
finished message, the run handle, or a helper process's pidfd. No sleeps.
"""

from __future__ import annotations

import asyncio
import os
import select
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select as sql_select
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import RichLog, Static

from db.models import DemoRun
from studyapp.demos.runner import DatasetEvent, DemoRequest, DeviceEvent, LogLine, ProgressEvent
from studyapp.store.opening import Store
from studyapp.tui.messages import DemoProgress, DemoRunEvent, DemoRunFinished
from studyapp.tui.screens.demo import DemoScreen
from studyapp.tui.widgets.image_view import HalfBlockImage
from studyapp.tui.widgets.metric_plot import MetricPlot

WAIT_S = 60


class DemoHost(App[None]):
    """Pushes one DemoScreen and tells the test what the screen reports."""

    def __init__(self, screen: DemoScreen) -> None:
        super().__init__()
        self.demo_screen = screen
        self.device_seen = asyncio.Event()
        self.finished = asyncio.Event()
        self.closed = asyncio.Event()
        self.events: list[Any] = []
        self.dismissed_with: Any = "not dismissed"

    def on_mount(self) -> None:
        self.push_screen(self.demo_screen, callback=self.record_dismissal)

    def record_dismissal(self, result: Any) -> None:
        self.dismissed_with = result
        self.closed.set()

    def on_demo_run_event(self, message: DemoRunEvent) -> None:
        self.events.append(message.event)
        if isinstance(message.event, DeviceEvent):  # the fakes print it after the dataset
            self.device_seen.set()

    def on_demo_progress(self, message: DemoProgress) -> None:
        self.events.append(message.event)

    def on_demo_run_finished(self, message: DemoRunFinished) -> None:
        self.finished.set()


def make_screen(store: Store, tmp_path: Path, fake: str, **request: Any) -> DemoScreen:
    return DemoScreen(
        store,
        DemoRequest(f"fake_{fake}", quick=True, data="offline", **request),
        module=f"tests.fake_demos.{fake}",
        artifacts_root=tmp_path / "runs",
    )


def the_run(store: Store) -> DemoRun:
    with store.sessions() as session:
        return session.scalars(sql_select(DemoRun)).one()


def log_text(screen: DemoScreen) -> str:
    return "\n".join(line.text for line in screen.query_one("#demo-log", RichLog).lines)


def status_text(screen: DemoScreen) -> str:
    return str(screen.query_one("#demo-status", Static).render())


def wait_for_exit(pidfd: int) -> bool:
    readable, _, _ = select.select([pidfd], [], [], WAIT_S)
    return bool(readable)


async def test_a_successful_run_shows_progress_plot_images_and_is_recorded(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """The fake demo's events fill the screen; its PNG is drawn; the run row succeeds."""
    screen = make_screen(sqlite_store, tmp_path, "succeed", epochs=2)
    app = DemoHost(screen)
    async with app.run_test(size=(120, 40)) as pilot:
        await asyncio.wait_for(app.finished.wait(), WAIT_S)
        await pilot.pause()
        assert "Succeeded in" in status_text(screen)
        assert "test_accuracy 0.5" in status_text(screen)
        assert screen.query_one("#demo-status").has_class("-succeeded")
        plot = screen.query_one(MetricPlot)
        assert plot.series["loss"], "the step losses are plotted"
        assert [x for x, _ in plot.series["val_loss"]] == [1.0, 2.0]
        images = list(screen.query(HalfBlockImage))
        assert len(images) == 1 and images[0].error is None
        assert images[0].render_line(0).text.startswith("▀")
        text = log_text(screen)
        assert "device tensorflow on CPU:0 (float32)" in text
        assert "this line is not JSON" in text
        assert "fake: finished (stderr)" in text
        assert "artifact model:" in text
        assert screen.query_one("#demo-progress").percentage == 1.0
        await pilot.press("escape")
        await asyncio.wait_for(app.closed.wait(), WAIT_S)
    run = the_run(sqlite_store)
    assert run.status == "succeeded" and run.exit_code == 0
    assert app.dismissed_with is not None and app.dismissed_with.run_id == run.id
    assert Path(run.artifacts["samples"][0]).name == "samples.png"


async def test_a_crashing_demo_shows_its_error_and_stderr_tail_and_the_app_lives_on(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """The error event's message is the status; the traceback's last lines are in the log."""
    screen = make_screen(sqlite_store, tmp_path, "crash")
    app = DemoHost(screen)
    async with app.run_test(size=(120, 40)) as pilot:
        await asyncio.wait_for(app.finished.wait(), WAIT_S)
        await pilot.pause()
        status = status_text(screen)
        assert status.startswith("Failed (exit 1): ValueError: the fake demo was told to fail")
        assert screen.query_one("#demo-status").has_class("-failed")
        text = log_text(screen)
        assert "last lines on the demo's stderr:" in text
        assert "Traceback (most recent call last):" in text
        assert app.is_running and app.return_code is None
        await pilot.press("c")  # nothing to cancel: a notice, no crash
        await pilot.pause()
        assert app.is_running
    assert the_run(sqlite_store).status == "failed"


@pytest.mark.parametrize("key", ["c", "ctrl+c"])
async def test_cancel_key_stops_the_demo_and_its_helpers(
    sqlite_store: Store, tmp_path: Path, key: str
) -> None:
    """Once the demo is running, the key stops the demo (and the helper it started)."""
    screen = make_screen(sqlite_store, tmp_path, "wait")
    app = DemoHost(screen)
    async with app.run_test(size=(120, 40)) as pilot:
        await asyncio.wait_for(app.device_seen.wait(), WAIT_S)
        dataset = next(e for e in app.events if isinstance(e, DatasetEvent))
        helper = os.pidfd_open(dataset.shapes["helper_pid"])
        assert the_run(sqlite_store).status == "running"
        await pilot.press(key)
        await asyncio.wait_for(app.finished.wait(), WAIT_S)
        await pilot.pause()
        assert status_text(screen).startswith("Cancelled after")
        assert await asyncio.to_thread(wait_for_exit, helper)
        os.close(helper)
    run = the_run(sqlite_store)
    assert run.status == "cancelled" and run.ended_at is not None


async def test_escape_while_running_closes_the_screen_and_cancels_the_run(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """Escape does not wait for the demo: the screen closes, the run ends as cancelled."""
    screen = make_screen(sqlite_store, tmp_path, "wait")
    app = DemoHost(screen)
    async with app.run_test(size=(120, 40)) as pilot:
        await asyncio.wait_for(app.device_seen.wait(), WAIT_S)
        await pilot.press("escape")
        await asyncio.wait_for(app.closed.wait(), WAIT_S)
        assert app.dismissed_with is None
        assert app.screen is not screen
        assert screen.run_handle is not None
        result = await asyncio.to_thread(screen.run_handle.wait, WAIT_S)
        assert result is not None and result.status == "cancelled"
    assert the_run(sqlite_store).status == "cancelled"


async def test_a_demo_that_cannot_start_is_shown_not_raised(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """A name neither the catalogue nor a module override knows: a failed status, no run."""
    screen = DemoScreen(sqlite_store, DemoRequest("no_such_demo"), artifacts_root=tmp_path)
    app = DemoHost(screen)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert status_text(screen).startswith("Could not start the demo:")
        assert app.is_running
    with sqlite_store.sessions() as session:
        assert session.scalars(sql_select(DemoRun)).all() == []


class MessageCounter(Widget):
    """Records the demo messages it handles, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.handled: list[object] = []

    def on_demo_progress(self, message: DemoProgress) -> None:
        self.handled.append(message.event)

    def on_demo_run_event(self, message: DemoRunEvent) -> None:
        self.handled.append(message.event)


class CounterHost(App[None]):
    def compose(self) -> ComposeResult:
        yield MessageCounter()


async def test_a_flood_of_progress_collapses_into_the_latest_and_other_events_all_count() -> None:
    """Queued `DemoProgress` messages replace one another (`can_replace`), so a demo that
    reports every step costs one redraw per frame; log lines and other events never do."""
    app = CounterHost()
    async with app.run_test() as pilot:
        counter = app.query_one(MessageCounter)
        for step in range(1, 201):
            counter.post_message(DemoProgress(ProgressEvent(step=step, steps=200)))
        lines = [LogLine(f"line {n}") for n in range(3)]
        for line in lines:
            counter.post_message(DemoRunEvent(line))
        await pilot.pause()
        progress = [event for event in counter.handled if isinstance(event, ProgressEvent)]
        assert progress[-1].step == 200
        assert len(progress) < 10, [event.step for event in progress]
        assert [event for event in counter.handled if isinstance(event, LogLine)] == lines


def viewer_screen(
    store: Store, tmp_path: Path, opened: list[Path], fake: str, **request: Any
) -> DemoScreen:
    """A screen running `tests.fake_demos.<fake>` whose `o` key records what it opens."""
    return DemoScreen(
        store,
        DemoRequest(f"fake_{fake}", data="offline", **request),
        module=f"tests.fake_demos.{fake}",
        artifacts_root=tmp_path / "runs",
        opener=opened.append,
    )


def shown_colour(screen: DemoScreen) -> tuple[int, ...]:
    """The colour of the epoch picture the screen shows (each epoch of the fake has its own)."""
    image = screen.query_one("#demo-epoch-image", HalfBlockImage)
    segment = image.render_line(0)._segments[0]
    assert segment.style is not None and segment.style.color is not None
    return tuple(segment.style.color.get_truecolor())


async def after_the_run(screen: DemoScreen, check: Callable[[Pilot[Any]], Awaitable[None]]) -> None:
    """Run `screen` in a host app until its run is recorded, then `check` it."""
    app = DemoHost(screen)
    async with app.run_test(size=(120, 40)) as pilot:
        await asyncio.wait_for(app.finished.wait(), WAIT_S)
        await pilot.pause()
        await check(pilot)


async def test_a_lesson_run_shows_its_download_its_epochs_and_its_verdict(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """The download is logged; the latest epoch picture is shown and `[`/`]` step through
    them; `o` hands the picture shown to the viewer; the lesson's verdict is on top."""
    opened: list[Path] = []
    screen = viewer_screen(sqlite_store, tmp_path, opened, "lesson", lesson=True, epochs=3, seed=0)

    async def check(pilot: Pilot[Any]) -> None:
        lesson = screen.query_one("#demo-lesson", Static)
        assert str(lesson.render()) == (
            "Lesson passed: test_accuracy = 0.93 (goal test_accuracy target 0.9)"
        )
        assert lesson.has_class("-passed") and not lesson.has_class("-missed")
        text = log_text(screen)
        assert "downloading http://mirror.invalid/digits.gz" in text
        assert "downloaded http://mirror.invalid/digits.gz (2.0 MB of 2.0 MB)" in text
        caption = screen.query_one("#demo-epoch-caption")
        assert "after epoch 3/3 (latest)" in str(caption.render())
        assert shown_colour(screen) == (200, 200, 30)  # epoch 3
        await pilot.press("left_square_bracket", "left_square_bracket")
        assert shown_colour(screen) == (30, 200, 30)  # epoch 1
        assert "after epoch 1/3 · " in str(caption.render())
        await pilot.press("left_square_bracket", "left_square_bracket")  # stops at epoch 0
        assert shown_colour(screen) == (200, 30, 30)
        assert "before training" in str(caption.render())
        await pilot.press("right_square_bracket")
        assert shown_colour(screen) == (30, 200, 30)
        await pilot.press("o")
        assert [p.name for p in opened] == ["samples_001.png"]
        # The other images pane holds no second copy of the epoch pictures.
        assert len(list(screen.query(HalfBlockImage))) == 1

    await after_the_run(screen, check)


async def test_without_pictures_o_opens_the_run_folder(sqlite_store: Store, tmp_path: Path) -> None:
    """A demo with no epoch pictures: `o` opens the run's folder; `[` says there is none."""
    opened: list[Path] = []
    screen = viewer_screen(sqlite_store, tmp_path, opened, "succeed", quick=True, epochs=1)

    async def check(pilot: Pilot[Any]) -> None:
        assert str(screen.query_one("#demo-lesson", Static).render()) == ""
        await pilot.press("left_square_bracket", "o")
        await pilot.pause()
        assert opened == [screen.run_dir] and screen.run_dir is not None
        assert screen.run_dir.name.endswith("fake_succeed")
        assert not screen.query_one("#demo-epochs").display

    await after_the_run(screen, check)


async def test_a_missed_lesson_says_so(sqlite_store: Store, tmp_path: Path) -> None:
    """The verdict of a lesson that did not reach its target, in the warning colour."""
    screen = viewer_screen(sqlite_store, tmp_path, [], "lesson", lesson=True, epochs=1, seed=5)

    async def check(pilot: Pilot[Any]) -> None:
        lesson = screen.query_one("#demo-lesson", Static)
        assert str(lesson.render()).startswith("Lesson not passed: test_accuracy = 0.41")
        assert lesson.has_class("-missed") and not lesson.has_class("-passed")

    await after_the_run(screen, check)
