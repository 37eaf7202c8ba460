"""The demo's side of the event protocol: one JSON object per line on stdout.

The app's runner reads a demo's stdout line by line and parses every line as an event, so
nothing but events may ever reach file descriptor 1. `claim_stdout` makes that true for the
whole process (Python prints, C++ logging, Keras progress bars all end up on stderr) and hands
back a private stream for the events. `EventWriter` writes the events of
`studyapp.demos.protocol`, the schema both ends share, and throttles progress.

This module must not import keras, tensorflow or numpy: it is imported before the backend is
chosen, and the app's tests exercise it without a deep-learning stack. Numpy scalars and arrays
are still serialised, by duck typing (`.item()` / `.tolist()`).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any, TextIO

from studyapp.demos.protocol import EVENT_TYPES, ErrorEvent, Event, encode, event_from_dict
from studyapp.demos.protocol import json_value as to_json_value

__all__ = ["DEFAULT_PROGRESS_RATE", "EVENT_TYPES", "EventWriter", "claim_stdout", "to_json_value"]

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

    def write(self, event: Event) -> None:
        """Write one event line and flush it, so the runner sees it immediately."""
        self._stream.write(encode(event) + "\n")
        self._stream.flush()

    def emit(self, event: str, **fields: Any) -> None:
        """Write the event of kind `event` with `fields`, as the protocol reads them back
        (numpy values become JSON; a field the schema does not name rides as `extra`).
        An unknown kind raises `ValueError`."""
        self.write(event_from_dict(to_json_value({"event": event, **fields})))

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
        self.write(ErrorEvent(" ".join(str(message).split())))
