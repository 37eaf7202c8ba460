"""Fixtures for the demo tests: run a demo (or a snippet) in a fresh interpreter.

Demos are only ever run as subprocesses, as the app runs them; `run_python` parses stdout as the
JSON-lines event stream and fails the test on any line that is not JSON. The helpers are handed
out as fixtures rather than imported, because tests/demos is deliberately not a package: a
`tests/demos/__init__.py` would make pytest import it as `demos` and shadow the real package.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class ProcessResult:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    events: list[dict[str, Any]] = field(default_factory=list)

    def of_type(self, event: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["event"] == event]

    def describe(self) -> str:
        """Context for assertion messages: the tail of stderr (tracebacks land there)."""
        return (
            f"exit {self.returncode} after {self.seconds:.1f}s; stderr tail:\n{self.stderr[-3000:]}"
        )


def make_demo_env(keras_home: Path, **extra: str) -> dict[str, str]:
    """The environment of a demo subprocess: an isolated Keras cache, no inherited caps."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KERAS_")}
    env.update(
        KERAS_HOME=str(keras_home),
        KERAS_BACKEND="tensorflow",
        MPLBACKEND="Agg",
        MPLCONFIGDIR=str(keras_home.parent / "mplconfig"),
        PYTHONPATH=str(REPO_ROOT),
    )
    env.update(extra)
    return env


def run_python_process(
    args: list[str], *, env: dict[str, str], timeout: float = 180.0
) -> ProcessResult:
    """Run `python <args>` from the repository root and parse stdout as events."""
    started = time.monotonic()
    completed = subprocess.run(
        [sys.executable, *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    result = ProcessResult(
        completed.returncode, completed.stdout, completed.stderr, time.monotonic() - started
    )
    for number, line in enumerate(completed.stdout.splitlines(), start=1):
        try:
            result.events.append(json.loads(line))
        except json.JSONDecodeError:
            pytest.fail(f"stdout line {number} is not a JSON event: {line!r}\n{result.describe()}")
    return result


@pytest.fixture
def keras_home(tmp_path: Path) -> Path:
    """An empty Keras home, so no test can see (or download into) the user's cache."""
    home = tmp_path / "keras-home"
    home.mkdir()
    return home


@pytest.fixture
def demo_env() -> Callable[..., dict[str, str]]:
    """`demo_env(keras_home, **extra)`: the environment of a demo subprocess."""
    return make_demo_env


@pytest.fixture
def run_python() -> Callable[..., ProcessResult]:
    """`run_python(args, env=..., timeout=...)`: run `python <args>`, parse the events."""
    return run_python_process


#: A demo that cannot get its data must say so within this many seconds.
FAIL_FAST_BUDGET_S = 15.0


@pytest.fixture
def failing_demo(keras_home: Path, tmp_path: Path) -> Callable[..., str]:
    """`failing_demo(module, *argv)`: run a demo that must fail fast (exit 1, within the
    budget, one `error` event and nothing else); returns the error message."""

    def run(module: str, *argv: str) -> str:
        result = run_python_process(
            ["-m", module, *argv, "--out", str(tmp_path / "out")],
            env=make_demo_env(keras_home),
            timeout=FAIL_FAST_BUDGET_S * 2,
        )
        assert result.returncode == 1
        assert result.seconds < FAIL_FAST_BUDGET_S
        assert [e["event"] for e in result.events] == ["error"]
        return str(result.events[0]["message"])

    return run
