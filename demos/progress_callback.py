"""The Keras callback every demo trains with: `progress` and `epoch` events, the `--steps`
budget, and the learning-rate rule of data-parallel runs.

Demos call `fit(..., verbose=0)` so Keras prints no progress bar, and pass this callback
instead. It must not stall the device:

* It is `async_safe`: on backends whose Keras dispatches callbacks from a thread pool (JAX,
  PyTorch), its batch hook runs off the training thread, so reading the logs (which waits for
  the step's numbers) never holds up the next step. Hooks may then run out of order and at the
  same time, hence the lock and the stale-step check.
* Keras' TensorFlow trainer calls callbacks on the training thread (and converts the logs to
  Python floats there, for every callback), so on accelerators `TrainingRun.prepare` sets
  `steps_per_execution`: one host round trip per several compiled steps, and this hook sees
  only each execution's last step.

Imports keras, so only a demo's own process (after the backend is chosen) imports it.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Mapping
from typing import Any

import keras

from demos.events import EventWriter

#: Optimizers whose learning rate has been scaled for the replicas.
_SCALED: weakref.WeakSet[Any] = weakref.WeakSet()


def _floats(logs: Mapping[str, Any] | None) -> dict[str, float]:
    return {name: float(value) for name, value in (logs or {}).items()}


class EventCallback(keras.callbacks.Callback):
    """Emit throttled `progress` events per batch and one `epoch` event per epoch.

    `loss_key` names the log entry reported as the event's `loss` ("loss" for ordinary models;
    a GAN reports its discriminator loss, "d_loss"). `steps` is the fallback step total when
    Keras cannot know it (a generator of unknown length). `max_steps` stops training after that
    many steps in total (`--steps`). `learning_rate_scale` multiplies the optimizer's learning
    rate once, when training begins (sqrt(replicas) for a data-parallel run). `batch_size` is
    the global batch, for the examples-per-second figure of each `epoch` event.
    """

    async_safe = True

    def __init__(
        self,
        events: EventWriter,
        *,
        loss_key: str = "loss",
        steps: int | None = None,
        max_steps: int | None = None,
        learning_rate_scale: float = 1.0,
        batch_size: int | None = None,
        clock: Any = time.perf_counter,
    ):
        super().__init__()
        self._events = events
        self._loss_key = loss_key
        self._fallback_steps = steps
        self._max_steps = max_steps
        self._learning_rate_scale = learning_rate_scale
        self._batch_size = batch_size
        self._clock = clock
        self._lock = threading.Lock()
        self._epoch = 0
        self._last_step = 0
        self._started = 0
        """Steps begun, counted on the training thread (the --steps budget)."""
        self._finished = 0
        """Steps finished, as the batch hooks report them."""
        self._timed: tuple[float, int] | None = None
        """(clock, steps finished) at the end of the first execution: throughput is measured
        from there, leaving out tracing and compilation."""
        self._last_time = 0.0

    def _epochs(self) -> int:
        return int(self.params.get("epochs") or 0)

    def _steps(self) -> int | None:
        steps = self.params.get("steps") or self._fallback_steps
        return int(steps) if steps else None

    def _per_execution(self) -> int:
        return max(1, int(getattr(self.model, "steps_per_execution", 1) or 1))

    def on_train_begin(self, logs: Mapping[str, Any] | None = None) -> None:
        optimizer = getattr(self.model, "optimizer", None)
        # Once per optimizer, however often a demo calls fit.
        if self._learning_rate_scale != 1.0 and optimizer is not None and optimizer not in _SCALED:
            _SCALED.add(optimizer)
            rate = float(keras.ops.convert_to_numpy(optimizer.learning_rate))
            optimizer.learning_rate = rate * self._learning_rate_scale

    def on_epoch_begin(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        with self._lock:
            self._epoch = epoch + 1
            self._last_step = 0

    def on_train_batch_begin(self, batch: int, logs: Mapping[str, Any] | None = None) -> None:
        # Always called on the training thread, before the step runs: the one place where
        # stopping takes effect right after this execution.
        self._started += self._per_execution()
        if self._max_steps is not None and self._started >= self._max_steps:
            self.model.stop_training = True

    def on_train_batch_end(self, batch: int, logs: Mapping[str, Any] | None = None) -> None:
        now = self._clock()
        step, steps = batch + 1, self._steps()
        with self._lock:
            if step <= self._last_step:  # a hook of an earlier execution, run late
                return
            self._finished += step - self._last_step
            self._last_step = step
            if self._timed is None:
                self._timed = (now, self._finished)
            self._last_time = max(self._last_time, now)
            values = _floats(logs)
            self._events.progress(
                epoch=self._epoch,
                epochs=self._epochs(),
                step=step,
                steps=steps,
                loss=values.pop(self._loss_key, None),
                metrics=values,
                # The first and last step of every epoch always go out, so a consumer can
                # compare where each epoch started and ended however hard the throttle bites.
                force=batch < self._per_execution() or (steps is not None and step >= steps),
            )

    def throughput(self) -> dict[str, Any]:
        """Steps finished, and examples per second since the first execution ended."""
        figures: dict[str, Any] = {"steps_done": self._finished}
        if self._timed is not None and self._finished > self._timed[1]:
            seconds = self._last_time - self._timed[0]
            steps = self._finished - self._timed[1]
            figures.update(timed_steps=steps, timed_seconds=round(seconds, 4))
            if self._batch_size and seconds > 0:
                figures["examples_per_second"] = round(steps * self._batch_size / seconds, 1)
        return figures

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        values = _floats(logs)
        with self._lock:
            self._events.emit(
                "epoch",
                epoch=epoch + 1,
                epochs=self._epochs(),
                loss=values.get(self._loss_key),
                logs=values,
                jit=bool(getattr(self.model, "jit_compile", False)),
                **self.throughput(),
            )
