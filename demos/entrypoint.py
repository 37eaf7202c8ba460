"""What every demo process does around its training code.

`run(spec)` is each demo's `main`: parse the shared options, keep stdout for events, pick the
backend (KERAS_BACKEND must be set before keras is first imported), fail fast on missing data,
choose devices, precision and compilation, seed, emit `device`, call the demo's `train` (in the
framework's data-parallel scope when it trains on several devices), emit `done`; and turn any
uncaught failure into an `error` event and a non-zero exit status. When compiled training fails
inside the framework (an XLA compilation error), the run starts again once without compiling,
after a second `device` event that says `jit: false` and why.

A `DemoSpec` is the demo's entry in the catalogue (`studyapp/demos/catalogue.toml`: its name,
title, dataset and training defaults, found by the program's module name) and its code.
`TrainingRun` is what a demo's `train` function receives: the options, the device plan, and
small services (load data and emit `dataset`, make the progress callback, fit a model the way
every demo does, save and announce artifacts).

This module must not import keras, tensorflow or numpy at import time: demo modules import it
before the backend is chosen.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from demos.data import DatasetUnavailable, check_available
from demos.device import DevicePlan, backend_environment, plan_devices
from demos.device_runtime import (
    apply_plan,
    distribution_scope,
    peak_memory_bytes,
    visible_devices,
)
from demos.events import EventWriter, claim_stdout, to_json_value
from demos.lesson import lesson_outcome
from demos.options import DemoOptions, OptionsError, parse_options
from demos.reference import BookReference, reference_options, reference_outcome
from studyapp.demos.catalogue import DemoInfo, TrainingDefaults

if TYPE_CHECKING:
    import numpy as np

    from demos.data import ImageData
    from demos.progress_callback import EventCallback

#: Exit statuses: 1 for a failed run, 2 for a command line that could not be understood.
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

#: Test-set size of a capped run (--quick, KERAS_MAX_STEPS_PER_EPOCH): enough for a confusion
#: matrix and finite metrics. Predicting and measuring the whole offline test split (1,000
#: images) after two steps took most of a smoke run of the autoencoder, the VAE and the
#: diffusion model in mixed precision on a CPU (2026-12-03).
QUICK_TEST_EXAMPLES = 256

#: Compiled steps per host round trip on an accelerator (see `TrainingRun.prepare`). At the
#: milliseconds a step takes on a GPU, 8 steps still end well within the 0.1 s between two
#: progress events; on a CPU a step is slow enough that one round trip per step costs nothing.
ACCELERATOR_STEPS_PER_EXECUTION = 8

#: Top-level packages whose exceptions are the framework's own: the ones a failed XLA (or
#: torch.compile) compilation raises, and so the ones that earn a retry without compiling.
FRAMEWORK_PACKAGES = ("tensorflow", "jax", "jaxlib", "torch")


class BackendUnavailable(RuntimeError):
    """The backend chosen with --backend cannot be imported; the message says what to do."""


@dataclass(frozen=True)
class DemoSpec:
    """A demo as the entry point sees it: its catalogue entry and its code."""

    info: DemoInfo
    """The demo's entry in the catalogue. A program finds its own with
    `demo_by_module(__spec__.name)`: under `python -m` its `__name__` is "__main__"."""
    train: Callable[[TrainingRun], Mapping[str, float]]
    """Trains, writes artifacts, returns the final metrics for the `done` event."""
    add_arguments: Callable[[argparse.ArgumentParser], None] | None = None
    """Adds the demo's own options (values in `DemoOptions.extra`); None for none."""
    check_data: Callable[[str], None] | None = None
    """Fails fast (`DatasetUnavailable`) on `--data` it cannot load, before the backend is
    imported; None checks the Keras dataset `dataset`. For demos whose data is not one."""
    data_parallel: bool = True
    """Whether its training runs under the framework's data parallelism (`--devices`): False
    for a hand-written train step that does not divide its losses among replicas."""
    reference: BookReference | None = None
    """The book's setup that `--reference` trains; None where the demo has none."""

    @property
    def name(self) -> str:
        """Hyphenated, as in the catalogue: "cnn-cifar10"."""
        return self.info.name

    @property
    def title(self) -> str:
        return self.info.long_title

    @property
    def dataset(self) -> str:
        """What `--data auto` loads (a Keras dataset key for the image demos), checked before
        the backend is imported."""
        return self.info.dataset_key

    @property
    def defaults(self) -> TrainingDefaults:
        return self.info.training


