"""`studyapp demo ...`: list the demos, show one, run one with a progress bar, list past runs.

A Typer sub-app that `studyapp.cli.app` registers as `demo`. The database comes from the main
callback's `--db` (read lazily from `studyapp.cli.app.state`, which imports this module).
Like the rest of the CLI it never imports Textual, Keras or TensorFlow: a demo's Keras lives
in the demo's own process.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from studyapp.demos.runner import (
    CANCELLED,
    SUCCEEDED,
    DatasetEvent,
    DemoEvent,
    DemoRequest,
    DemoRunHandle,
    DeviceEvent,
    EpochEvent,
    LogLine,
    ProgressEvent,
    RunResult,
    list_runs,
    start_run,
)

demo_app = typer.Typer(
    help="Run the Keras demos that cards link to, and see past runs.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_CANCELLED = 130
STDERR_LINES_SHOWN = 15


def _consoles() -> tuple[Console, Console]:
    # Made per command, so that a test runner's captured streams are the ones written to.
    return Console(), Console(stderr=True)


@contextmanager
def _store() -> Iterator[Any]:
    import studyapp.cli.app as cli  # lazy: cli imports this module to register the sub-app
    from studyapp.store.opening import open_store

    _, errors = _consoles()
    try:
        store = open_store(cli.state.db)
    except Exception as error:  # an unreachable server, a corrupt file: one line, no trace
        reason = (str(error).splitlines() or [type(error).__name__])[0]  # no SQLAlchemy footer
        errors.print(f"studyapp: cannot open the database: {reason}", markup=False)
        raise typer.Exit(EXIT_USAGE) from None
    if store.migration_backup is not None:
        errors.print(f"Database upgraded; the old file was copied to {store.migration_backup}")
    try:
        yield store
    finally:
        store.close()


def _demo_or_exit(name: str) -> Any:
    from studyapp.demos.catalogue import UnknownDemo, all_demos, demo_by_name

    try:
        return demo_by_name(name)
    except UnknownDemo:
        known = ", ".join(d.name for d in all_demos())
        _consoles()[1].print(
            f"studyapp: unknown demo {name!r}; known demos: {known}", markup=False, soft_wrap=True
        )
        raise typer.Exit(EXIT_USAGE) from None


def _quick_runtime(runtime: str) -> str:
    # "about 2 minutes for 10 epochs on a 2-core CPU; --quick about 10 s" -> "about 10 s"
    _, _, quick = runtime.partition("--quick")
    return quick.strip() or runtime


def _info_dict(info: Any) -> dict[str, Any]:
    if dataclasses.is_dataclass(info) and not isinstance(info, type):
        raw = dataclasses.asdict(info)
    else:
        raw = {k: v for k, v in vars(info).items() if not k.startswith("_")}
    return {k: list(v) if isinstance(v, tuple | frozenset | set) else v for k, v in raw.items()}


@demo_app.command("list")
def list_command(as_json: JsonOption = False) -> None:
    """List the demos: name, chapter and title."""
    from studyapp.demos.catalogue import all_demos

    demos = list(all_demos())
    console, _ = _consoles()
    if as_json:
        print(json.dumps([_info_dict(d) for d in demos], indent=2, default=str))
        return
    table = Table()
    for column in ("name", "chapter", "title", "--quick on CPU"):
        table.add_column(column, overflow="fold")
    for demo in demos:
        table.add_row(
            demo.name,
            getattr(demo, "chapter_title", str(demo.chapter)),
            demo.title,
            _quick_runtime(getattr(demo, "runtime_cpu", "")),
        )
    console.print(table)


@demo_app.command("info")
def info_command(
    name: Annotated[str, typer.Argument(help="The demo's name (see `studyapp demo list`).")],
    as_json: JsonOption = False,
) -> None:
    """Show one demo: what it teaches, how to run it on its own, and its last runs."""
    info = _demo_or_exit(name)
    with _store() as store:
        runs = list_runs(store.sessions, limit=5, demo_name=info.name)
    details = _info_dict(info)
    if as_json:
        print(json.dumps({**details, "runs": runs}, indent=2, default=str))
        return
    console, _ = _consoles()
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for key, value in details.items():
        shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        table.add_row(key, shown)
    table.add_row("command", f"python -m {info.module} --quick --data offline --out DIR")
    console.print(table)
    if runs:
        console.print()
        console.print(_runs_table(runs, title="Last runs"))


@demo_app.command("runs")
def runs_command(
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many runs.")] = 20,
    demo: Annotated[str | None, typer.Option("--demo", help="Only this demo's runs.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List past demo runs, newest first."""
    with _store() as store:
        runs = list_runs(store.sessions, limit=limit, demo_name=demo)
    if as_json:
        print(json.dumps(runs, indent=2, default=str))
        return
    _consoles()[0].print(_runs_table(runs))


