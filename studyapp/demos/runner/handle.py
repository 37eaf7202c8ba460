"""Starting a run and following it: `start_run` records it and launches the child; the
`DemoRunHandle` it returns reads the child's pipes, supervises it and records the outcome.

Whatever the child does (crash, run out of memory, get killed) nothing raises into the caller:
the run is recorded as failed with the demo's error message and its stderr tail.
"""

from __future__ import annotations

import atexit
import datetime as dt
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from db.engine import DB_ENV
from studyapp.demos.protocol import ErrorEvent
from studyapp.demos.runner.child import INTERRUPT_GRACE_S, TERMINATE_GRACE_S, ChildProcess
from studyapp.demos.runner.record import (
    RunResult,
    record_end,
    record_start,
    result_of,
    utc_now,
)
from studyapp.demos.runner.request import (
    DemoRequest,
    build_command,
    child_environment,
    resolve_module,
    runs_root,
)
from studyapp.demos.runner.stream import EventCallback, RunLog, read_stderr, read_stdout


class DemoRunHandle:
    """A launched demo: its events go to `on_event` as they come; `wait()` gives the result.

    A supervisor thread waits for the child, escalates a cancel request (SIGINT, SIGTERM,
    SIGKILL to the process group) and records the outcome, so the row is completed even if
    the caller never calls `wait()`.
    """

    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        run_id: int,
        request: DemoRequest,
        command: list[str],
        run_dir: Path,
        started_at: dt.datetime,
        on_event: EventCallback | None,
        cancel_event: threading.Event | None,
        interrupt_grace_s: float,
        terminate_grace_s: float,
        clock: Callable[[], dt.datetime],
    ) -> None:
        self.run_id = run_id
        self.request = request
        self.command = tuple(command)
        self.run_dir = run_dir
        self.started_at = started_at
        self.cancel_event = cancel_event if cancel_event is not None else threading.Event()
        """Set it (from any thread) to cancel the run."""
        self.grace_s = interrupt_grace_s + terminate_grace_s
        """The longest a cancelled run takes to stop."""
        self._sessions = sessions
        self._interrupt_grace_s = interrupt_grace_s
        self._terminate_grace_s = terminate_grace_s
        self._clock = clock
        self._log = RunLog(on_event)
        self._child: ChildProcess | None = None
        self._finished = threading.Event()
        self._result: RunResult | None = None
        self._readers: list[threading.Thread] = []

    # -- public

    @property
    def pid(self) -> int | None:
        return self._child.pid if self._child is not None else None

    @property
    def finished(self) -> bool:
        return self._finished.is_set()

    def cancel(self) -> None:
        """Ask the run to stop; returns at once. `wait()` returns once the child is gone."""
        self.cancel_event.set()

    def wait(self, timeout: float | None = None) -> RunResult | None:
        """Block until the run is recorded; None if `timeout` passed first."""
        if not self._finished.wait(timeout):
            return None
        return self._result

    @property
    def result(self) -> RunResult | None:
        return self._result

    # -- lifecycle (started by start_run)

    def _launch(self, env: Mapping[str, str]) -> None:
        _live_runs.add(self)
        try:
            self.run_dir.mkdir(parents=True, exist_ok=True)
            self._child = child = ChildProcess(self.command, cwd=self.run_dir, env=env)
        except OSError as error:
            self._log.error = ErrorEvent(f"could not start the demo: {error}")
            self._finish(exit_code=None, cancelled=False)
            return
        self._readers = [
            self._thread("stdout", read_stdout, child.stdout, self._log, self.run_dir),
            self._thread("stderr", read_stderr, child.stderr, self._log),
        ]
        self._thread("supervisor", self._supervise, child)

    def _thread(self, role: str, target: Callable[..., None], *args: Any) -> threading.Thread:
        thread = threading.Thread(
            target=target, args=args, daemon=True, name=f"demo-{self.run_id}-{role}"
        )
        thread.start()
        return thread

    def _supervise(self, child: ChildProcess) -> None:
        exit_code: int | None = None
        cancelled = False
        try:
            exit_code, cancelled = child.wait_or_cancel(
                self.cancel_event,
                interrupt_grace_s=self._interrupt_grace_s,
                terminate_grace_s=self._terminate_grace_s,
            )
            for thread in self._readers:
                # A grandchild that escaped the group kill could hold the pipes open.
                thread.join(timeout=5.0)
        except BaseException as error:  # never let the supervisor die without recording
            self._log.note(f"runner error: {error!r}")
        finally:
            self._finish(exit_code, cancelled)

    def _finish(self, exit_code: int | None, cancelled: bool) -> None:
        try:
            result = result_of(
                run_id=self.run_id,
                request=self.request,
                command=self.command,
                run_dir=self.run_dir,
                started_at=self.started_at,
                ended_at=self._clock(),
                exit_code=exit_code,
                cancelled=cancelled,
                log=self._log,
            )
            self._result = record_end(self._sessions, result)
        finally:
            self._finished.set()
            _live_runs.discard(self)


_live_runs: set[DemoRunHandle] = set()
"""Runs whose child may still be alive; stopped at interpreter exit (see below)."""


@atexit.register
def _stop_live_runs() -> None:
    # The child has its own session, so it would outlive a caller that exits without waiting
    # (an app closed mid-run, an interrupt at the wrong moment). The supervisor threads still
    # run during atexit: cancel and give them their grace periods to record the runs.
    for handle in list(_live_runs):
        handle.cancel()
    for handle in list(_live_runs):
        handle.wait(handle.grace_s + 2.0)


def start_run(
    sessions: sessionmaker[Session],
    request: DemoRequest,
    *,
    on_event: EventCallback | None = None,
    cancel_event: threading.Event | None = None,
    module: str | None = None,
    artifacts_root: Path | str | None = None,
    env: Mapping[str, str] | None = None,
    interrupt_grace_s: float = INTERRUPT_GRACE_S,
    terminate_grace_s: float = TERMINATE_GRACE_S,
    clock: Callable[[], dt.datetime] = utc_now,
) -> DemoRunHandle:
    """Record a `DemoRun` (status "running"), launch the demo, and return at once.

    `module` overrides the catalogue (tests point it at `tests.fake_demos.*`); without it an
    unknown name raises the catalogue's `UnknownDemo` before anything is recorded. `on_event`
    is called from the runner's reader threads, one event at a time per stream.
    """
    module = module or resolve_module(request.name)
    started_at = clock()
    root = runs_root(artifacts_root).expanduser().resolve()
    run_id, run_dir = record_start(sessions, request, started_at, root)
    handle = DemoRunHandle(
        sessions=sessions,
        run_id=run_id,
        request=request,
        command=build_command(module, request, run_dir),
        run_dir=run_dir,
        started_at=started_at,
        on_event=on_event,
        cancel_event=cancel_event,
        interrupt_grace_s=interrupt_grace_s,
        terminate_grace_s=terminate_grace_s,
        clock=clock,
    )
    child_env = child_environment(env)
    if request.data == "library":
        # `--data library` reads the cards and notes of the database this run is recorded in.
        child_env[DB_ENV] = sessions.kw["bind"].url.render_as_string(hide_password=False)
    handle._launch(child_env)
    return handle


def run_demo(
    sessions: sessionmaker[Session],
    request: DemoRequest,
    **options: Any,
) -> RunResult:
    """`start_run` and wait for the result (for worker threads, which block anyway)."""
    handle = start_run(sessions, request, **options)
    result = handle.wait()
    assert result is not None
    return result
