"""How `studyapp demo run` shows a run: JSON lines for `--json`, else rich progress bars.

Both get their consoles from the command's `CliContext`; the runner calls `on_event` from its
reader threads, one event at a time per stream. Metric names come from the demo, so they are
shown as plain text, never as markup.
"""

from __future__ import annotations

import json

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from studyapp.cli.context import CliContext
from studyapp.demos.runner import (
    CANCELLED,
    SUCCEEDED,
    DatasetEvent,
    DemoEvent,
    DemoRunHandle,
    DeviceEvent,
    DoneEvent,
    DownloadEvent,
    EpochEvent,
    LogLine,
    ProgressEvent,
    RunResult,
)
from studyapp.text.formatting import metrics_text

STDERR_LINES_SHOWN = 15


class JsonEventDisplay:
    """`--json`: the demo's event lines unchanged on stdout, then one `run` line."""

    def __init__(self, context: CliContext) -> None:
        self.context = context

    def on_event(self, event: DemoEvent) -> None:
        if isinstance(event, LogLine):
            # Keep stdout pure JSON lines: the demo's other output goes to stderr.
            self.context.echo(event.text, err=True)
        else:
            self.context.echo(event.line)

    def finish(self, result: RunResult) -> None:
        summary = {
            "event": "run",
            "id": result.run_id,
            "demo": result.demo_name,
            "status": result.status,
            "exit_code": result.exit_code,
            "error": result.error,
            "artifact_dir": result.artifact_dir,
        }
        self.context.echo(json.dumps(summary))


class ProgressDisplay:
    """A rich progress bar per epoch (step/steps, loss and metrics, ETA) and a summary."""

    def __init__(self, context: CliContext) -> None:
        self.context = context
        self.progress = Progress(
            TextColumn("{task.description}", markup=False),
            BarColumn(bar_width=30),
            MofNCompleteColumn(),
            TextColumn("{task.fields[metrics]}", markup=False),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            console=context.out,
        )
        self._tasks: dict[int | None, TaskID] = {}
        self._downloads: dict[str, TaskID] = {}

    def __enter__(self) -> ProgressDisplay:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def started(self, handle: DemoRunHandle) -> None:
        self.progress.console.print(
            Text.assemble(
                ("Run ", "dim"), str(handle.run_id), (f" · {handle.request.name}", "bold")
            )
        )

    def _download(self, event: DownloadEvent) -> None:
        """One bar per file, in bytes."""
        key = f"download {event.file}"
        task = self._downloads.get(key)
        if task is None:
            task = self.progress.add_task(key, total=event.total_bytes, metrics="")
            self._downloads[key] = task
        done = f"{event.bytes_done / 1e6:.1f} MB"
        self.progress.update(
            task, total=event.total_bytes, completed=event.bytes_done, metrics=done
        )

    def _task(self, epoch: int | None, epochs: int | None, total: int | None) -> TaskID:
        task = self._tasks.get(epoch)
        if task is None:
            label = "training" if epoch is None else f"epoch {epoch}/{epochs or '?'}"
            task = self.progress.add_task(label, total=total, metrics="")
            self._tasks[epoch] = task
        return task

    def on_event(self, event: DemoEvent) -> None:
        out = self.progress.console
        if isinstance(event, DeviceEvent):
            out.print(
                Text(
                    f"Device: {event.backend or '?'} on {event.device or '?'}"
                    f" ({event.precision or 'default precision'})"
                )
            )
        elif isinstance(event, DatasetEvent):
            out.print(Text(f"Dataset: {event.describe()}"), soft_wrap=True)
        elif isinstance(event, DownloadEvent):
            self._download(event)
        elif isinstance(event, DoneEvent) and event.lesson is not None:
            lesson = event.lesson
            verdict = "passed" if lesson.passed else "not passed"
            out.print(
                Text(
                    f"Lesson {verdict}: {lesson.metric} = {lesson.value:.4g} "
                    f"(target {lesson.target:g})"
                )
            )
        elif isinstance(event, ProgressEvent):
            task = self._task(event.epoch, event.epochs, event.steps)
            values = dict(event.metrics)
            if event.loss is not None:
                values = {"loss": event.loss, **values}
            self.progress.update(
                task, total=event.steps, completed=event.step or 0, metrics=metrics_text(values)
            )
        elif isinstance(event, EpochEvent):
            task = self._task(event.epoch, None, None)
            total = self.progress.tasks[task].total or 1
            self.progress.update(
                task, total=total, completed=total, metrics=metrics_text(event.logs)
            )
        elif isinstance(event, LogLine) and event.stream == "stdout" and event.text.strip():
            out.print(Text(event.text, style="dim"))

    def finish(self, result: RunResult) -> None:
        out, context = self.context.out, self.context
        if result.status == SUCCEEDED:
            out.print(
                Text(
                    f"✓ {result.demo_name}: run {result.run_id} succeeded in "
                    f"{result.duration_s:.1f} s"
                )
            )
            if result.metrics:
                out.print(Text("Metrics: " + metrics_text(result.metrics)))
            if result.artifacts:
                out.print(Text(f"Artifacts (in {result.artifact_dir}):"))
                for kind, paths in result.artifacts.items():
                    for path in paths:
                        out.print(Text(f"  {kind}: {path}"), soft_wrap=True)
            return
        if result.status == CANCELLED:
            context.error(f"{result.demo_name}: run {result.run_id} cancelled")
            return
        code = "" if result.exit_code is None else f" (exit {result.exit_code})"
        context.error(f"✗ {result.demo_name}: run {result.run_id} failed{code}: {result.error}")
        tail = [line for line in result.stderr_tail.splitlines() if line.strip()]
        if tail:
            context.error("Last lines on the demo's stderr:")
            for line in tail[-STDERR_LINES_SHOWN:]:
                context.err.print(Text("  " + line, style="dim"), soft_wrap=True)
