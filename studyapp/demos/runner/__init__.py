"""Runs one demo in a child process and records it as a `DemoRun`.

A demo is `python -m demos.NAME ... --out RUN_DIR`: it prints one JSON event per line on
stdout and everything else on stderr (`studyapp.demos.protocol`). The runner launches it in its
own process group, turns its stdout into typed events for a callback, keeps the last lines of
its stderr, and writes the outcome to the database when the child ends. By concern:

* `request`: what to run (`DemoRequest`), its command line, run folder and environment;
* `child`: the child process, its process group, and cancelling it;
* `stream`: reading its pipes into events (`parse_event`) and what the record needs of them;
* `record`: the `DemoRun` row at start and end, the outcome, past runs (`list_runs`);
* `handle`: `start_run` / `run_demo` and the `DemoRunHandle` that ties them together.

This package re-exports what the CLI and the TUI use, the protocol's event types included.
Must not import textual, keras, tensorflow or numpy: the CLI and the TUI import it on start.
"""

from __future__ import annotations

from studyapp.demos.protocol import (
    ArtifactEvent,
    DatasetEvent,
    DemoEvent,
    DeviceEvent,
    DoneEvent,
    DownloadEvent,
    EpochEvent,
    ErrorEvent,
    Lesson,
    LogLine,
    ProgressEvent,
)
from studyapp.demos.runner.child import INTERRUPT_GRACE_S, TERMINATE_GRACE_S
from studyapp.demos.runner.handle import DemoRunHandle, run_demo, start_run
from studyapp.demos.runner.record import (
    CANCELLED,
    FAILED,
    RUNNING,
    SUCCEEDED,
    RunResult,
    list_runs,
    run_as_dict,
    utc_now,
)
from studyapp.demos.runner.request import (
    RUNS_DIR_ENV,
    DemoRequest,
    build_command,
    child_environment,
    resolve_module,
    run_dir_for,
    runs_root,
)
from studyapp.demos.runner.stream import STDERR_TAIL_LINES, EventCallback, parse_event

__all__ = [
    "CANCELLED",
    "FAILED",
    "INTERRUPT_GRACE_S",
    "RUNNING",
    "RUNS_DIR_ENV",
    "STDERR_TAIL_LINES",
    "SUCCEEDED",
    "TERMINATE_GRACE_S",
    "ArtifactEvent",
    "DatasetEvent",
    "DemoEvent",
    "DemoRequest",
    "DemoRunHandle",
    "DeviceEvent",
    "DoneEvent",
    "DownloadEvent",
    "EpochEvent",
    "ErrorEvent",
    "EventCallback",
    "Lesson",
    "LogLine",
    "ProgressEvent",
    "RunResult",
    "build_command",
    "child_environment",
    "list_runs",
    "parse_event",
    "resolve_module",
    "run_as_dict",
    "run_demo",
    "run_dir_for",
    "runs_root",
    "start_run",
    "utc_now",
]