class TrainingRun:
    """The services a demo's `train` function uses for one run."""

    def __init__(
        self, info: DemoInfo, options: DemoOptions, plan: DevicePlan, events: EventWriter
    ) -> None:
        self.info = info
        self.options = options
        self.plan = plan
        self.events = events

    @property
    def out_dir(self) -> Path:
        return self.options.out

    def load_images(
        self, shape: tuple[int, int, int], *, labelled: bool | None = True
    ) -> ImageData:
        """Load the demo's Keras dataset (its `dataset_key`) for `--data`, fitted to `shape`,
        cut down for capped runs; emit `dataset`."""
        from demos.data import load_images

        options = self.options
        train_limit = test_limit = None
        if options.max_steps_per_epoch is not None:
            train_limit = options.max_steps_per_epoch * options.batch_size
            test_limit = QUICK_TEST_EXAMPLES
        data = load_images(
            self.info.dataset_key,
            options.data,
            shape,
            labelled=labelled,
            limit=train_limit,
            report=self.events.write,
        )
        data = data.head(train_limit, test_limit)
        self.events.write(data.dataset_event())
        return data

    @property
    def steps_per_execution(self) -> int:
        """Steps per host round trip: several on an accelerator, dividing `--steps` exactly."""
        if self.plan.accelerator == "CPU":
            return 1
        budget = self.options.steps
        most = ACCELERATOR_STEPS_PER_EXECUTION
        if budget is None:
            return most
        return max(d for d in range(1, min(most, budget) + 1) if budget % d == 0)

    def prepare(self, model: Any) -> Any:
        """Apply the run's plan to a compiled model before its first `fit`: compiled (XLA) or
        not as the plan says, and `steps_per_execution`, so that Keras' TensorFlow trainer,
        which reads the logs on the training thread, waits for the device once per execution
        rather than once per step. `fit` does this; a demo calling `model.fit` itself must."""
        model.jit_compile = self.plan.jit
        model.steps_per_execution = self.steps_per_execution
        return model

    def progress_callback(self, *, loss_key: str = "loss") -> EventCallback:
        """The callback to train with: events, the `--steps` budget, and the learning-rate
        rule of a data-parallel run (`demos.device`)."""
        from demos.progress_callback import EventCallback

        return EventCallback(
            self.events,
            loss_key=loss_key,
            max_steps=self.options.steps,
            learning_rate_scale=self.plan.learning_rate_scale,
            batch_size=self.options.batch_size,
        )

    def fit(
        self,
        model: Any,
        x: Any,
        y: Any = None,
        *,
        loss_key: str = "loss",
        callbacks: Sequence[Any] = (),
        **kwargs: Any,
    ) -> Any:
        """`model.fit` as the demos train: this run's epochs and batch size, shuffled, no progress
        bar but progress events (then `callbacks`); returns Keras' History."""
        self.prepare(model)
        return model.fit(
            x,
            y,
            epochs=self.options.epochs,
            batch_size=self.options.batch_size,
            shuffle=True,
            verbose=0,
            callbacks=[self.progress_callback(loss_key=loss_key), *callbacks],
            **kwargs,
        )

    def artifact(self, kind: str, path: Path, **fields: Any) -> Path:
        """Announce a file the demo has written."""
        if not path.is_file():
            raise FileNotFoundError(f"artifact {kind} was not written: {path}")
        self.events.emit("artifact", kind=kind, path=str(path.resolve()), **fields)
        return path

    def write_json(self, kind: str, name: str, payload: Mapping[str, Any]) -> Path:
        """Write `payload` as `<out>/<name>` and announce it."""
        path = self.out_dir / name
        path.write_text(json.dumps(to_json_value(payload), indent=2) + "\n", encoding="utf-8")
        return self.artifact(kind, path)

    def save_model(self, model: Any, name: str = "model.keras") -> Path:
        """Save a Keras model as `<out>/<name>` and announce it."""
        path = self.out_dir / name
        model.save(path)
        return self.artifact("model", path)

    def save_samples(
        self, samples: np.ndarray, *, columns: int, title: str, array: bool = True
    ) -> None:
        """Write generated images (N×H×W×C in [0, 1]) as the grid `samples.png` and, with `array`,
        their values as `samples.npy`; announce the picture, then the array."""
        import numpy as np

        from demos.figures import image_grid

        array_path = self.out_dir / "samples.npy"
        if array:
            np.save(array_path, samples)
        picture = image_grid(samples, self.out_dir / "samples.png", columns=columns, title=title)
        self.artifact("samples", picture)
        if array:
            self.artifact("samples-array", array_path)


def last_epoch_metrics(history: Any) -> dict[str, float]:
    """Every log of the last epoch of a Keras History: the `done` metrics of a demo that has no
    test metric (a GAN, an energy-based model) and reports where training ended."""
    return {name: float(values[-1]) for name, values in history.history.items()}


