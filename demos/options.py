"""The command line every demo shares, parsed into a `DemoOptions` value.

    python -m demos.NAME [--epochs N] [--batch-size N] [--quick | --lesson]
                         [--data auto|offline|library|PATH]
                         [--backend tensorflow|jax|torch] [--precision auto|float32|...]
                         [--seed N] [--out DIR] [--jit auto|on|off] [--steps N]
                         [--devices N|all] [--deterministic] [--reference]

Parsing happens before the backend is imported (the backend is one of the options), so this
module must not import keras, tensorflow or numpy. Bad arguments raise `OptionsError` instead of
exiting, so the entry point can report them as an `error` event like any other failure. A
demo's defaults (`TrainingDefaults`) and its lesson (`LessonPlan`: what `--lesson` trains and
must reach) come from its entry in the demo catalogue.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from demos.device import BACKENDS, JIT_MODES, PRECISIONS
from studyapp.demos.catalogue import LessonPlan, TrainingDefaults

__all__ = [
    "MAX_STEPS_ENV",
    "DemoOptions",
    "OptionsError",
    "TrainingDefaults",
    "default_out_dir",
    "devices_count",
    "parse_options",
    "positive_int",
]

#: Keras reads the same variable and caps `fit` with it; we read it too so that the step totals
#: in progress events, and the data we prepare, agree with what Keras will actually run.
MAX_STEPS_ENV = "KERAS_MAX_STEPS_PER_EPOCH"

#: The `--data` values that are not a path.
NAMED_DATA = ("auto", "offline", "library")


class OptionsError(ValueError):
    """The command line could not be understood; the message says why."""


@dataclass(frozen=True)
class DemoOptions:
    """Everything a demo run was asked to do."""

    demo: str
    epochs: int
    batch_size: int
    quick: bool
    data: str
    """"auto", "offline", "library" (the text demos: the user's study database) or a path."""
    backend: str
    precision: str
    seed: int
    out: Path
    max_steps_per_epoch: int | None
    """Cap from --quick and/or KERAS_MAX_STEPS_PER_EPOCH; None means a full epoch."""
    extra: Mapping[str, Any] = field(default_factory=dict)
    """The demo's own options (`DemoSpec.add_arguments`) by argparse dest, e.g. "temperature"."""
    lesson: bool = False
    """A lesson run: the catalogue's lesson sizes, and a `done` event that says whether the
    lesson's metric reached its target."""
    jit: str = "auto"
    """--jit: "auto" (compiled on GPUs and TPUs), "on" or "off"."""
    steps: int | None = None
    """--steps: stop after this many training steps in total (checks, benchmarks)."""
    devices: int | str = 1
    """--devices: how many GPUs to train on in data parallel, or "all"."""
    deterministic: bool = False
    """--deterministic: the framework's deterministic kernels, on top of the seeds."""
    reference: bool = False
    """--reference: the book's exact setup, compared with the book's figure."""
    replicas: int = 1
    """Replicas training in sync; the entry point sets it, and `batch_size` is then the global
    batch (`--batch-size` per replica × replicas)."""

    def steps_per_epoch(self, num_examples: int, batch_size: int | None = None) -> int:
        """Batches per epoch for `num_examples`, honouring the cap (at least one)."""
        steps = max(1, math.ceil(num_examples / (batch_size or self.batch_size)))
        if self.max_steps_per_epoch is not None:
            steps = min(steps, self.max_steps_per_epoch)
        return steps


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise OptionsError(f"{self.prog}: {message}")


def default_out_dir(demo: str, now: datetime | None = None) -> Path:
    """`<user data dir>/runs/<UTC timestamp>-<demo>`, e.g. .../runs/20250101T120000Z-vae."""
    import platformdirs

    stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path(platformdirs.user_data_dir("studyapp")) / "runs" / f"{stamp}-{demo}"


def parse_options(
    demo: str,
    defaults: TrainingDefaults,
    argv: Sequence[str] | None = None,
    *,
    description: str | None = None,
    env: Mapping[str, str] | None = None,
    now: datetime | None = None,
    add_arguments: Callable[[argparse.ArgumentParser], None] | None = None,
    lesson: LessonPlan | None = None,
) -> DemoOptions:
    """Parse a demo's command line. `env` and `now` are injectable for tests.

    `add_arguments` lets one demo add its own options (a sampling temperature, a step count)
    after the shared ones; their values come back in `DemoOptions.extra`. `lesson` is the
    demo's lesson plan, which `--lesson` applies (its epochs, batch size and steps per epoch).
    """
    env = os.environ if env is None else env
    parser = _Parser(prog=f"python -m demos.{demo.replace('-', '_')}", description=description)
    parser.add_argument("--epochs", type=positive_int, help=f"default {defaults.epochs}")
    parser.add_argument("--batch-size", type=positive_int, help=f"default {defaults.batch_size}")
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"a smoke run: {defaults.quick_epochs} epochs of at most "
        f"{defaults.quick_steps_per_epoch} steps",
    )
    parser.add_argument(
        "--lesson",
        action="store_true",
        help="the lesson run: sized to finish in minutes on a CPU, it reports whether "
        + (f"{lesson.goal} was reached" if lesson else "its target was reached"),
    )
    parser.add_argument(
        "--data",
        default="auto",
        help="auto (the book's dataset, downloaded once into the Keras cache), offline (small "
        "real data shipped in a Python package), library (the text demos: your study "
        "database), or a PATH",
    )
    parser.add_argument("--backend", choices=BACKENDS, default=None)
    parser.add_argument("--precision", choices=PRECISIONS, default="auto")
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument("--out", type=Path, default=None, help="where artifacts go")
    _add_run_control(parser)
    shared = {action.dest for action in parser._actions}
    if add_arguments is not None:
        add_arguments(parser)
    arguments = list(argv) if argv is not None else None
    args = parser.parse_args(arguments)
    if args.lesson and lesson is not None and lesson.args:
        # The lesson's own options first, so that any given on the command line win.
        args = parser.parse_args([*lesson.args, *(arguments or sys.argv[1:])])

    backend = args.backend or env.get("KERAS_BACKEND") or "tensorflow"
    if backend not in BACKENDS:
        raise OptionsError(
            f"KERAS_BACKEND={backend!r} is not one of {', '.join(BACKENDS)}; "
            "pass --backend to choose"
        )
    data = args.data
    if data not in NAMED_DATA and not Path(data).expanduser().exists():
        raise OptionsError(f"--data {data}: no such file or directory")
    if args.lesson and args.quick:
        raise OptionsError("--lesson and --quick are two different runs; pass one of them")
    if args.lesson and lesson is None:
        raise OptionsError(f"{demo} has no lesson yet; run it without --lesson")
    plan = lesson if args.lesson else None

    caps = []
    if args.quick:
        caps.append(defaults.quick_steps_per_epoch)
    if args.steps is not None:
        # No epoch needs more steps than the whole run; capped data loads less, too.
        caps.append(args.steps)
    if plan is not None and plan.steps_per_epoch is not None:
        caps.append(plan.steps_per_epoch)
    if env.get(MAX_STEPS_ENV):
        try:
            caps.append(positive_int(env[MAX_STEPS_ENV]))
        except argparse.ArgumentTypeError as exc:
            raise OptionsError(f"{MAX_STEPS_ENV}: {exc}") from None

    epochs = args.epochs or (
        defaults.quick_epochs if args.quick else plan.epochs if plan else defaults.epochs
    )
    return DemoOptions(
        demo=demo,
        epochs=epochs,
        batch_size=args.batch_size or (plan and plan.batch_size) or defaults.batch_size,
        quick=args.quick,
        data=data if data in NAMED_DATA else str(Path(data).expanduser()),
        backend=backend,
        precision=args.precision,
        seed=args.seed,
        out=(args.out or default_out_dir(demo, now)).expanduser(),
        max_steps_per_epoch=min(caps) if caps else None,
        extra={k: v for k, v in vars(args).items() if k not in shared},
        lesson=args.lesson,
        jit=args.jit,
        steps=args.steps,
        devices=args.devices,
        deterministic=args.deterministic,
        reference=args.reference,
    )