def _runs_table(runs: list[dict[str, Any]], title: str | None = None) -> Table:
    table = Table(title=title)
    for column in ("id", "demo", "status", "started", "time", "device", "metrics", "folder"):
        table.add_column(column, overflow="fold")
    for run in runs:
        duration = run["duration_s"]
        table.add_row(
            str(run["id"]),
            run["demo"],
            run["status"],
            run["started_at"][:19].replace("T", " "),
            f"{duration:.1f} s" if duration is not None else "",
            " ".join(x for x in (run["backend"], run["device"], run["precision"]) if x),
            _metrics_text(run["metrics"]),
            run["artifact_dir"] or "",
        )
    return table


@demo_app.command("run")
def run_command(
    name: Annotated[str, typer.Argument(help="The demo's name (see `studyapp demo list`).")],
    epochs: Annotated[int | None, typer.Option("--epochs", min=1, help="Epochs to train.")] = None,
    batch_size: Annotated[
        int | None, typer.Option("--batch-size", min=1, help="Batch size.")
    ] = None,
    quick: Annotated[
        bool, typer.Option("--quick", help="A small, fast run (a subset of the data).")
    ] = False,
    data: Annotated[
        str,
        typer.Option(
            "--data",
            help="auto (download if needed), offline (bundled data only) or a path.",
        ),
    ] = "auto",
    backend: Annotated[
        str | None, typer.Option("--backend", help="Keras backend: tensorflow, jax, torch.")
    ] = None,
    precision: Annotated[
        str | None, typer.Option("--precision", help="float32, mixed_float16, mixed_bfloat16.")
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed.")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the demo's JSON events as they come.")
    ] = False,
    card: Annotated[
        int | None, typer.Option("--card", help="Record the run against this card id.")
    ] = None,
) -> None:
    """Run a demo: progress, metrics and the paths of its images; the run is recorded.

    Ctrl-C stops the demo and records the run as cancelled (exit 130). A failed demo prints
    its error and last stderr lines (exit 1).
    """
    info = _demo_or_exit(name)
    console, errors = _consoles()
    if data not in ("auto", "offline") and not Path(data).expanduser().exists():
        errors.print(f"studyapp: no such data path: {data}", markup=False)
        raise typer.Exit(EXIT_USAGE)
    request = DemoRequest(
        name=info.name,
        epochs=epochs,
        batch_size=batch_size,
        quick=quick,
        data=data,
        backend=backend,
        precision=precision,
        seed=seed,
        card_id=card,
    )
    with _store() as store:
        if card is not None and not _card_exists(store, card):
            errors.print(f"studyapp: no card with id {card}", markup=False)
            raise typer.Exit(EXIT_USAGE)
        if as_json:
            json_display = JsonEventDisplay()
            result = _run_through_ctrl_c(
                lambda: start_run(
                    store.sessions, request, module=info.module, on_event=json_display.on_event
                ),
                errors,
            )
            json_display.finish(result)
        else:
            display = ProgressDisplay(console)
            with display:
                result = _run_through_ctrl_c(
                    lambda: start_run(
                        store.sessions, request, module=info.module, on_event=display.on_event
                    ),
                    errors,
                    on_started=display.started,
                )
            display.finish(result, errors)
    if result.status == CANCELLED:
        raise typer.Exit(EXIT_CANCELLED)
    if result.status != SUCCEEDED:
        raise typer.Exit(EXIT_FAILED)


def _card_exists(store: Any, card_id: int) -> bool:
    from db.models import Card

    with store.sessions() as session:
        return session.get(Card, card_id) is not None


