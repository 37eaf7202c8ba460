"""The event protocol both ends share: every kind survives encode → decode, a broken line is a
log line and never an exception, and the module loads nothing but the standard library."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from demos.events import EventWriter
from studyapp.demos.protocol import (
    EVENT_TYPES,
    ArtifactEvent,
    DatasetEvent,
    DeviceEvent,
    DoneEvent,
    DownloadEvent,
    EpochEvent,
    ErrorEvent,
    Event,
    Lesson,
    LogLine,
    ProgressEvent,
    decode,
    encode,
    event_from_dict,
)

REPO_ROOT = Path(__file__).resolve().parents[2]

ONE_OF_EACH: list[Event] = [
    DeviceEvent(
        "tensorflow",
        ("GPU:0", "GPU:1"),
        "mixed_bfloat16",
        replicas=2,
        jit=True,
        fallback="--backend jax is not installed: tensorflow instead",
        accelerator="GPU",
        precision_reason="GPU compute capability 9.0 >= 8.0",
        extra={"compute_capability": "9.0"},
    ),
    DownloadEvent("cifar-10-python.tar.gz", 1_048_576, 170_498_071),
    DatasetEvent(
        "cifar10",
        "keras-cache",
        {"x_train": [50000, 32, 32, 3], "y_train": [50000], "x_test": None},
        title="CIFAR-10",
        stands_in_for=None,
        classes=("airplane", "automobile"),
        extra={"pieces": 408},
    ),
    ProgressEvent(2, 3, 10, 40, 1.5, {"accuracy": 0.25}, extra={"phase": "warm-up"}),
    EpochEvent(2, {"loss": 1.4, "val_accuracy": 0.3}, epochs=3, loss=1.4),
    ArtifactEvent("samples", "/runs/5-vae/samples.png", extra={"columns": 10}),
    DoneEvent(
        {"test_accuracy": 0.41, "note": "three epochs"},
        Lesson("test_accuracy", 0.41, 0.4, True),
        out="/runs/5-vae",
        seconds=12.5,
    ),
    ErrorEvent("MemoryError: out of memory"),
]


def test_the_examples_cover_every_kind() -> None:
    assert [event.event_type for event in ONE_OF_EACH] == list(EVENT_TYPES)


@pytest.mark.parametrize("event", ONE_OF_EACH, ids=lambda e: e.event_type)
def test_every_kind_round_trips(event: Event) -> None:
    line = encode(event)

    assert "\n" not in line
    assert json.loads(line)["event"] == event.event_type
    assert next(iter(json.loads(line))) == "event", "the kind comes first"
    decoded = decode(line + "\n")
    assert decoded == event
    assert decoded.line == line, "the line is kept for passing it through (--json)"


@pytest.mark.parametrize("event", ONE_OF_EACH, ids=lambda e: e.event_type)
def test_the_demos_writer_prints_what_the_runner_reads(event: Event) -> None:
    stream = io.StringIO()

    EventWriter(stream).write(event)

    (line,) = stream.getvalue().splitlines()
    assert decode(line) == event


def test_the_defaults_round_trip_too() -> None:
    for event in (DeviceEvent(), DatasetEvent(), ProgressEvent(), EpochEvent(), DoneEvent()):
        assert decode(encode(event)) == event


def test_every_field_is_written_and_extras_never_override_one() -> None:
    line = encode(DoneEvent({"a": 1.0}, extra={"metrics": "shadow", "run": 7}))

    assert json.loads(line) == {
        "event": "done", "metrics": {"a": 1.0}, "lesson": None, "out": None, "seconds": None,
        "run": 7,
    }  # fmt: skip


def test_non_finite_numbers_are_written_as_null_never_as_bare_nan() -> None:
    line = encode(ProgressEvent(1, 1, 1, 1, float("nan"), {"kl": float("inf")}))

    assert "NaN" not in line and "Infinity" not in line
    assert decode(line) == ProgressEvent(1, 1, 1, 1, None, {})


@pytest.mark.parametrize(
    "line",
    [
        "Epoch 1/3 - a Keras progress bar on the wrong stream",
        "",
        "{",
        '{"event": "progress", "loss": 1.0',
        "[1, 2, 3]",
        "null",
        '{"no_event": true}',
        '{"event": 3}',
        '{"event": "telemetry", "value": 1}',
        '{"event": "artifact", "kind": "samples"}',
        '{"event": "download", "bytes_done": 10}',
        "[" * 100_000,
        "\udcff not utf-8",
    ],
    ids=lambda line: line[:40],
)
def test_a_malformed_line_decodes_to_a_log_line(line: str) -> None:
    assert decode(line) == LogLine(line)


@given(st.text())
def test_decode_never_raises(text: str) -> None:
    event = decode(text)
    assert isinstance(event, LogLine) or event.event_type in EVENT_TYPES


def test_odd_values_of_known_fields_are_dropped() -> None:
    assert (
        decode(
            '{"event": "done", "metrics": [1], "seconds": "soon",'
            ' "lesson": {"metric": "loss", "value": "low", "target": 1, "passed": true}}'
        )
        == DoneEvent()
    )
    assert decode('{"event": "device", "devices": "CPU:0", "jit": "yes"}') == DeviceEvent(
        devices=("CPU:0",)
    )


def test_an_unknown_kind_is_refused_when_writing() -> None:
    with pytest.raises(ValueError, match="unknown event type 'chatter'"):
        event_from_dict({"event": "chatter"})


def test_the_protocol_imports_only_the_standard_library() -> None:
    """Both ends import it: a demo before its backend is chosen, the app on start."""
    code = "import sys, studyapp.demos.protocol; print(' '.join(sys.modules))"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO_ROOT
    ).stdout.split()

    roots = {name.split(".")[0] for name in loaded}
    assert not roots & {"numpy", "keras", "tensorflow", "sqlalchemy", "rich", "textual"}
    assert not roots & {"demos", "db"}
