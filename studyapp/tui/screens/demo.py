"""The demo screen: runs one demo (launched from a card) and shows it as it trains.

A thread worker runs `studyapp.demos.runner.start_run` and hands it the screen's cancel
`threading.Event`, so the runner never imports Textual. The run comes back as the typed
messages of `studyapp.tui.messages`: `DemoRunStarted`, then `DemoProgress` (queued ones
collapse into the latest) and `DemoRunEvent` for each other event, then `DemoRunFinished`
(or `DemoRunNotStarted`). The screen shows a progress bar with ETA (a dataset's download
first), a live loss/metric plot, a log of events, the pictures a generative demo draws after
each epoch (the latest, or the epoch `[` and `]` step to), the other images the demo writes,
and for a lesson run whether its metric reached the target. `o` opens the picture shown, or
the run's folder, in the system viewer. A crashing demo shows its error and stderr tail;
nothing it does can take the app down.

Its times (the run's start and end, the status's duration, the ETA) come from the app's
injected clock, so a frozen clock gives the same screen every run. Paths are written short:
relative to the run folder inside it, with `~` for home, the app's interpreter as `python`.

    app.push_screen(DemoScreen(store, DemoRequest(name, card_id=card.id, lesson=True,
                                                  data="offline")))
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.clock import Clock
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Label, ProgressBar, RichLog, Static

from studyapp.demos.runner import (
    CANCELLED,
    SUCCEEDED,
    ArtifactEvent,
    DatasetEvent,
    DemoEvent,
    DemoRequest,
    DemoRunHandle,
    DeviceEvent,
    DoneEvent,
    DownloadEvent,
    EpochEvent,
    ErrorEvent,
    LogLine,
    ProgressEvent,
    RunResult,
    start_run,
)
from studyapp.domain.clock import utc_now
from studyapp.text.formatting import metrics_text
from studyapp.tui.messages import (
    DemoProgress,
    DemoRunEvent,
    DemoRunFinished,
    DemoRunNotStarted,
    DemoRunStarted,
)
from studyapp.tui.screens.base import HasSessions, StudyScreen
from studyapp.tui.screens.demo_images import DemoImages
from studyapp.tui.screens.demo_views import (
    EpochPictures,
    command_text,
    download_log_line,
    download_size,
    lesson_verdict,
    open_in_viewer,
    shown_path,
)
from studyapp.tui.widgets.metric_plot import MetricPlot

MAX_PLOTTED_SERIES = 4
STDERR_LINES_SHOWN = 20


def _demo_heading(name: str) -> tuple[str, str]:
    """The demo's title and chapter from the catalogue; the bare name if it has none."""
    try:
        from studyapp.demos.catalogue import demo_by_name

        info = demo_by_name(name)
    except Exception:  # unknown (a test's fake demo) or the catalogue is missing
        return name, ""
    chapter = getattr(info, "chapter_title", None) or getattr(info, "chapter", None)
    return str(getattr(info, "title", name) or name), str(chapter or "")