def _run_through_ctrl_c(
    start: Callable[[], DemoRunHandle],
    errors: Console,
    on_started: Callable[[DemoRunHandle], None] | None = None,
) -> RunResult:
    """Start the run and wait for it; Ctrl-C asks it to stop and waits until it is recorded.

    The demo runs in its own process group, so the terminal's Ctrl-C reaches only us: the
    runner then interrupts the demo, and terminates or kills it if it does not stop.
    """
    handle: DemoRunHandle | None = None
    while True:
        try:
            if handle is None:
                handle = start()
                if on_started is not None:
                    on_started(handle)
            result = handle.wait()
        except KeyboardInterrupt:
            if handle is None:  # nothing was launched
                raise typer.Exit(EXIT_CANCELLED) from None
            if not handle.cancel_event.is_set():
                errors.print("Cancelling the demo…")
            handle.cancel()
            continue
        assert result is not None
        return result


class JsonEventDisplay:
    """`--json`: the demo's event lines unchanged on stdout, then one `run` line."""

    def on_event(self, event: DemoEvent) -> None:
        if isinstance(event, LogLine):
            # Keep stdout pure JSON lines: the demo's other output goes to stderr.
            print(event.text, file=sys.stderr, flush=True)
        else:
            print(event.line, flush=True)

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
        print(json.dumps(summary), flush=True)


class ProgressDisplay:
    """A rich progress bar per epoch (step/steps, loss and metrics, ETA) and a summary."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(bar_width=30),
            MofNCompleteColumn(),
            TextColumn("{task.fields[metrics]}"),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            console=console,
        )
        self._tasks: dict[int | None, TaskID] = {}

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
                f"Device: {event.backend or '?'} on {event.device or '?'}"
                f" ({event.precision or 'default precision'})",
                markup=False,
            )
        elif isinstance(event, DatasetEvent):
            out.print(f"Dataset: {event.describe()}", markup=False, soft_wrap=True)
        elif isinstance(event, ProgressEvent):
            task = self._task(event.epoch, event.epochs, event.steps)
            values = dict(event.metrics)
            if event.loss is not None:
                values = {"loss": event.loss, **values}
            self.progress.update(
                task, total=event.steps, completed=event.step or 0, metrics=_metrics_text(values)
            )
        elif isinstance(event, EpochEvent):
            task = self._task(event.epoch, None, None)
            total = self.progress.tasks[task].total or 1
            self.progress.update(
                task, total=total, completed=total, metrics=_metrics_text(event.logs)
            )
        elif isinstance(event, LogLine) and event.stream == "stdout" and event.text.strip():
            out.print(Text(event.text, style="dim"))

    def finish(self, result: RunResult, errors: Console) -> None:
        out = self.console
        if result.status == SUCCEEDED:
            out.print(
                f"✓ {result.demo_name}: run {result.run_id} succeeded in {result.duration_s:.1f} s",
                markup=False,
            )
            if result.metrics:
                out.print("Metrics: " + _metrics_text(result.metrics), markup=False)
            if result.artifacts:
                out.print(f"Artifacts (in {result.artifact_dir}):", markup=False)
                for kind, paths in result.artifacts.items():
                    for path in paths:
                        out.print(f"  {kind}: {path}", markup=False, soft_wrap=True)
            return
        if result.status == CANCELLED:
            errors.print(f"{result.demo_name}: run {result.run_id} cancelled", markup=False)
            return
        code = "" if result.exit_code is None else f" (exit {result.exit_code})"
        errors.print(
            f"✗ {result.demo_name}: run {result.run_id} failed{code}: {result.error}",
            markup=False,
            soft_wrap=True,
        )
        tail = [line for line in result.stderr_tail.splitlines() if line.strip()]
        if tail:
            errors.print("Last lines on the demo's stderr:", markup=False)
            for line in tail[-STDERR_LINES_SHOWN:]:
                errors.print(Text("  " + line, style="dim"), soft_wrap=True)


def _metrics_text(values: dict[str, Any]) -> str:
    parts = []
    # The loss first: it is what a reader looks for, and the demos put it anywhere.
    ordered = sorted(values.items(), key=lambda item: item[0] != "loss")
    for key, value in ordered:
        if isinstance(value, float):
            parts.append(f"{key} {value:.4g}")
        elif isinstance(value, int | str) and not isinstance(value, bool):
            parts.append(f"{key} {value}")
    return " · ".join(parts)
