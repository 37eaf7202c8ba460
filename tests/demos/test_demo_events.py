"""The event writer: JSON lines, throttled progress, stdout kept for events only."""

from __future__ import annotations

import io
import json
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from demos.events import EventWriter, to_json_value

Runner = Callable[..., Any]


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_events_are_one_json_object_per_line() -> None:
    stream = io.StringIO()
    writer = EventWriter(stream)

    writer.emit("artifact", kind="samples", path="/tmp/x.png")
    writer.error("it\nbroke")

    assert lines(stream) == [
        {"event": "artifact", "kind": "samples", "path": "/tmp/x.png"},
        {"event": "error", "message": "it broke"},
    ]


def test_unknown_event_type_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown event type"):
        EventWriter(io.StringIO()).emit("chatter")


def test_progress_is_throttled_to_the_rate_but_forced_steps_go_out() -> None:
    stream, clock = io.StringIO(), FakeClock()
    writer = EventWriter(stream, progress_rate=10.0, clock=clock)

    sent = []
    for step in range(1, 101):  # 100 steps in one simulated second
        clock.now = step * 0.01
        sent.append(
            writer.progress(
                epoch=1, epochs=1, step=step, steps=100, loss=1.0 / step, force=step == 100
            )
        )

    events = lines(stream)
    assert 10 <= len(events) <= 12
    assert sum(sent) == len(events)
    assert events[0]["step"] == 1 and events[-1]["step"] == 100
    assert all(e["event"] == "progress" and e["epochs"] == 1 for e in events)


def test_numpy_values_and_non_finite_floats_serialise() -> None:
    value = {
        "scalar": np.float32(0.5),
        "int": np.int64(3),
        "array": np.arange(3),
        "nan": math.nan,
        "inf": np.float64("inf"),
        "nested": [np.bool_(True), (1, 2)],
    }

    assert to_json_value(value) == {
        "scalar": 0.5,
        "int": 3,
        "array": [0, 1, 2],
        "nan": None,
        "inf": None,
        "nested": [True, [1, 2]],
    }


def test_claim_stdout_sends_everything_else_to_stderr(
    run_python: Runner, demo_env: Runner, keras_home: Any
) -> None:
    snippet = (
        "import os, sys\n"
        "from demos.events import EventWriter, claim_stdout\n"
        "writer = EventWriter(claim_stdout())\n"
        "print('a stray print')\n"
        "os.write(1, b'a C library writing to fd 1\\n')\n"
        "writer.emit('done', metrics={'ok': 1})\n"
    )

    result = run_python(["-c", snippet], env=demo_env(keras_home))

    assert result.returncode == 0, result.describe()
    assert [(e["event"], e["metrics"]) for e in result.events] == [("done", {"ok": 1})]
    assert "a stray print" in result.stderr
    assert "a C library writing to fd 1" in result.stderr
