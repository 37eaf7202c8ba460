"""Reading a running demo's two pipes: stdout as protocol events, stderr as log lines.

`parse_event` is the protocol's `decode` plus what only the runner knows (the run folder a
relative artifact path is relative to). `RunLog` keeps what the record of a run needs from the
stream: the device, the final metrics, the error, the artifacts and the tail of stderr.
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import IO

from studyapp.demos.protocol import (
    ArtifactEvent,
    DemoEvent,
    DeviceEvent,
    DoneEvent,
    ErrorEvent,
    LogLine,
    decode,
)

STDERR_TAIL_LINES = 40
"""How many of the child's last stderr lines are kept: enough for a Python traceback."""

EventCallback = Callable[[DemoEvent], None]


def parse_event(line: str, run_dir: Path | None = None) -> DemoEvent:
    """One stdout line as an event. Never raises: anything unexpected is a `LogLine`.

    A relative artifact path is made absolute against `run_dir`, the demo's working folder.
    """
    event = decode(line)
    if isinstance(event, ArtifactEvent):
        path = Path(event.path).expanduser()
        if not path.is_absolute() and run_dir is not None:
            path = run_dir / path
        event = replace(event, path=str(path))
    return event


class RunLog:
    """What a run's events said, gathered as they come (from both reader threads)."""

    def __init__(self, on_event: EventCallback | None) -> None:
        self.device: DeviceEvent | None = None
        self.done: DoneEvent | None = None
        self.error: ErrorEvent | None = None
        self.artifacts: dict[str, list[str]] = {}
        self.stderr_tail: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL_LINES)
        self._on_event = on_event
        self._lock = threading.Lock()

    def note(self, text: str) -> None:
        """A line of the runner's own at the end of the stderr tail."""
        self.stderr_tail.append(f"[studyapp] {text}")

    def add(self, event: DemoEvent) -> None:
        """Keep what the record needs from `event`, then hand it to the callback."""
        with self._lock:
            if isinstance(event, DeviceEvent):
                self.device = event
            elif isinstance(event, DoneEvent):
                self.done = event
            elif isinstance(event, ErrorEvent):
                self.error = event
            elif isinstance(event, ArtifactEvent):
                paths = self.artifacts.setdefault(event.kind, [])
                if event.path not in paths:
                    paths.append(event.path)
            elif isinstance(event, LogLine) and event.stream == "stderr":
                self.stderr_tail.append(event.text)
        if self._on_event is None:
            return
        try:
            self._on_event(event)
        except Exception as error:  # a broken display must not stop the bookkeeping
            self.note(f"event callback failed: {error!r}")


def read_stdout(stream: IO[bytes] | None, log: RunLog, run_dir: Path) -> None:
    """Parse every stdout line into `log` until the pipe closes."""
    _read(stream, lambda text: log.add(parse_event(text, run_dir)))


def read_stderr(stream: IO[bytes] | None, log: RunLog) -> None:
    """Every stderr line into `log` as a `LogLine` until the pipe closes."""
    _read(stream, lambda text: log.add(LogLine(text.rstrip("\r\n"), stream="stderr")))


def _read(stream: IO[bytes] | None, handle: Callable[[str], None]) -> None:
    if stream is None:
        return
    try:
        for raw in stream:
            handle(raw.decode("utf-8", errors="replace"))
    except (OSError, ValueError):  # the pipe went away with the child
        pass
    finally:
        stream.close()
