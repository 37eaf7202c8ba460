"""`studyapp demo ...`: list the demos, show one, run one with a progress bar, list past runs.

Command functions only; `studyapp.cli.app` registers them on its `demo` sub-app. The database
and the consoles come from the `CliContext` in typer's `ctx.obj`. Like the rest of the CLI
this never imports Textual, Keras or TensorFlow: a demo's Keras lives in the demo's own
process. The progress and JSON displays of a run are in `studyapp.cli.demo_display`.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from studyapp.cli.context import EXIT_FAILED, EXIT_USAGE, CliContext, JsonOption
from studyapp.text.formatting import metrics_text

# The runner and its displays load inside the demo commands: every command registers from
# this module, and `studyapp review` should not pay for them at its start.
if TYPE_CHECKING:
    from studyapp.demos.runner import DemoEvent, DemoRunHandle, RunResult

EXIT_CANCELLED = 130


def _demo_or_exit(context: CliContext, name: str) -> Any:
    from studyapp.demos.catalogue import UnknownDemo, all_demos, demo_by_name

    try:
        return demo_by_name(name)
    except UnknownDemo:
        known = ", ".join(d.name for d in all_demos())
        context.error(f"studyapp: unknown demo {name!r}; known demos: {known}")
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


def list_command(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List the demos: name, chapter and title."""
    from studyapp.demos.catalogue import all_demos

    context = ctx.ensure_object(CliContext)
    demos = list(all_demos())
    if as_json:
        context.echo(json.dumps([_info_dict(d) for d in demos], indent=2, default=str))
        return
    table = Table()
    for column in ("name", "chapter", "title", "--quick on CPU"):
        table.add_column(column, overflow="fold")
    for demo in demos:
        table.add_row(
            Text(demo.name),
            Text(getattr(demo, "chapter_title", str(demo.chapter))),
            Text(demo.title),
            Text(_quick_runtime(getattr(demo, "runtime_cpu", ""))),
        )
    context.out.print(table)


def info_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The demo's name (see `studyapp demo list`).")],
    as_json: JsonOption = False,
) -> None:
    """Show one demo: what it teaches, how to run it on its own, and its last runs."""
    context = ctx.ensure_object(CliContext)
    info = _demo_or_exit(context, name)
    with context.opened_store() as store:
        from studyapp.demos.runner import list_runs

        runs = list_runs(store.sessions, limit=5, demo_name=info.name)
    details = _info_dict(info)
    if as_json:
        context.echo(json.dumps({**details, "runs": runs}, indent=2, default=str))
        return
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for key, value in details.items():
        shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        table.add_row(Text(key), Text(shown))
    table.add_row("command", Text(f"python -m {info.module} --quick --data offline --out DIR"))
    context.out.print(table)
    if runs:
        context.out.print()
        context.out.print(_runs_table(runs, title="Last runs"))


