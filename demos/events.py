"""The demo's side of the event protocol: one JSON object per line on stdout.

The app's runner reads a demo's stdout line by line and parses every line as JSON, so nothing
but events may ever reach file descriptor 1. `claim_stdout` makes that true for the whole
process (Python prints, C++ logging, Keras progress bars all end up on stderr) and hands back a
private stream for the events. `EventWriter` writes the event types of the design
(`device`, `dataset`, `progress`, `epoch`, `artifact`, `done`, `error`) and throttles progress.

This module must not import keras, tensorflow or numpy: it is imported before the backend is
chosen, and the app's tests exercise it without a deep-learning stack. Numpy scalars and arrays
are still serialised, by duck typing (`.item()` / `.tolist()`).
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any, TextIO

#: The event types of the protocol, in the order a successful run first emits them.
EVENT_TYPES = ("device", "dataset", "progress", "epoch", "artifact", "done", "error")

#: At most this many progress events per second; the UI redraws no faster and a flood of
#: lines would only cost the runner parsing time.
DEFAULT_PROGRESS_RATE = 10.0


def claim_stdout() -> TextIO:
    """Reserve the real stdout for events and send everything else to stderr.

    Duplicates file descriptor 1 into a private descriptor for events, then points descriptor 1
    (and `sys.stdout`) at stderr. Working on descriptors rather than on `sys.stdout` alone
    matters because TensorFlow's C++ logging and some Keras utilities write to fd 1 directly.
    """
    sys.stdout.flush()
    event_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return os.fdopen(event_fd, "w", encoding="utf-8", buffering=1)


def to_json_value(value: Any) -> Any:
    """Turn `value` into something `json.dumps` accepts, without importing numpy.

    Non-finite floats become None, because NaN and Infinity are not JSON and a strict parser
    in the runner would reject the whole line.
    """
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): to_json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_json_value(v) for v in value]
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    # numpy scalars, 0-d arrays and backend tensors on the host all have .item() / .tolist().
    if hasattr(value, "ndim") and getattr(value, "ndim", 1) == 0 and hasattr(value, "item"):
        return to_json_value(value.item())
    if hasattr(value, "tolist"):
        return to_json_value(value.tolist())
    if hasattr(value, "item"):
        return to_json_value(value.item())
    return str(value)


class EventWriter:
    """Writes protocol events as JSON lines to one stream.

    `clock` is injectable so tests can drive the progress throttle without sleeping.
    """

    def __init__(
        self,
        stream: TextIO,
        *,
        progress_rate: float = DEFAULT_PROGRESS_RATE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream = stream
        self._min_interval = 1.0 / progress_rate if progress_rate > 0 else 0.0
        self._clock = clock
        self._last_progress: float | None = None

    def emit(self, event: str, **fields: Any) -> None:
        """Write one event line and flush it, so the runner sees it immediately."""
        if event not in EVENT_TYPES:
            raise ValueError(f"unknown event type {event!r}; expected one of {EVENT_TYPES}")
        payload = {"event": event, **{k: to_json_value(v) for k, v in fields.items()}}
        self._stream.write(json.dumps(payload, allow_nan=False) + "\n")
        self._stream.flush()

    def progress(
        self,
        *,
        epoch: int,
        epochs: int,
        step: int,
        steps: int | None,
        loss: float | None,
        metrics: Mapping[str, Any] | None = None,
        force: bool = False,
    ) -> bool:
        """Emit a `progress` event unless one went out less than 1/rate seconds ago.

        `force` bypasses the throttle; callers use it for the first and last step of an epoch
        so that a consumer always sees where each epoch started and ended. Returns whether an
        event was written.
        """
        now = self._clock()
        if (
            not force
            and self._last_progress is not None
            and now - self._last_progress < self._min_interval
        ):
            return False
        self._last_progress = now
        self.emit(
            "progress",
            epoch=epoch,
            epochs=epochs,
            step=step,
            steps=steps,
            loss=loss,
            metrics=dict(metrics or {}),
        )
        return True

    def error(self, message: str) -> None:
        """Emit an `error` event; the message is what the user will read, so keep it one line."""
        self.emit("error", message=" ".join(str(message).split()))
