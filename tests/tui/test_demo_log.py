"""Pilot tests of the demo screen's log, played by hand (no process): it always starts with
the run's command, even when the demo's first events overtake the worker's start message,
and it writes paths short (`python`, `~`, relative to the run folder), so that a run looks
the same on every machine (the snapshot TestDemo.test_demo_run relies on it)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from textual.widgets import Static

from studyapp.demos.runner import ArtifactEvent, DemoRequest, DeviceEvent, EpochEvent
from studyapp.store.opening import Store
from studyapp.tui.messages import DemoRunEvent, DemoRunStarted
from studyapp.tui.screens.demo import DemoScreen
from tests.tui.test_demo_screen import DemoHost, log_text


async def test_events_before_the_start_are_shown_after_the_command_in_order(
    sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    run_dir = tmp_path / "runs" / "7-fake"
    screen = DemoScreen(sqlite_store, DemoRequest("fake"))
    # It launches nothing: the test posts what a run would.
    monkeypatch.setattr(screen, "_run", lambda: None)
    app = DemoHost(screen)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        device = DeviceEvent(backend="jax", devices=("CPU:0",), precision="float32")
        screen.post_message(DemoRunEvent(device))
        screen.post_message(DemoRunEvent(EpochEvent(epoch=1, logs={"loss": 0.5})))
        screen.post_message(DemoRunEvent(ArtifactEvent("model", str(run_dir / "m.keras"))))
        await pilot.pause()
        assert log_text(screen) == ""  # held back until the run is known
        command = (sys.executable, "-m", "demos.fake", "--out", str(run_dir))
        screen.post_message(DemoRunStarted(7, run_dir, command))
        await pilot.pause()
        assert log_text(screen).splitlines() == [
            "run 7: python -m demos.fake --out ~/runs/7-fake",
            "device jax on CPU:0 (float32)",
            "epoch 1: loss 0.5",
            "artifact model: m.keras",
        ]
        facts = str(screen.query_one("#demo-facts", Static).render())
        assert facts == "device: jax on CPU:0 (float32)"
        # Once started, an event is shown as it comes.
        screen.post_message(DemoRunEvent(EpochEvent(epoch=2, logs={"loss": 0.25})))
        await pilot.pause()
        assert log_text(screen).splitlines()[-1] == "epoch 2: loss 0.25"
