"""The `studyapp` command line: the one typer app, and the one place every command is registered.

With no command it opens the TUI. The command modules (`library`, `optimize`, `stats`,
`exports`, `demo`) only define functions; this module builds the app and its `demo` sub-app
and registers each of them. The main callback turns `--db` into the `CliContext` that every
command reads from `ctx.obj`; `main(args, context)` lets a test bring its own.

Heavy parts load inside the command that needs them: Textual only when the TUI opens, and
Keras or TensorFlow never (demos run in their own process).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import replace
from typing import Annotated

import typer

from studyapp import __version__
from studyapp.cli import demo, exports, library, optimize, serve, stats
from studyapp.cli.context import CliContext

DbOption = Annotated[
    str | None,
    typer.Option("--db", envvar="STUDYAPP_DB", help="Database URL or SQLite file path."),
]


def _version(ctx: typer.Context, value: bool) -> None:
    if value:
        ctx.ensure_object(CliContext).echo(f"studyapp {__version__}")
        raise typer.Exit()


def main_callback(
    ctx: typer.Context,
    db: DbOption = None,
    version: Annotated[
        bool | None,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = None,
) -> None:
    """Open the study app (the bundled deck is imported on first start)."""
    context = ctx.ensure_object(CliContext)
    # `--db` beats a context's database; $STUDYAPP_DB only fills in where it names none, so a
    # test's database is never swapped for the one in the developer's environment.
    # (By name: typer >= 0.20 carries its own copy of click, with its own enum.)
    source = ctx.get_parameter_source("db")
    typed = source is not None and source.name == "COMMANDLINE"
    if db is not None and (typed or context.db is None):
        context = replace(context, db=db)
    ctx.obj = context
    if ctx.invoked_subcommand is None:
        run_tui(context, start="home")


def run_tui(context: CliContext, start: str) -> None:
    from studyapp.store.library import ensure_bundled_deck

    with context.opened_store() as store:
        ensure_bundled_deck(store.sessions, context.now())
        from studyapp.tui.app import make_app

        make_app(store, start=start, now=context.now).run()


def review_command(ctx: typer.Context) -> None:
    """Go straight to today's review queue."""
    run_tui(ctx.ensure_object(CliContext), start="review")


app = typer.Typer(
    help="Spaced-repetition study app for the terminal: markdown notes and flashcards, FSRS "
    "scheduling, runnable Keras demos.",
    no_args_is_help=False,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
app.callback(invoke_without_command=True)(main_callback)
app.command("review")(review_command)
app.command("import")(library.import_command)
app.command("cards")(library.cards_command)
app.command("decks")(library.decks_command)
app.command("optimize")(optimize.optimize_command)
app.command("stats")(stats.stats)
app.command("export")(exports.export)
app.command("backup")(exports.backup)
app.command("restore")(exports.restore)
app.command("serve")(serve.serve_command)

demo_app = typer.Typer(
    help="Run the Keras demos that cards link to, and see past runs.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
demo_app.command("list")(demo.list_command)
demo_app.command("info")(demo.info_command)
demo_app.command("runs")(demo.runs_command)
demo_app.command("run")(demo.run_command)
app.add_typer(demo_app, name="demo", help="List, inspect and run the Keras demos.")


def main(args: Sequence[str] | None = None, context: CliContext | None = None) -> None:
    """Run the CLI on `args` (default: the process's own) with `context` (default: the real
    clock, stdout and stderr). Exits the process, as a command does."""
    try:
        app(args=None if args is None else list(args), obj=context)
    except KeyboardInterrupt:
        sys.exit(130)