def positive_int(text: str) -> int:
    """argparse type for a count: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def devices_count(text: str) -> int | str:
    """argparse type for --devices: a whole number of at least 1, or "all"."""
    return "all" if text.strip().lower() == "all" else positive_int(text)


def _add_run_control(parser: argparse.ArgumentParser) -> None:
    """How the run uses the machine: compilation, a step budget, devices, determinism."""
    parser.add_argument(
        "--jit",
        choices=JIT_MODES,
        default="auto",
        help="compile training with XLA: auto (on GPUs and TPUs), on or off; a compilation "
        "failure retries once without, and the device event says why",
    )
    parser.add_argument(
        "--steps",
        type=positive_int,
        default=None,
        help="stop after this many training steps in total (checks and benchmarks)",
    )
    parser.add_argument(
        "--devices",
        type=devices_count,
        default=1,
        help="GPUs to train on in data parallel (N or all; default 1): the batch is "
        "--batch-size per device, the learning rate scaled by sqrt(devices)",
    )
    parser.add_argument(
        "--deterministic",
        action="store_true",
        help="the framework's deterministic kernels on top of the seeds (slower; on "
        "TensorFlow it also turns XLA off)",
    )
    parser.add_argument(
        "--reference",
        action="store_true",
        help="the book's exact setup (its batch size, epochs and full dataset), reporting "
        "the test accuracy next to the book's; only demos that have one",
    )
