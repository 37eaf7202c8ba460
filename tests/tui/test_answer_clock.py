"""Pilot tests of the answer clock while a demo or the external editor covers the card: the
time spent there is not answer time, and the logged duration (review_log.duration_ms) is the
time the card was on screen. (The notes and the 60 s cap: test_review_scheduling.py.)

Without the pause each of these answers would be logged as the 60 s cap, so a clock that
runs on under the demo or the editor fails them.
"""

from __future__ import annotations

import datetime as dt
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from studyapp.demos.runner import SUCCEEDED, DemoRequest
from studyapp.store.opening import Store
from studyapp.tui.app import StudyApp, make_app
from studyapp.tui.screens.demo import DemoScreen
from tests.conftest import no_demos
from tests.tui.conftest import START, Clock, card_id, press, running
from tests.tui.test_review import MLE, MLP, answer, card, log_rows, shown, start_review


async def test_the_answer_clock_stops_while_the_cards_demo_runs(
    make: Callable[..., StudyApp], study_store: Store, clock: Clock, tmp_path: Path
) -> None:
    """`d` on the MLP card opens the demo screen over it (a fake lesson demo instead of the
    catalogue's, through the app's launch hook); ten minutes there are not answer time."""
    app = make()
    mlp = card_id(study_store, MLP)
    launched: list[tuple[int, str]] = []

    def launch_demo(card_id_: int, name: str) -> None:
        launched.append((card_id_, name))
        request = DemoRequest("fake_lesson", card_id=card_id_, lesson=True, epochs=1)
        app.push_screen(
            DemoScreen(
                app.store,
                request,
                module="tests.fake_demos.lesson",
                artifacts_root=tmp_path / "runs",
            )
        )

    app.launch_demo = launch_demo  # type: ignore[method-assign, assignment]
    async with running(app) as pilot:
        await start_review(pilot)
        for _ in range(3):  # the three chapter 1 cards, answered at once
            await answer(pilot, 4)
        assert shown(app) == mlp
        clock.advance(seconds=5)
        await press(pilot, "d")  # settled: the demo's run is over
        demo = app.screen
        assert isinstance(demo, DemoScreen)
        assert demo.result is not None and demo.result.status == SUCCEEDED
        clock.advance(minutes=10)  # looking at the demo's pictures
        await press(pilot, "escape")
        assert shown(app) == mlp
        clock.advance(seconds=7)
        await answer(pilot, 3)
    assert launched == [(mlp, "mlp-cifar10")]
    assert [row.duration_ms for row in log_rows(study_store, mlp)] == [12_000]


class EditorClock(Clock):
    """The test's clock, moved on by the fake editor: it writes to `moved` how many seconds
    the edit took, and the next reading of the clock adds them."""

    def __init__(self, start: dt.datetime, moved: Path) -> None:
        super().__init__(start)
        self.moved = moved

    def __call__(self) -> dt.datetime:
        if self.moved.exists():
            self.advance(seconds=float(self.moved.read_text()))
            self.moved.unlink()
        return self.now


async def test_the_answer_clock_stops_while_the_editor_is_open(
    study_store: Store, deck_files: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`e` runs the editor on the card's file (the app suspended around it); a quarter of an
    hour in the editor is not answer time, and the card comes back with its clock where it
    stood: 4 s before the editor and 6 s after are the answer's 10 s."""
    moved = tmp_path / "editor-took-seconds"
    script = tmp_path / "fake_editor.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import pathlib, sys
            path = pathlib.Path(sys.argv[2])
            path.write_text(path.read_text().replace("they minimise", "EDITED: minimise"))
            pathlib.Path({str(moved)!r}).write_text("900")
            """
        )
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    monkeypatch.delenv("VISUAL", raising=False)
    clock = EditorClock(START, moved)
    app = make_app(study_store, now=clock, match_demos=no_demos, watch_library=False)
    first = card_id(study_store, MLE)
    async with running(app) as pilot:
        screen = await start_review(pilot)
        clock.advance(seconds=4)
        await press(pilot, "e")
        assert not moved.exists(), "the editor ran and the app read the clock after it"
        assert clock.now == START + dt.timedelta(seconds=4 + 900)
        assert screen.current is not None and screen.current.card_id == first
        assert "EDITED: minimise" in screen.current.answer
        clock.advance(seconds=6)
        await answer(pilot, 3)
    assert "EDITED: minimise" in card(study_store, first).answer
    assert [row.duration_ms for row in log_rows(study_store, first)] == [10_000]
    assert deck_files[0].read_text().count("EDITED: minimise") == 1
