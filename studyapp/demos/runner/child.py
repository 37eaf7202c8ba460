"""The demo's child process: launched in its own process group, waited for, and cancelled by
escalating signals to the whole group.

A demo runs in its own session, so the terminal's Ctrl-C does not reach it behind the runner's
back and a cancel can stop everything it started (data loaders, helpers). Cancelling is a
`threading.Event`, so a Textual worker can hand in its own and this module never imports
Textual.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

INTERRUPT_GRACE_S = 3.0
"""How long a demo gets to stop after SIGINT (Keras finishes its step, the demo says bye)."""

TERMINATE_GRACE_S = 2.0
"""How long after SIGTERM before SIGKILL."""

_POLL_S = 0.05
# The supervisor wakes this often to look at the cancel event; Python cannot wait on a
# process and an Event at once, and 50 ms is well under what a person notices.


class ChildProcess:
    """One launched demo process and its process group."""

    def __init__(self, command: Sequence[str], *, cwd: Path, env: Mapping[str, str]) -> None:
        """Start `command` in `cwd`; raises `OSError` when it cannot be started."""
        self.process = subprocess.Popen(
            list(command),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=dict(env),
            # Its own session and process group: see the module docstring.
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def stdout(self) -> IO[bytes] | None:
        return self.process.stdout

    @property
    def stderr(self) -> IO[bytes] | None:
        return self.process.stderr

    def wait_or_cancel(
        self,
        cancel_event: threading.Event,
        *,
        interrupt_grace_s: float = INTERRUPT_GRACE_S,
        terminate_grace_s: float = TERMINATE_GRACE_S,
    ) -> tuple[int, bool]:
        """Wait until the child exits, or until `cancel_event` is set and then stop it:
        SIGINT, then SIGTERM, then SIGKILL to its group, each after its grace period.

        Returns (exit code, whether it was cancelled). Whatever the demo started goes with it.
        """
        process = self.process
        while process.poll() is None:
            if cancel_event.wait(_POLL_S):
                break
        cancelled = process.poll() is None
        if cancelled:
            steps: tuple[tuple[int, float | None], ...] = (
                (signal.SIGINT, interrupt_grace_s),
                (signal.SIGTERM, terminate_grace_s),
                (signal.SIGKILL, None),
            )
            for signum, grace in steps:
                self.signal_group(signum)
                try:
                    process.wait(timeout=grace)
                    break
                except subprocess.TimeoutExpired:
                    continue
        code = process.wait()
        self.signal_group(signal.SIGKILL)
        return code, cancelled

    def signal_group(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signum)


def signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"
