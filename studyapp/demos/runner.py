"""Runs one demo in a child process and records it as a `DemoRun`.

A demo is `python -m demos.NAME ... --out RUN_DIR`: it prints one JSON event per line on
stdout and everything else on stderr (see the design's "Demo events"). This module launches
it in its own process group, turns its stdout into typed events for a callback, keeps the
last lines of its stderr, and writes the outcome to the database when the child ends.

Whatever the child does (crash, run out of memory, get killed) nothing raises into the
caller: the run is recorded as failed with the demo's error message and its stderr tail.
Cancelling is a `threading.Event`, so a Textual worker can hand in its own and this module
never imports Textual.

Must not import textual, keras, tensorflow or numpy: the CLI and the TUI import it on start.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import datetime as dt
import json
import math
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.models import DemoRun

RUNS_DIR_ENV = "STUDYAPP_RUNS_DIR"
"""Overrides where run folders go (tests, or a user who wants them on a bigger disk)."""

STDERR_TAIL_LINES = 40
"""How many of the child's last stderr lines are kept: enough for a Python traceback."""

INTERRUPT_GRACE_S = 3.0
"""How long a demo gets to stop after SIGINT (Keras finishes its step, the demo says bye)."""

TERMINATE_GRACE_S = 2.0
"""How long after SIGTERM before SIGKILL."""

_POLL_S = 0.05
# The supervisor wakes this often to look at the cancel event; Python cannot wait on a
# process and an Event at once, and 50 ms is well under what a person notices.

_PROJECT_ROOT = Path(__file__).resolve().parents[2]

RUNNING, SUCCEEDED, FAILED, CANCELLED = "running", "succeeded", "failed", "cancelled"


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --------------------------------------------------------------------------------------------
# The request


