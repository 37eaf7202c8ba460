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
from studyapp.cli import card, check, demo, exports, library, optimize, profiles, serve, stats
from studyapp.cli.context import EXIT_USAGE, CliContext
from studyapp.cli.interrupt import EXIT_INTERRUPTED, by_ctrl_c, say_interrupted

DbOption = Annotated[
    str | None,
    typer.Option("--db", envvar="STUDYAPP_DB", help="Database URL or SQLite file path."),
]


ProfileOption = Annotated[
    str | None,
    typer.Option(
        "--profile",
        envvar="STUDYAPP_PROFILE",
        help="The learner: their own schedule, answers and settings over the shared decks.",
    ),
]


def _version(ctx: typer.Context, value: bool) -> None:
    if value:
        ctx.ensure_object(CliContext).echo(f"studyapp {__version__}")
        raise typer.Exit()


def main_callback(
    ctx: typer.Context,
    db: DbOption = None,
    profile: ProfileOption = None,
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
    if typed and db is not None and not db.strip():  # not "the default database"
        context.error("studyapp: --db is empty; give a database URL or a SQLite file path")
        raise typer.Exit(EXIT_USAGE)
    if db is not None and (typed or context.db is None):
        context = replace(context, db=db)
    if profile is not None:
        from studyapp.store.learners import LearnerProblem, check_name

        try:
            context = replace(context, profile=check_name(profile))
        except LearnerProblem as problem:
            context.error(f"studyapp: --profile: {problem}")
            raise typer.Exit(EXIT_USAGE) from None
    ctx.obj = context
    if ctx.invoked_subcommand is None:
        run_tui(context, start="home")


def run_tui(context: CliContext, start: str) -> None:
    from studyapp.store.deck_files import ensure_bundled_deck

    with context.opened_store() as store:
        ensure_bundled_deck(store.sessions, context.now())
        from studyapp.tui.app import make_app

        tui = make_app(store, start=start, now=context.now)
        tui.run()
    if tui.return_code:  # the app ended on an unhandled exception (Textual printed it)
        raise typer.Exit(tui.return_code)


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
app.command("check")(check.check_command)
app.command("serve")(serve.serve_command)


def sub_app(help: str) -> typer.Typer:
    """A command group (`studyapp demo ...`), set up as the main app is."""
    return typer.Typer(
        help=help,
        no_args_is_help=True,
        add_completion=False,
        rich_markup_mode=None,
        pretty_exceptions_enable=False,
    )


demo_app = sub_app("Run the Keras demos that cards link to, and see past runs.")
demo_app.command("list")(demo.list_command)
demo_app.command("info")(demo.info_command)
demo_app.command("runs")(demo.runs_command)
demo_app.command("run")(demo.run_command)
app.add_typer(demo_app, name="demo", help="List, inspect and run the Keras demos.")

deck_app = sub_app("Change a deck.")
deck_app.command("rename")(library.rename_command)
app.add_typer(deck_app, name="deck", help="Change a deck: rename it.")
app.add_typer(card.card_app, name="card", help="Suspend, bury, flag or reset cards by id.")

profiles_app = typer.Typer(
    help="The learners sharing this database, and setting up a class on PostgreSQL.",
    invoke_without_command=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
profiles_app.callback(invoke_without_command=True)(profiles.list_command)
profiles_app.command("add")(profiles.add_command)
profiles_app.command("teacher")(profiles.teacher_command)
app.add_typer(profiles_app, name="profiles", help="List the learners; add learners, a teacher.")


def main(args: Sequence[str] | None = None, context: CliContext | None = None) -> None:
    """Run the CLI on `args` (default: the process's own) with `context` (default: the real
    clock, stdout and stderr). Exits the process, as a command does."""
    try:
        app(args=None if args is None else list(args), obj=context)
    except KeyboardInterrupt:  # before typer could turn it into its exit status 130
        say_interrupted(context)
        sys.exit(EXIT_INTERRUPTED)
    except SystemExit as exit:
        if exit.code == EXIT_INTERRUPTED and by_ctrl_c(exit):
            say_interrupted(context)
        raise