def run(spec: DemoSpec, argv: Sequence[str] | None = None) -> int:
    """Run one demo process from its command line; returns the exit status."""
    started = time.monotonic()
    try:
        options = parse_options(
            spec.name,
            spec.defaults,
            argv,
            description=spec.title,
            add_arguments=spec.add_arguments,
            lesson=spec.info.lesson,
        )
        options = reference_options(spec.name, spec.reference, options)
    except OptionsError as exc:
        print(exc, file=sys.stderr)
        EventWriter(sys.stdout).error(str(exc))
        return EXIT_USAGE

    events = EventWriter(claim_stdout())
    try:
        _select_backend(options)
        # Before the (slow) backend import: a missing dataset must fail in well under a second.
        (spec.check_data or functools.partial(check_available, spec.dataset))(options.data)
        plan = _prepare_backend(spec, options)
        options.out.mkdir(parents=True, exist_ok=True)
        metrics, plan = _train(spec, options, plan, events)
        lesson = spec.info.lesson if options.lesson else None
        events.emit(
            "done",
            metrics=dict(metrics),
            lesson=None if lesson is None else lesson_outcome(lesson, metrics),
            out=str(options.out.resolve()),
            seconds=round(time.monotonic() - started, 1),
            **_run_figures(spec, options, plan, metrics),
        )
        return 0
    except (DatasetUnavailable, BackendUnavailable) as exc:
        # Expected failures with a message written for the user: no traceback, no class name.
        print(exc, file=sys.stderr)
        events.error(str(exc))
        return EXIT_FAILED
    except KeyboardInterrupt:
        events.error("interrupted")
        return EXIT_INTERRUPTED
    except Exception as exc:
        traceback.print_exc()
        events.error(f"{type(exc).__name__}: {exc}")
        return EXIT_FAILED


def _select_backend(options: DemoOptions) -> None:
    backend = options.backend
    loaded = sys.modules.get("keras")
    if loaded is not None and loaded.backend.backend() != backend:
        raise RuntimeError(
            f"keras was already imported with the {loaded.backend.backend()} backend; "
            f"--backend {backend} must be chosen before keras is imported"
        )
    os.environ["KERAS_BACKEND"] = backend
    # TensorFlow's C++ INFO/WARNING chatter goes to stderr anyway; keep it short there too.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # Only the chosen GPUs visible, memory on demand: read when the backend is first imported.
    os.environ.update(
        backend_environment(backend, options.devices, options.deterministic, os.environ)
    )


def _prepare_backend(spec: DemoSpec, options: DemoOptions) -> DevicePlan:
    try:
        import keras
    except ImportError as exc:
        raise BackendUnavailable(
            f"the {options.backend} backend is not installed ({exc}); install it or pass "
            "--backend tensorflow"
        ) from exc
    plan = plan_devices(
        options.backend,
        visible_devices(options.backend),
        options.precision,
        jit=options.jit,
        devices=options.devices,
        deterministic=options.deterministic,
    )
    if not spec.data_parallel:
        plan = plan.on_one_device(f"{spec.name}'s hand-written train step trains on one device")
    apply_plan(plan)
    keras.utils.set_random_seed(options.seed)
    return plan


def _train(
    spec: DemoSpec, options: DemoOptions, plan: DevicePlan, events: EventWriter
) -> tuple[Mapping[str, float], DevicePlan]:
    """Emit `device` and train (data-parallel over the plan's devices); when compiled training
    fails inside the framework, emit `device` again without jit and train once more."""
    # --batch-size is per replica: the global batch grows with the replicas.
    options = replace(
        options, batch_size=options.batch_size * plan.replicas, replicas=plan.replicas
    )
    try:
        return _train_once(spec, options, plan, events), plan
    except Exception as exc:
        if not (plan.jit and _is_framework_error(exc)):
            raise
        traceback.print_exc()
        first_line = next((line for line in str(exc).splitlines() if line.strip()), "")
        plan = plan.without_jit(
            f"compiled training failed ({type(exc).__name__}: {first_line[:200]}); "
            "trained without jit"
        )
    import keras

    # A fresh start: clear_session forgets the models, and the dtype policy with them.
    keras.backend.clear_session()
    keras.mixed_precision.set_global_policy(plan.precision)
    keras.utils.set_random_seed(options.seed)
    return _train_once(spec, options, plan, events), plan


def _train_once(
    spec: DemoSpec, options: DemoOptions, plan: DevicePlan, events: EventWriter
) -> Mapping[str, float]:
    events.emit(
        "device",
        **plan.as_event(),
        batch_size=options.batch_size,
        per_replica_batch_size=options.batch_size // plan.replicas,
        learning_rate_scale=round(plan.learning_rate_scale, 6),
    )
    with distribution_scope(plan):
        return spec.train(TrainingRun(spec.info, options, plan, events))


def _is_framework_error(exc: BaseException) -> bool:
    return type(exc).__module__.split(".", 1)[0] in FRAMEWORK_PACKAGES


def _run_figures(
    spec: DemoSpec, options: DemoOptions, plan: DevicePlan, metrics: Mapping[str, float]
) -> dict[str, Any]:
    """Extra fields of the `done` event: the GPU's peak memory, and the book's figure."""
    figures: dict[str, Any] = {"peak_memory_bytes": peak_memory_bytes(plan)}
    if options.reference and spec.reference is not None:
        figures["reference"] = reference_outcome(spec.reference, metrics)
    return figures
