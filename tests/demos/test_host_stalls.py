"""No host stalls: training with the demos' event callback does not wait for the device on every
batch, the `--steps` budget stops training where it says, and the diffusion model's moving
average is updated inside its compiled train step, not by a Python callback.

These train small real models in the test process (TensorFlow backend, CPU). On an accelerator
a demo trains several steps per host round trip (`TrainingRun.prepare`); the plan that says so
is built from a stand-in GPU, because there is none here: the training itself runs on the CPU.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
keras = pytest.importorskip("keras")

from keras.src.utils import python_utils  # noqa: E402

from demos import diffusion  # noqa: E402
from demos.device import Device, plan_devices  # noqa: E402
from demos.entrypoint import ACCELERATOR_STEPS_PER_EXECUTION, TrainingRun  # noqa: E402
from demos.events import EventWriter  # noqa: E402
from demos.options import parse_options  # noqa: E402
from demos.progress_callback import EventCallback  # noqa: E402
from studyapp.demos.catalogue import demo_by_name  # noqa: E402

BATCHES = 48
BATCH_SIZE = 4
STAND_IN_GPU = Device("GPU:0", "GPU", (9, 0))


def training_run(tmp_path: Path, accelerator: Device, stream: io.StringIO) -> TrainingRun:
    info = demo_by_name("mlp-cifar10")
    argv = ["--batch-size", str(BATCH_SIZE), "--epochs", "1", "--out", str(tmp_path)]
    options = parse_options(info.name, info.training, argv, env={})
    plan = plan_devices("tensorflow", [accelerator], "float32", jit="off")
    return TrainingRun(info, options, plan, EventWriter(stream, progress_rate=0))


def small_model() -> Any:
    inputs = keras.Input((8,))
    outputs = keras.layers.Dense(1)(keras.layers.Dense(16, activation="relu")(inputs))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="mse")
    return model


def fit_counting_conversions(run: TrainingRun, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Train one epoch of BATCHES batches; return every set of logs Keras turned into floats
    during training (its callback list does that on the training thread for every call)."""
    converted = []
    original = python_utils.pythonify_logs

    def counting(logs: Any) -> Any:
        if logs and any(keras.ops.is_tensor(v) for v in logs.values()):
            converted.append(logs)
        return original(logs)

    monkeypatch.setattr(python_utils, "pythonify_logs", counting)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(BATCHES * BATCH_SIZE, 8)).astype("float32")
    run.fit(small_model(), x, x[:, :1])
    monkeypatch.setattr(python_utils, "pythonify_logs", original)
    return converted


def events_of(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_on_an_accelerator_the_logs_are_read_once_per_execution_not_per_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = io.StringIO()
    run = training_run(tmp_path, STAND_IN_GPU, stream)

    converted = fit_counting_conversions(run, monkeypatch)

    executions = BATCHES // ACCELERATOR_STEPS_PER_EXECUTION
    assert run.steps_per_execution == ACCELERATOR_STEPS_PER_EXECUTION > 1
    # One conversion per execution, plus the epoch's end.
    assert len(converted) <= executions + 2, len(converted)
    events = events_of(stream)
    progress = [e for e in events if e["event"] == "progress"]
    # The events keep their rate: each execution still reports, first and last step included.
    assert [e["step"] for e in progress] == [
        ACCELERATOR_STEPS_PER_EXECUTION * (i + 1) for i in range(executions)
    ]
    (epoch,) = [e for e in events if e["event"] == "epoch"]
    assert epoch["steps_done"] == BATCHES and epoch["timed_steps"] == BATCHES - 8
    assert epoch["examples_per_second"] > 0


def test_on_a_cpu_every_batch_is_read_and_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The control: what the accelerator path saves. A CPU step is slow enough not to care."""
    stream = io.StringIO()
    run = training_run(tmp_path, Device("CPU:0", "CPU"), stream)

    converted = fit_counting_conversions(run, monkeypatch)

    assert run.steps_per_execution == 1
    assert len(converted) >= BATCHES
    progress = [e for e in events_of(stream) if e["event"] == "progress"]
    assert [e["step"] for e in progress] == list(range(1, BATCHES + 1))


def test_the_event_callback_is_async_safe() -> None:
    """On backends whose Keras dispatches callbacks from a thread pool (JAX, PyTorch), an
    async-safe callback lets the training thread run on while the logs are read."""
    callback = EventCallback(EventWriter(io.StringIO()))
    assert callback.async_safe is True


def test_the_step_budget_stops_training_after_that_many_steps_in_total(tmp_path: Path) -> None:
    stream = io.StringIO()
    callback = EventCallback(EventWriter(stream, progress_rate=0), max_steps=5)
    x = np.ones((4 * BATCH_SIZE, 8), dtype="float32")

    history = small_model().fit(
        x, x[:, :1], epochs=3, batch_size=BATCH_SIZE, verbose=0, callbacks=[callback]
    )

    assert len(history.history["loss"]) == 2
    epochs = [e for e in events_of(stream) if e["event"] == "epoch"]
    assert [e["steps_done"] for e in epochs] == [4, 5]


def test_diffusion_ema_is_updated_inside_the_train_step() -> None:
    shape = (32, 32, 1)
    images = np.random.default_rng(1).uniform(size=(4, *shape)).astype("float32")
    model = diffusion.build_diffusion_model(
        shape, images.mean(axis=(0, 1, 2)), images.var(axis=(0, 1, 2)), seed=3
    )
    model.compile(optimizer=keras.optimizers.AdamW(learning_rate=1e-3))
    average = [np.asarray(w) for w in model.ema_network.weights]
    start = average[0]

    for updates in range(2):
        # One batch per fit and no callbacks at all: whatever moves the average runs in Keras'
        # compiled train function, after the optimizer's step.
        model.fit(images, batch_size=4, epochs=1, verbose=0)
        decay = diffusion.ema_decay(updates)
        trained = [np.asarray(w) for w in model.network.weights]
        average = [decay * a + (1.0 - decay) * w for a, w in zip(average, trained, strict=True)]

        assert int(np.asarray(model.ema_updates)) == updates + 1
        for expected, weight in zip(average, model.ema_network.weights, strict=True):
            np.testing.assert_allclose(np.asarray(weight), expected, rtol=1e-5, atol=1e-6)
    # A real average: the first convolution's kernel is neither where it started nor where
    # the optimizer took it.
    assert diffusion.ema_decay(0) == pytest.approx(0.1)
    assert not np.allclose(average[0], start) and not np.allclose(average[0], trained[0])
