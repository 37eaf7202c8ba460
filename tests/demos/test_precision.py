"""The GPU default path, proven on the CPU: every demo trains two steps compiled (XLA) in both
mixed precisions, `--precision mixed_bfloat16 --jit on` and `--precision mixed_float16 --jit on`.

To keep this cheap, the demos do not get a process each: this file is also the child program,
which runs a list of demos one after the other in one interpreter (each through its real `main`,
with its events sent to a file of its own), so TensorFlow is imported once per list. The demos
are split into a few lists per precision, so that `pytest -n 2` runs two lists side by side.
Every run must succeed, report the precision it was asked for, stay compiled (no fallback: a
compilation failure would retry without jit, and say so in a second `device` event), train with
an XLA-compiled model, stop after exactly two steps (of each model it trains), and end with a
finite loss.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import math
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from studyapp.demos.catalogue import all_demos

Runner = Callable[..., Any]

PRECISIONS = ("mixed_bfloat16", "mixed_float16")
STEPS = 2
#: Small batches: what is checked (compiled, the precision asked for, finite losses) does not
#: depend on the batch size, and a CPU emulates float16 arithmetic slowly.
DEMO_ARGS = [
    *("--quick", "--steps", str(STEPS), "--data", "offline", "--jit", "on"),
    *("--batch-size", "16"),
]
#: The chapter 8 and 7 demos sample for a long time after training; fewer steps suffice here.
SHORTER_SAMPLING = {"diffusion": ["--diffusion-steps", "2"], "ebm": ["--langevin-steps", "5"]}
#: Lists per precision: small enough for any two of them to run side by side in minutes.
LISTS = 4


def catalogued_modules() -> list[tuple[str, str]]:
    """(name, module) of every catalogued demo whose program exists."""
    return [
        (demo.name, demo.module)
        for demo in all_demos()
        if importlib.util.find_spec(demo.module) is not None
    ]


def demo_list(index: int) -> list[tuple[str, str]]:
    return catalogued_modules()[index::LISTS]


def read_events(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.slow
@pytest.mark.parametrize("index", range(LISTS))
@pytest.mark.parametrize("precision", PRECISIONS)
def test_every_demo_trains_two_compiled_steps(
    precision: str,
    index: int,
    keras_home: Path,
    tmp_path: Path,
    run_python: Runner,
    demo_env: Runner,
) -> None:
    demos = demo_list(index)
    try:
        result = run_python(
            [__file__, str(tmp_path), precision, *(module for _, module in demos)],
            env=demo_env(keras_home),
            timeout=900,
        )
    except subprocess.TimeoutExpired:
        finished = [m for _, m in demos if (tmp_path / f"{m}.jsonl").exists()]
        pytest.fail(f"timed out; started: {finished}")
    assert result.returncode == 0, result.describe()

    problems = []
    for name, module in demos:
        events = read_events(tmp_path / f"{module}.jsonl")
        kinds = [e["event"] for e in events]
        devices = [e for e in events if e["event"] == "device"]
        # Epochs of Keras training (a world model's evolved controller reports its own).
        epochs = [e for e in events if e["event"] == "epoch" and "steps_done" in e]
        if kinds[-1:] != ["done"]:
            problems.append(f"{name}: did not finish: {events[-1:]}")
            continue
        device = devices[-1]
        if len(devices) != 1 or not device["jit"] or device["fallback"]:
            problems.append(f"{name}: fell back: {device['jit_reason']}, {device['fallback']}")
        if device["precision"] != precision:
            problems.append(f"{name}: trained in {device['precision']}")
        if not epochs or not all(e["jit"] for e in epochs):
            problems.append(f"{name}: the model it trained was not compiled")
        # Steps so far, per epoch; a demo that trains several models (world models) restarts.
        done = [e["steps_done"] for e in epochs]
        ends = [n for n, after in zip(done, [*done[1:], 0], strict=True) if after <= n]
        if not ends or any(n > STEPS for n in done) or any(n != STEPS for n in ends):
            problems.append(f"{name}: trained {done} steps")
        loss = epochs[-1]["loss"] if epochs else None
        if not isinstance(loss, float) or not math.isfinite(loss):
            problems.append(f"{name}: loss {loss!r}")
    assert not problems, "\n".join(problems) + "\n" + result.describe()


def _child(argv: list[str]) -> int:
    """Run demos in this process: `test_precision.py OUT_DIR PRECISION MODULE...`."""
    out, precision, modules = Path(argv[0]), argv[1], argv[2:]
    status = 0
    for module in modules:
        # The demo claims file descriptor 1 for its events: make that this demo's own file.
        sys.stdout.flush()
        fd = os.open(out / f"{module}.jsonl", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(fd, 1)
        os.close(fd)
        program = importlib.import_module(module)
        name = program.SPEC.name
        extra = SHORTER_SAMPLING.get(name, [])
        argv = [*DEMO_ARGS, *extra, "--precision", precision, "--out", str(out / name)]
        status |= program.main(argv)
        import keras

        keras.backend.clear_session()
    return status


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1:]))
