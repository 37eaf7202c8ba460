"""A Keras callback that turns training progress into `progress` and `epoch` events.

Demos call `fit(..., verbose=0)` so Keras prints no progress bar, and pass this callback
instead. Imports keras, so only a demo's own process (after the backend is chosen) imports it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import keras

from demos.events import EventWriter


def _floats(logs: Mapping[str, Any] | None) -> dict[str, float]:
    return {name: float(value) for name, value in (logs or {}).items()}


class EventCallback(keras.callbacks.Callback):
    """Emit throttled `progress` events per batch and one `epoch` event per epoch.

    `loss_key` names the log entry reported as the event's `loss` ("loss" for ordinary models;
    a GAN reports its discriminator loss, "d_loss"). `steps` is the fallback step total when
    Keras cannot know it (a generator of unknown length).
    """

    def __init__(self, events: EventWriter, *, loss_key: str = "loss", steps: int | None = None):
        super().__init__()
        self._events = events
        self._loss_key = loss_key
        self._fallback_steps = steps
        self._epoch = 0

    def _epochs(self) -> int:
        return int(self.params.get("epochs") or 0)

    def _steps(self) -> int | None:
        steps = self.params.get("steps") or self._fallback_steps
        return int(steps) if steps else None

    def on_epoch_begin(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        self._epoch = epoch + 1

    def on_train_batch_end(self, batch: int, logs: Mapping[str, Any] | None = None) -> None:
        values = _floats(logs)
        step, steps = batch + 1, self._steps()
        self._events.progress(
            epoch=self._epoch,
            epochs=self._epochs(),
            step=step,
            steps=steps,
            loss=values.pop(self._loss_key, None),
            metrics=values,
            # The first and last step of every epoch always go out, so a consumer can compare
            # where each epoch started and ended however hard the throttle bites in between.
            force=batch == 0 or (steps is not None and step >= steps),
        )

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        values = _floats(logs)
        self._events.emit(
            "epoch",
            epoch=epoch + 1,
            epochs=self._epochs(),
            loss=values.get(self._loss_key),
            logs=values,
        )
