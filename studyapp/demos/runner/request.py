"""What to run: a `DemoRequest`, the command line it becomes, where its run folder goes, and
the environment of the child process.

Plain data and the standard library (platformdirs, lazily, for the default runs folder).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RUNS_DIR_ENV = "STUDYAPP_RUNS_DIR"
"""Overrides where run folders go (tests, or a user who wants them on a bigger disk)."""

_PROJECT_ROOT = Path(__file__).resolve().parents[3]


@dataclass(frozen=True, slots=True)
class DemoRequest:
    """What to run: a demo by name, the options its command line takes, and the card it
    was launched from. `None` leaves an option to the demo's own default."""

    name: str
    epochs: int | None = None
    batch_size: int | None = None
    quick: bool = False
    lesson: bool = False
    """The demo's lesson run: sized to finish in minutes, it reports whether it reached its
    target (the app's `d` on a card); `quick` is the smoke test."""
    data: str = "auto"
    """`auto` (the book's dataset, downloaded once into the Keras cache), `offline` (bundled
    data only), `library` (the text demos: the study database) or a path."""
    backend: str | None = None
    precision: str | None = None
    seed: int | None = None
    card_id: int | None = None
    jit: str | None = None
    """`auto` (compiled on GPUs and TPUs), `on` or `off`."""
    steps: int | None = None
    """Stop after this many training steps in total."""
    devices: int | str | None = None
    """GPUs to train on in data parallel, or `all`; None is the demo's default (one)."""
    deterministic: bool = False

    def data_option(self) -> str:
        # The child runs in its run folder, so a relative data path must be made absolute here.
        if self.data in ("auto", "offline", "library"):
            return self.data
        return str(Path(self.data).expanduser().resolve())

    def options(self) -> list[str]:
        """The demo's command-line options, without `--out`."""
        args: list[str] = []
        if self.epochs is not None:
            args += ["--epochs", str(self.epochs)]
        if self.batch_size is not None:
            args += ["--batch-size", str(self.batch_size)]
        if self.quick:
            args.append("--quick")
        if self.lesson:
            args.append("--lesson")
        args += ["--data", self.data_option()]
        if self.backend:
            args += ["--backend", self.backend]
        if self.precision:
            args += ["--precision", self.precision]
        if self.seed is not None:
            args += ["--seed", str(self.seed)]
        if self.jit:
            args += ["--jit", self.jit]
        if self.steps is not None:
            args += ["--steps", str(self.steps)]
        if self.devices is not None:
            args += ["--devices", str(self.devices)]
        if self.deterministic:
            args.append("--deterministic")
        return args

    def parameters(self) -> dict[str, Any]:
        """What is stored in `DemoRun.parameters`: every option, defaults included (the
        run-control options --jit, --steps, --devices, --deterministic when given)."""
        return {
            "epochs": self.epochs,
            "batch_size": self.batch_size,
            "quick": self.quick,
            "lesson": self.lesson,
            "data": self.data_option(),
            "backend": self.backend,
            "precision": self.precision,
            "seed": self.seed,
            # How the run used the machine, only when asked for: runs recorded before these
            # options existed keep comparing equal to a default run of today.
            **{
                name: value
                for name, value in (
                    ("jit", self.jit),
                    ("steps", self.steps),
                    ("devices", self.devices),
                    ("deterministic", self.deterministic or None),
                )
                if value is not None
            },
        }


def runs_root(artifacts_root: Path | str | None = None) -> Path:
    """Where run folders go: the argument, else `$STUDYAPP_RUNS_DIR`, else the user data dir."""
    if artifacts_root is not None:
        return Path(artifacts_root)
    if os.environ.get(RUNS_DIR_ENV):
        return Path(os.environ[RUNS_DIR_ENV]).expanduser()
    from platformdirs import user_data_path

    return user_data_path("studyapp", appauthor=False) / "runs"


def run_dir_for(root: Path, run_id: int, name: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._") or "demo"
    return root / f"{run_id}-{safe}"


def build_command(module: str, request: DemoRequest, run_dir: Path) -> list[str]:
    return [sys.executable, "-m", module, *request.options(), "--out", str(run_dir)]


def resolve_module(name: str) -> str:
    """The module of a catalogued demo; raises the catalogue's `UnknownDemo`."""
    from studyapp.demos.catalogue import demo_by_name

    return demo_by_name(name).module


def child_environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    # The child runs in its run folder: put this checkout first on its path so that it
    # imports the same `demos` package as this process, whatever the caller's directory.
    parts = [str(_PROJECT_ROOT)]
    if env.get("PYTHONPATH"):
        parts.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(parts)
    # Events must arrive as they are printed, not when a 4 KiB buffer fills.
    env["PYTHONUNBUFFERED"] = "1"
    return env