class DemoScreen(StudyScreen["RunResult | None"]):
    """Runs `request` as soon as it is shown; the result is what `dismiss` hands back."""

    CSS_PATH = "demo.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "cancel_run", "Cancel run"),
        # Above the screen's own ctrl+c (copy text), so it always reaches the run.
        Binding("ctrl+c", "cancel_run", "Cancel run", show=False, priority=True),
        Binding("left_square_bracket", "step_epoch(-1)", "Earlier epoch"),
        Binding("right_square_bracket", "step_epoch(1)", "Later epoch"),
        Binding("o", "open_output", "Open picture/folder"),
        Binding("escape", "close", "Close"),
    ]

    @dataclass
    class _Progress:
        epoch: int | None = None
        epochs: int | None = None
        plotted: set[str] = field(default_factory=set)
        steps_seen: int = 0

    def __init__(
        self,
        store: HasSessions,
        request: DemoRequest,
        *,
        module: str | None = None,
        artifacts_root: Path | str | None = None,
        opener: Callable[[Path], None] = open_in_viewer,
        now: Callable[[], dt.datetime] | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.store = store
        self.request = request
        self.module = module
        """Run this module instead of the catalogue's (tests run fake demos)."""
        self.artifacts_root = artifacts_root
        self.opener = opener
        """Shows a file or folder to the user (the system viewer; tests pass a recorder)."""
        self._given_now = now
        self._now: Callable[[], dt.datetime] = now or utc_now
        self.run_dir: Path | None = None
        self.cancel_event = threading.Event()
        """Set to stop the run: the runner interrupts, then terminates, then kills the demo."""
        self.run_id: int | None = None
        self.run_handle: DemoRunHandle | None = None
        """The launched run (set on the worker thread); `run_handle.wait()` blocks until it
        is recorded, even after the screen is gone."""
        self.result: RunResult | None = None
        self.start_error: str | None = None
        self._progress = DemoScreen._Progress()
        self._facts: dict[str, str] = {}
        self._early: list[DemoEvent] = []
        """Events that came before the run's start (the demo's first lines can overtake the
        worker's message): shown after it, in their order, so the log always starts with the
        command and the artifacts' paths are written relative to the run folder."""

    # -- the clock

    def now(self) -> dt.datetime:
        """The current time: `now=` if given, else the app's injected clock (a `StudyApp`),
        else the wall clock. Called on the runner's threads too."""
        return self._now()

    def _resolve_clock(self) -> None:
        app_now = getattr(self.app, "now", None)
        if self._given_now is None and callable(app_now):
            self._now = app_now

    # -- layout

    def compose(self) -> ComposeResult:
        self._resolve_clock()
        title, chapter = _demo_heading(self.request.name)
        kind = "lesson" if getattr(self.request, "lesson", False) else "full"
        options = ["quick" if self.request.quick else kind, f"data {self.request.data}"]
        if self.request.epochs:
            options.append(f"{self.request.epochs} epochs")
        with Vertical(id="demo-head"):
            yield Static(Text(title, style="bold"), id="demo-title")
            yield Static(
                Text(" · ".join([x for x in (chapter, self.request.name) if x] + options)),
                id="demo-subtitle",
            )
            yield Static("Starting…", id="demo-status", classes="-running")
            yield Static("", id="demo-lesson")
            yield Static("", id="demo-facts")
            with Horizontal(id="demo-progress-row"):
                yield Label("", id="demo-epoch")
                # The ETA from the same clock: seconds since the epoch of `now`.
                eta_clock = Clock(get_time=lambda: self.now().timestamp())
                yield ProgressBar(id="demo-progress", show_eta=True, clock=eta_clock)
                yield Label("", id="demo-metrics")
        with Horizontal(id="demo-body"):
            yield MetricPlot(id="demo-plot", empty_text="The loss appears here as the demo trains.")
            yield DemoImages(id="demo-images")
        yield RichLog(id="demo-log", max_lines=1000, wrap=True, markup=False, highlight=False)
        yield Footer()

    def on_mount(self) -> None:
        self._run()

    def on_unmount(self) -> None:
        # Leaving the screen (or the app) must not leave a demo training in the background.
        if self.result is None:
            self.cancel_event.set()

    # -- state

    @property
    def running(self) -> bool:
        return self.result is None and self.start_error is None

    # -- the worker

    @work(thread=True, exclusive=True, exit_on_error=False, group="demo-run")
    def _run(self) -> RunResult | None:
        try:
            handle = start_run(
                self.store.sessions,
                self.request,
                on_event=self._forward,
                cancel_event=self.cancel_event,
                module=self.module,
                artifacts_root=self.artifacts_root,
                clock=self.now,
            )
        except Exception as error:
            self.post_message(DemoRunNotStarted(f"{type(error).__name__}: {error}"))
            return None
        self.run_handle = handle
        self.post_message(DemoRunStarted(handle.run_id, handle.run_dir, handle.command))
        result = handle.wait()
        assert result is not None
        self.post_message(DemoRunFinished(result))
        return result

    def _forward(self, event: DemoEvent) -> None:
        # Called on the runner's reader threads; post_message is thread-safe.
        if isinstance(event, ProgressEvent):
            self.post_message(DemoProgress(event))
        else:
            self.post_message(DemoRunEvent(event))

    # -- messages

    @property
    def _log(self) -> RichLog:
        return self.query_one("#demo-log", RichLog)

    def _status(self, text: str, state: str) -> None:
        status = self.query_one("#demo-status", Static)
        # Error messages and metric names come from the demo: text, never markup.
        status.update(Text(text))
        for name in ("-running", "-succeeded", "-failed", "-cancelled"):
            status.set_class(name == f"-{state}", name)

    def on_demo_run_started(self, message: DemoRunStarted) -> None:
        self.run_id = message.run_id
        self.run_dir = message.run_dir
        if not self.cancel_event.is_set():
            self._status(f"Running (run {message.run_id})…", "running")
        command = command_text(message.command)
        self._log.write(Text(f"run {message.run_id}: {command}", style="dim"))
        early, self._early = self._early, []
        for event in early:
            self._show_event(event)

    def on_demo_run_not_started(self, message: DemoRunNotStarted) -> None:
        self.start_error = message.message
        self._status(f"Could not start the demo: {message.message}", "failed")
        self._log.write(Text(message.message, style="bold red"))

    def on_demo_progress(self, message: DemoProgress) -> None:
        if self.run_id is None:
            self._early.append(message.event)
            return
        self._show_progress(message.event)

    def on_demo_run_event(self, message: DemoRunEvent) -> None:
        if self.run_id is None:
            self._early.append(message.event)
            return
        self._show_event(message.event)

    def _show_event(self, event: DemoEvent) -> None:
        if isinstance(event, ProgressEvent):
            self._show_progress(event)
            return
        log = self._log
        if isinstance(event, EpochEvent):
            self._show_epoch(event)
            log.write(Text(f"epoch {event.epoch}: {metrics_text(event.logs)}"))
        elif isinstance(event, DeviceEvent):
            facts = (
                f"{event.backend or '?'} on {event.device or '?'} "
                f"({event.precision or 'default precision'})"
            )
            self._add_fact("device", facts)
            log.write(Text.assemble(("device ", "bold"), facts))
        elif isinstance(event, DatasetEvent):
            self._add_fact("data", event.title or event.name or "?")
            log.write(Text.assemble(("dataset ", "bold"), event.describe()))
        elif isinstance(event, ArtifactEvent):
            path = shown_path(event.path, self.run_dir)
            log.write(Text.assemble(("artifact ", "bold"), f"{event.kind}: {path}"))
            self.query_one(DemoImages).show(event)
        elif isinstance(event, DownloadEvent):
            self._show_download(event)
        elif isinstance(event, DoneEvent):
            log.write(Text.assemble(("done ", "bold green"), metrics_text(event.metrics)))
            self._show_lesson(event)
        elif isinstance(event, ErrorEvent):
            log.write(Text.assemble(("error ", "bold red"), event.message))
        elif isinstance(event, LogLine) and event.text.strip():
            log.write(Text(event.text, style="dim" if event.stream == "stderr" else ""))

    def on_demo_run_finished(self, message: DemoRunFinished) -> None:
        result = message.result
        self.result = result
        bar = self.query_one("#demo-progress", ProgressBar)
        log = self._log
        if result.status == SUCCEEDED:
            if bar.total is not None:
                bar.update(progress=bar.total)
            summary = f"Succeeded in {result.duration_s:.1f} s"
            if result.metrics:
                summary += " · " + metrics_text(result.metrics)
            self._status(summary, "succeeded")
            folder = shown_path(result.artifact_dir)
            log.write(Text(f"run {result.run_id} succeeded; files in {folder}"))
        elif result.status == CANCELLED:
            self._status(f"Cancelled after {result.duration_s:.1f} s", "cancelled")
            log.write(Text(f"run {result.run_id} cancelled", style="yellow"))
        else:
            code = "" if result.exit_code is None else f" (exit {result.exit_code})"
            self._status(f"Failed{code}: {result.error}", "failed")
            log.write(Text(f"run {result.run_id} failed{code}: {result.error}", style="bold red"))
            tail = [line for line in result.stderr_tail.splitlines() if line.strip()]
            if tail:
                log.write(Text("last lines on the demo's stderr:", style="red"))
                for line in tail[-STDERR_LINES_SHOWN:]:
                    log.write(Text("  " + line, style="red"))

    # -- pieces of the display

    def _add_fact(self, key: str, value: str) -> None:
        self._facts[key] = value
        self.query_one("#demo-facts", Static).update(
            Text("   ".join(f"{k}: {v}" for k, v in self._facts.items()))
        )

    def _show_progress(self, event: ProgressEvent) -> None:
        state = self._progress
        state.epoch = event.epoch if event.epoch is not None else state.epoch
        state.epochs = event.epochs if event.epochs is not None else state.epochs
        step, steps = event.step or 0, event.steps
        bar = self.query_one("#demo-progress", ProgressBar)
        if steps:
            if state.epoch is not None and state.epochs:
                bar.update(total=state.epochs * steps, progress=(state.epoch - 1) * steps + step)
            else:
                bar.update(total=steps, progress=step)
        label = []
        if state.epoch is not None:
            label.append(f"epoch {state.epoch}/{state.epochs or '?'}")
        if steps:
            label.append(f"step {step}/{steps}")
        self.query_one("#demo-epoch", Label).update(Text(" · ".join(label)))
        values = dict(event.metrics)
        if event.loss is not None:
            values = {"loss": event.loss, **values}
        self.query_one("#demo-metrics", Label).update(Text(metrics_text(values)))
        if event.loss is None:
            return
        state.steps_seen += 1
        if state.epoch is not None and steps:
            x = (state.epoch - 1) + step / steps
        else:
            x = float(state.steps_seen)
        plot = self.query_one(MetricPlot)
        # The loss and its parts (a VAE's kl_loss, a GAN's g_loss), step by step.
        losses = {"loss": event.loss} | {
            k: v for k, v in event.metrics.items() if k.endswith("_loss")
        }
        for key, value in losses.items():
            if key in plot.series or len(plot.series) < MAX_PLOTTED_SERIES - 1:
                plot.add_point(key, x, value)

    def _show_epoch(self, event: EpochEvent) -> None:
        # The validation loss once an epoch, against the training loss drawn step by step;
        # a demo that reports no steps gets its epoch loss drawn instead.
        if event.epoch is None:
            return
        plot = self.query_one(MetricPlot)
        keys = ["val_loss"] if "loss" in plot.series else ["loss", "val_loss"]
        for key in keys:
            if key in event.logs:
                name = "epoch loss" if key == "loss" else key
                plot.add_point(name, float(event.epoch), event.logs[key])

    def _show_download(self, event: DownloadEvent) -> None:
        self.query_one("#demo-progress", ProgressBar).update(
            total=event.total_bytes, progress=event.bytes_done
        )
        self.query_one("#demo-epoch", Label).update(Text(f"downloading {event.file}"))
        self.query_one("#demo-metrics", Label).update(Text(download_size(event)))
        if (line := download_log_line(event)) is not None:
            self._log.write(Text.assemble(("download ", "bold"), line))

    def _show_lesson(self, event: DoneEvent) -> None:
        if event.lesson is None:
            return
        text = lesson_verdict(event.lesson, self.request.name)
        widget = self.query_one("#demo-lesson", Static)
        widget.update(Text(text))
        widget.set_class(event.lesson.passed, "-passed")
        widget.set_class(not event.lesson.passed, "-missed")
        self._log.write(Text(f"lesson: {text}"))

    # -- actions

    def action_cancel_run(self) -> None:
        if not self.running:
            self.notify("The demo is not running.", timeout=3)
            return
        if not self.cancel_event.is_set():
            self.cancel_event.set()
            self._status("Cancelling…", "running")

    def action_step_epoch(self, delta: int) -> None:
        pictures = self.query_one(EpochPictures)
        if not pictures.step(delta):
            where = "no picture yet" if pictures.index is None else "no epoch further that way"
            self.notify(f"Epoch pictures: {where}.", timeout=2)

    def action_open_output(self) -> None:
        shown = self.query_one(EpochPictures).shown
        target = Path(shown.path) if shown is not None else self.run_dir
        if target is None:
            self.notify("Nothing to open yet: the run has not started.", timeout=3)
            return
        try:
            self.opener(target)
        except OSError as error:
            self.notify(f"Cannot open {target}: {error}", severity="warning", markup=False)
            return
        self.notify(f"Opened {target}", timeout=3, markup=False)

    def action_close(self) -> None:
        if self.running:
            self.cancel_event.set()
        self.dismiss(self.result)