@dataclass(frozen=True, slots=True)
class DemoRequest:
    """What to run: a demo by name, the options its command line takes, and the card it
    was launched from. `None` leaves an option to the demo's own default."""

    name: str
    epochs: int | None = None
    batch_size: int | None = None
    quick: bool = False
    data: str = "auto"
    """`auto` (download when needed, else offline), `offline` (bundled data only) or a path."""
    backend: str | None = None
    precision: str | None = None
    seed: int | None = None
    card_id: int | None = None

    def data_option(self) -> str:
        # The child runs in its run folder, so a relative data path must be made absolute here.
        if self.data in ("auto", "offline"):
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
        args += ["--data", self.data_option()]
        if self.backend:
            args += ["--backend", self.backend]
        if self.precision:
            args += ["--precision", self.precision]
        if self.seed is not None:
            args += ["--seed", str(self.seed)]
        return args

    def parameters(self) -> dict[str, Any]:
        """What is stored in `DemoRun.parameters`: every option, defaults included."""
        return {
            "epochs": self.epochs,
            "batch_size": self.batch_size,
            "quick": self.quick,
            "data": self.data_option(),
            "backend": self.backend,
            "precision": self.precision,
            "seed": self.seed,
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


# --------------------------------------------------------------------------------------------
# Events


@dataclass(frozen=True, slots=True)
class DeviceEvent:
    backend: str | None
    devices: tuple[str, ...]
    precision: str | None
    line: str = field(default="", repr=False, compare=False)
    """The stdout line the event came from, as the demo printed it."""

    @property
    def device(self) -> str:
        return ", ".join(self.devices)


@dataclass(frozen=True, slots=True)
class DatasetEvent:
    name: str | None
    source: str | None
    shapes: dict[str, Any]
    title: str | None = None
    stands_in_for: str | None = None
    """The dataset the book uses, when an offline one replaces it."""
    line: str = field(default="", repr=False, compare=False)

    def describe(self) -> str:
        """One line for people: title, source, what it stands in for, the shapes."""
        text = self.title or self.name or "?"
        if self.source:
            text += f" [{self.source}]"
        if self.stands_in_for:
            text += f", standing in for {self.stands_in_for}"
        shapes = ", ".join(
            f"{key} {'×'.join(map(str, value)) if isinstance(value, list) else value}"
            for key, value in self.shapes.items()
            if value is not None
        )
        return f"{text}: {shapes}" if shapes else text


@dataclass(frozen=True, slots=True)
class ProgressEvent:
    epoch: int | None
    epochs: int | None
    step: int | None
    steps: int | None
    loss: float | None
    metrics: dict[str, float]
    """Every other number the event carried (accuracy, kl_loss, ...)."""
    line: str = field(default="", repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class EpochEvent:
    epoch: int | None
    logs: dict[str, float]
    line: str = field(default="", repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class ArtifactEvent:
    kind: str
    path: str
    """Absolute: a relative path from the demo is taken relative to its run folder."""
    line: str = field(default="", repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class DoneEvent:
    metrics: dict[str, Any]
    line: str = field(default="", repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class ErrorEvent:
    message: str
    line: str = field(default="", repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class LogLine:
    """A line that is not an event: anything on stderr, or stdout that is not a known event."""

    text: str
    stream: str = "stdout"

    @property
    def line(self) -> str:
        return self.text


DemoEvent = (
    DeviceEvent
    | DatasetEvent
    | ProgressEvent
    | EpochEvent
    | ArtifactEvent
    | DoneEvent
    | ErrorEvent
    | LogLine
)
EventCallback = Callable[[DemoEvent], None]


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _numbers(values: Mapping[str, Any], skip: Iterable[str] = ()) -> dict[str, float]:
    skipped = set(skip)
    numbers: dict[str, float] = {}
    for key, value in values.items():
        number = _float(value)
        if key not in skipped and number is not None:
            numbers[str(key)] = number
    return numbers


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def parse_event(line: str, run_dir: Path | None = None) -> DemoEvent:
    """One stdout line as an event. Never raises: anything unexpected is a `LogLine`."""
    line = line.rstrip("\r\n")
    try:
        data = json.loads(line)
    except ValueError:
        return LogLine(line)
    if not isinstance(data, dict):
        return LogLine(line)
    try:
        return _event_from(data, line, run_dir)
    except (TypeError, ValueError, AttributeError):
        return LogLine(line)


def _event_from(data: dict[str, Any], line: str, run_dir: Path | None) -> DemoEvent:
    kind = data.get("event")
    if kind == "device":
        devices = data.get("devices") or []
        if isinstance(devices, str | dict):
            devices = [devices]
        return DeviceEvent(
            _text(data.get("backend")),
            tuple(_device_name(d) for d in devices),
            _text(data.get("precision")),
            line,
        )
    if kind == "dataset":
        shapes = data.get("shapes")
        return DatasetEvent(
            _text(data.get("name")),
            _text(data.get("source")),
            shapes if isinstance(shapes, dict) else {},
            _text(data.get("title")),
            _text(data.get("stands_in_for")),
            line,
        )
    if kind == "progress":
        # Metrics may sit beside the loss or in a nested "metrics" object; take both.
        fixed = ("event", "epoch", "epochs", "step", "steps", "loss", "metrics")
        metrics = _numbers(data, skip=fixed)
        nested = data.get("metrics")
        if isinstance(nested, dict):
            metrics.update(_numbers(nested, skip=("loss",)))
        loss = _float(data.get("loss"))
        if loss is None and isinstance(nested, dict):
            loss = _float(nested.get("loss"))
        return ProgressEvent(
            _int(data.get("epoch")),
            _int(data.get("epochs")),
            _int(data.get("step")),
            _int(data.get("steps")),
            loss,
            metrics,
            line,
        )
    if kind == "epoch":
        logs = data.get("logs")
        return EpochEvent(
            _int(data.get("epoch")), _numbers(logs) if isinstance(logs, dict) else {}, line
        )
    if kind == "artifact":
        raw_path = data.get("path")
        if not isinstance(raw_path, str) or not raw_path:
            return LogLine(line)
        path = Path(raw_path).expanduser()
        if not path.is_absolute() and run_dir is not None:
            path = run_dir / path
        return ArtifactEvent(str(data.get("kind") or "file"), str(path), line)
    if kind == "done":
        final = data.get("metrics")
        return DoneEvent(final if isinstance(final, dict) else {}, line)
    if kind == "error":
        return ErrorEvent(str(data.get("message") or "the demo reported an error"), line)
    return LogLine(line)


def _device_name(device: Any) -> str:
    if isinstance(device, dict):
        return str(device.get("name") or device.get("device") or json.dumps(device))
    return str(device)


# --------------------------------------------------------------------------------------------
# The run


@dataclass(frozen=True, slots=True)
class RunResult:
    """What was recorded when the child ended (the same values as the `DemoRun` row)."""

    run_id: int
    demo_name: str
    status: str
    exit_code: int | None
    started_at: dt.datetime
    ended_at: dt.datetime
    backend: str | None
    device: str | None
    precision: str | None
    metrics: dict[str, Any]
    artifacts: dict[str, list[str]]
    artifact_dir: str
    stderr_tail: str
    error: str | None
    """Why a failed run failed, in one line; None when it succeeded or was cancelled."""
    command: tuple[str, ...]

    @property
    def succeeded(self) -> bool:
        return self.status == SUCCEEDED

    @property
    def duration_s(self) -> float:
        return (self.ended_at - self.started_at).total_seconds()


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
        self._sessions = sessions
        self._on_event = on_event
        self._interrupt_grace_s = interrupt_grace_s
        self._terminate_grace_s = terminate_grace_s
        self._clock = clock
        self._process: subprocess.Popen[bytes] | None = None
        self._stderr_tail: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL_LINES)
        self._device: DeviceEvent | None = None
        self._done: DoneEvent | None = None
        self._error: ErrorEvent | None = None
        self._artifacts: dict[str, list[str]] = {}
        self._cancelled = False
        self._finished = threading.Event()
        self._result: RunResult | None = None
        self._threads: list[threading.Thread] = []

    # -- public

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

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

    # -- lifecycle (called by start_run)

    def _launch(self, env: Mapping[str, str]) -> None:
        _live_runs.add(self)
        try:
            self.run_dir.mkdir(parents=True, exist_ok=True)
            self._process = subprocess.Popen(
                list(self.command),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=self.run_dir,
                env=dict(env),
                # Its own session and process group: the terminal's Ctrl-C does not reach it
                # behind our back, and cancel() can signal everything the demo started.
                start_new_session=True,
            )
        except OSError as error:
            self._error = ErrorEvent(f"could not start the demo: {error}")
            self._finish(exit_code=None)
            return
        readers = (
            threading.Thread(
                target=self._read_stdout,
                args=(self._process.stdout,),
                daemon=True,
                name=f"demo-{self.run_id}-stdout",
            ),
            threading.Thread(
                target=self._read_stderr,
                args=(self._process.stderr,),
                daemon=True,
                name=f"demo-{self.run_id}-stderr",
            ),
        )
        self._threads = list(readers)
        for thread in readers:
            thread.start()
        threading.Thread(
            target=self._supervise, daemon=True, name=f"demo-{self.run_id}-supervisor"
        ).start()

    def _emit(self, event: DemoEvent) -> None:
        if self._on_event is None:
            return
        try:
            self._on_event(event)
        except Exception as error:  # a broken display must not stop the bookkeeping
            self._stderr_tail.append(f"[studyapp] event callback failed: {error!r}")

    def _read_stdout(self, stream: IO[bytes] | None) -> None:
        if stream is None:
            return
        try:
            for raw in stream:
                event = parse_event(raw.decode("utf-8", errors="replace"), self.run_dir)
                if isinstance(event, DeviceEvent):
                    self._device = event
                elif isinstance(event, DoneEvent):
                    self._done = event
                elif isinstance(event, ErrorEvent):
                    self._error = event
                elif isinstance(event, ArtifactEvent):
                    paths = self._artifacts.setdefault(event.kind, [])
                    if event.path not in paths:
                        paths.append(event.path)
                self._emit(event)
        except (OSError, ValueError):  # the pipe went away with the child
            pass
        finally:
            stream.close()

    def _read_stderr(self, stream: IO[bytes] | None) -> None:
        if stream is None:
            return
        try:
            for raw in stream:
                text = raw.decode("utf-8", errors="replace").rstrip("\r\n")
                self._stderr_tail.append(text)
                self._emit(LogLine(text, stream="stderr"))
        except (OSError, ValueError):
            pass
        finally:
            stream.close()

    def _supervise(self) -> None:
        exit_code: int | None = None
        try:
            exit_code = self._wait_or_cancel()
            for thread in self._threads:
                # A grandchild that escaped the group kill could hold the pipes open.
                thread.join(timeout=5.0)
        except BaseException as error:  # never let the supervisor die without recording
            self._stderr_tail.append(f"[studyapp] runner error: {error!r}")
        finally:
            self._finish(exit_code)

    def _wait_or_cancel(self) -> int:
        process = self._process
        assert process is not None
        while process.poll() is None:
            if self.cancel_event.wait(_POLL_S):
                break
        if process.poll() is None:
            self._cancelled = True
            steps: tuple[tuple[int, float | None], ...] = (
                (signal.SIGINT, self._interrupt_grace_s),
                (signal.SIGTERM, self._terminate_grace_s),
                (signal.SIGKILL, None),
            )
            for signum, grace in steps:
                self._signal_group(signum)
                try:
                    process.wait(timeout=grace)
                    break
                except subprocess.TimeoutExpired:
                    continue
        code = process.wait()
        # Whatever the demo started (data loaders, a TensorBoard) goes with it.
        self._signal_group(signal.SIGKILL)
        return code

    def _signal_group(self, signum: int) -> None:
        if self._process is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._process.pid, signum)

    def _finish(self, exit_code: int | None) -> None:
        try:
            self._result = self._record(exit_code)
        finally:
            self._finished.set()
            _live_runs.discard(self)

    def _status(self, exit_code: int | None) -> tuple[str, str | None]:
        if self._cancelled:
            return CANCELLED, None
        if exit_code == 0 and self._error is None:
            return SUCCEEDED, None
        if self._error is not None:
            return FAILED, self._error.message
        if exit_code is not None and exit_code < 0:
            name = _signal_name(-exit_code)
            hint = " (out of memory?)" if -exit_code == signal.SIGKILL else ""
            return FAILED, f"the demo was killed by {name}{hint}"
        return FAILED, f"the demo exited with code {exit_code}"

    def _record(self, exit_code: int | None) -> RunResult:
        status, error = self._status(exit_code)
        tail = list(self._stderr_tail)
        if error is not None and not any(error in line for line in tail):
            # The row has no error column: the reason goes at the end of the tail.
            tail.append(f"[studyapp] {error}")
        device = self._device
        metrics = dict(self._done.metrics) if self._done is not None else {}
        result = RunResult(
            run_id=self.run_id,
            demo_name=self.request.name,
            status=status,
            exit_code=exit_code,
            started_at=self.started_at,
            ended_at=max(self._clock(), self.started_at),
            backend=device.backend if device else None,
            device=device.device[:256] if device else None,
            precision=device.precision if device else None,
            metrics=metrics,
            artifacts={kind: list(paths) for kind, paths in self._artifacts.items()},
            artifact_dir=str(self.run_dir),
            stderr_tail="\n".join(tail),
            error=error,
            command=self.command,
        )
        try:
            with self._sessions.begin() as session:
                row = session.get(DemoRun, self.run_id)
                if row is not None:
                    row.status = result.status
                    row.exit_code = result.exit_code
                    row.ended_at = result.ended_at
                    row.backend = (result.backend or "")[:32] or None
                    row.device = result.device
                    row.precision = (result.precision or "")[:32] or None
                    row.metrics = _jsonable(result.metrics)
                    row.artifacts = result.artifacts
                    row.artifact_dir = result.artifact_dir
                    row.stderr_tail = result.stderr_tail
        except Exception as db_error:  # the result still reaches the caller
            note = f"[studyapp] could not record the run: {db_error}"
            return _replace_tail(result, result.stderr_tail + "\n" + note)
        return result


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
        handle.wait(handle._interrupt_grace_s + handle._terminate_grace_s + 2.0)


def _replace_tail(result: RunResult, tail: str) -> RunResult:
    return replace(result, stderr_tail=tail)


def _signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def _jsonable(value: Any) -> Any:
    """Demo metrics as JSON the database accepts (NaN and infinities become strings)."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


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
    with sessions.begin() as session:
        row = DemoRun(
            demo_name=request.name,
            card_id=request.card_id,
            parameters=request.parameters(),
            started_at=started_at,
            status=RUNNING,
            metrics={},
            artifacts={},
            stderr_tail="",
        )
        session.add(row)
        session.flush()
        run_id = row.id
        run_dir = run_dir_for(root, run_id, request.name)
        row.artifact_dir = str(run_dir)
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
    handle._launch(child_environment(env))
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


# --------------------------------------------------------------------------------------------
# History


def run_as_dict(row: DemoRun) -> dict[str, Any]:
    duration = (row.ended_at - row.started_at).total_seconds() if row.ended_at else None
    return {
        "id": row.id,
        "demo": row.demo_name,
        "card_id": row.card_id,
        "status": row.status,
        "exit_code": row.exit_code,
        "started_at": row.started_at.isoformat(),
        "ended_at": row.ended_at.isoformat() if row.ended_at else None,
        "duration_s": round(duration, 3) if duration is not None else None,
        "backend": row.backend,
        "device": row.device,
        "precision": row.precision,
        "parameters": row.parameters,
        "metrics": row.metrics,
        "artifacts": row.artifacts,
        "artifact_dir": row.artifact_dir,
        "stderr_tail": row.stderr_tail,
    }


def list_runs(
    sessions: sessionmaker[Session], limit: int = 20, demo_name: str | None = None
) -> list[dict[str, Any]]:
    """The latest runs, newest first, as JSON-ready dicts."""
    query = select(DemoRun).order_by(DemoRun.started_at.desc(), DemoRun.id.desc()).limit(limit)
    if demo_name is not None:
        query = query.where(DemoRun.demo_name == demo_name)
    with sessions() as session:
        return [run_as_dict(row) for row in session.scalars(query)]