def runs_command(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many runs.")] = 20,
    demo: Annotated[str | None, typer.Option("--demo", help="Only this demo's runs.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List past demo runs, newest first."""
    context = ctx.ensure_object(CliContext)
    with context.opened_store() as store:
        from studyapp.demos.runner import list_runs

        runs = list_runs(store.sessions, limit=limit, demo_name=demo)
    if as_json:
        context.echo(json.dumps(runs, indent=2, default=str))
        return
    context.out.print(_runs_table(runs))


def _runs_table(runs: list[dict[str, Any]], title: str | None = None) -> Table:
    table = Table(title=title)
    for column in ("id", "demo", "status", "started", "time", "device", "metrics", "folder"):
        table.add_column(column, overflow="fold")
    for run in runs:
        duration = run["duration_s"]
        table.add_row(
            str(run["id"]),
            Text(run["demo"]),
            Text(run["status"]),
            run["started_at"][:19].replace("T", " "),
            f"{duration:.1f} s" if duration is not None else "",
            Text(" ".join(x for x in (run["backend"], run["device"], run["precision"]) if x)),
            Text(metrics_text(run["metrics"])),
            Text(run["artifact_dir"] or ""),
        )
    return table


def run_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The demo's name (see `studyapp demo list`).")],
    epochs: Annotated[int | None, typer.Option("--epochs", min=1, help="Epochs to train.")] = None,
    batch_size: Annotated[
        int | None, typer.Option("--batch-size", min=1, help="Batch size.")
    ] = None,
    quick: Annotated[
        bool, typer.Option("--quick", help="A smoke test: a few steps, seconds long.")
    ] = False,
    lesson: Annotated[
        bool,
        typer.Option(
            "--lesson",
            help="The lesson: minutes on a CPU, and whether it reached the card's target.",
        ),
    ] = False,
    data: Annotated[
        str,
        typer.Option(
            "--data",
            help="auto (the book's data, downloaded once into the Keras cache), offline "
            "(bundled data only), library (text demos: your cards and notes) or a path.",
        ),
    ] = "auto",
    backend: Annotated[
        str | None, typer.Option("--backend", help="Keras backend: tensorflow, jax, torch.")
    ] = None,
    precision: Annotated[
        str | None, typer.Option("--precision", help="float32, mixed_float16, mixed_bfloat16.")
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed.")] = None,
    jit: Annotated[
        str | None,
        typer.Option("--jit", help="Compile with XLA: auto (on a GPU or TPU), on or off."),
    ] = None,
    steps: Annotated[
        int | None,
        typer.Option("--steps", min=1, help="Stop after this many training steps in total."),
    ] = None,
    devices: Annotated[
        str | None,
        typer.Option("--devices", help="GPUs to train on in data parallel: N or all (1)."),
    ] = None,
    deterministic: Annotated[
        bool,
        typer.Option("--deterministic", help="Deterministic kernels and seeds (slower)."),
    ] = False,
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
    from studyapp.cli.demo_display import JsonEventDisplay, ProgressDisplay
    from studyapp.demos.runner import CANCELLED, SUCCEEDED, DemoRequest, start_run
    from studyapp.store.review import card_exists

    context = ctx.ensure_object(CliContext)
    info = _demo_or_exit(context, name)
    if data not in ("auto", "offline", "library") and not Path(data).expanduser().exists():
        context.error(f"studyapp: no such data path: {data}")
        raise typer.Exit(EXIT_USAGE)
    if quick and lesson:
        context.error("studyapp: --quick and --lesson are two different runs; pass one")
        raise typer.Exit(EXIT_USAGE)
    if jit is not None and jit not in ("auto", "on", "off"):
        context.error(f"studyapp: --jit {jit}: expected auto, on or off")
        raise typer.Exit(EXIT_USAGE)
    if devices is not None and not (devices == "all" or (devices.isdigit() and int(devices))):
        context.error(f"studyapp: --devices {devices}: expected a number of GPUs or all")
        raise typer.Exit(EXIT_USAGE)
    request = DemoRequest(
        name=info.name,
        epochs=epochs,
        batch_size=batch_size,
        quick=quick,
        lesson=lesson,
        data=data,
        backend=backend,
        precision=precision,
        seed=seed,
        card_id=card,
        jit=jit,
        steps=steps,
        devices=int(devices) if devices and devices.isdigit() else devices,
        deterministic=deterministic,
    )
    with context.opened_store() as store:
        if card is not None and not card_exists(store.sessions, card):
            context.error(f"studyapp: no card with id {card}")
            raise typer.Exit(EXIT_USAGE)

        def start(on_event: Callable[[DemoEvent], None]) -> Callable[[], DemoRunHandle]:
            return lambda: start_run(
                store.sessions, request, module=info.module, on_event=on_event, clock=context.now
            )

        if as_json:
            json_display = JsonEventDisplay(context)
            result = _run_through_ctrl_c(start(json_display.on_event), context)
            json_display.finish(result)
        else:
            display = ProgressDisplay(context)
            with display:
                result = _run_through_ctrl_c(
                    start(display.on_event), context, on_started=display.started
                )
            display.finish(result)
    if result.status == CANCELLED:
        raise typer.Exit(EXIT_CANCELLED)
    if result.status != SUCCEEDED:
        raise typer.Exit(EXIT_FAILED)


def _run_through_ctrl_c(
    start: Callable[[], DemoRunHandle],
    context: CliContext,
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
                context.error("Cancelling the demo…")
            handle.cancel()
            continue
        assert result is not None
        return result
