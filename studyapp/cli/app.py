"""The `studyapp` command line. With no command it opens the TUI.

Heavy parts load inside the command that needs them: Textual only when the TUI opens, and
Keras or TensorFlow never (demos run in their own process).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from studyapp import __version__

app = typer.Typer(
    help="Spaced-repetition study app for the terminal: markdown notes and flashcards, FSRS "
    "scheduling, runnable Keras demos.",
    no_args_is_help=False,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
console = Console()
errors = Console(stderr=True)

DbOption = Annotated[
    str | None,
    typer.Option("--db", envvar="STUDYAPP_DB", help="Database URL or SQLite file path."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


class _State:
    db: str | None = None


state = _State()


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _version(value: bool) -> None:
    if value:
        print(f"studyapp {__version__}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def main_callback(
    ctx: typer.Context,
    db: DbOption = None,
    version: Annotated[
        bool | None,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = None,
) -> None:
    """Open the study app (the bundled deck is imported on first start)."""
    state.db = db
    if ctx.invoked_subcommand is None:
        _run_tui(start="home")


def _open() -> Any:
    from studyapp.store.opening import open_store

    try:
        store = open_store(state.db)
    except Exception as error:  # an unreachable server, a corrupt file: one line, no trace
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        errors.print(f"studyapp: cannot open the database: {reason}", markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    if store.migration_backup is not None:
        errors.print(f"Database upgraded; the old file was copied to {store.migration_backup}")
    return store


def _run_tui(start: str) -> None:
    from studyapp.store.library import ensure_bundled_deck

    store = _open()
    ensure_bundled_deck(store.sessions, utc_now())
    from studyapp.tui.app import make_app

    make_app(store, start=start).run()
    store.close()


@app.command("review")
def review_command() -> None:
    """Go straight to today's review queue."""
    _run_tui(start="review")


@app.command("import")
def import_command(
    paths: Annotated[list[str], typer.Argument(help="Markdown files or folders.")],
    as_json: JsonOption = False,
) -> None:
    """Import markdown notes and flashcards (files or folders, recursively)."""
    from studyapp.store.library import import_paths

    store = _open()
    reports = import_paths(store.sessions, paths, utc_now())
    store.close()
    failed = any(r.status == "failed" for r in reports)
    if as_json:
        print(json.dumps({"files": [r.as_dict() for r in reports], "ok": not failed}, indent=2))
    else:
        table = Table(title="Import")
        for column in (
            "file",
            "format",
            "status",
            "added",
            "updated",
            "unchanged",
            "retired",
            "errors",
        ):
            table.add_column(
                column, justify="right" if column not in ("file", "format", "status") else "left"
            )
        for r in reports:
            table.add_row(
                r.path,
                r.format,
                r.status,
                str(r.added),
                str(r.updated + r.restored),
                str(r.unchanged),
                str(r.retired),
                str(r.errors),
            )
        console.print(table)
        for r in reports:
            for message in r.messages:
                errors.print(message, markup=False, highlight=False, soft_wrap=True)
    if failed:
        raise typer.Exit(1)


@app.command("cards")
def cards_command(
    deck: Annotated[str | None, typer.Option(help="Only this deck (title or file).")] = None,
    due: Annotated[bool, typer.Option("--due", help="Only cards due now.")] = False,
    as_json: JsonOption = False,
) -> None:
    """List cards with deck, chapter, question, source file:line, state, due and demos."""
    from studyapp.store.listing import list_cards

    store = _open()
    rows = list_cards(store.sessions, deck=deck, due_only=due, now=utc_now())
    store.close()
    if as_json:
        print(json.dumps(rows, indent=2, default=str))
        return
    table = Table()
    for column in ("id", "deck", "chapter", "question", "source", "state", "due", "demos"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            str(row["id"]),
            row["deck"],
            row["chapter"] or "",
            _short(row["question"]),
            f"{Path(row['source_file']).name}:{row['source_line']}",
            row["state"],
            row["due"] or "",
            ", ".join(row["demos"]),
        )
    console.print(table)


@app.command("decks")
def decks_command(as_json: JsonOption = False) -> None:
    """List decks with their card counts."""
    from studyapp.store.listing import list_decks

    store = _open()
    rows = list_decks(store.sessions, utc_now())
    store.close()
    if as_json:
        print(json.dumps(rows, indent=2, default=str))
        return
    table = Table()
    for column in ("id", "deck", "format", "cards", "new", "due", "retired", "file"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            *(
                str(row[k])
                for k in ("id", "title", "format", "cards", "new", "due", "retired", "source_path")
            )
        )
    console.print(table)


@app.command("optimize")
def optimize_command(
    revlog: Annotated[
        Path | None,
        typer.Option(
            "--revlog",
            help="Fit to this CSV (card_id,review_rating,review_time,"
            "review_duration) instead of the database's review log.",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Fit FSRS parameters to your review history, save them and reschedule the cards."""
    from dataclasses import replace

    from studyapp.domain.parsing import ParseError
    from studyapp.store.optimize import (
        TooLittleHistory,
        fit,
        history_from_csv,
        history_from_database,
        reschedule,
    )
    from studyapp.store.settings import load_scheduler_settings, save_scheduler_settings

    store = _open()
    settings = load_scheduler_settings(store.sessions)
    try:
        if revlog is not None:
            history = history_from_csv(revlog)
            source = str(revlog)
        else:
            with store.sessions() as session:
                history = history_from_database(session)
            source = "database"
        result = fit(history, settings, source)
    except (ParseError, TooLittleHistory) as error:
        errors.print(f"studyapp optimize: {error}", markup=False, highlight=False)
        raise typer.Exit(1) from None
    settings = replace(settings, parameters=tuple(result.parameters))
    save_scheduler_settings(store.sessions, settings)
    result.rescheduled = reschedule(store.sessions, settings, utc_now())
    store.close()
    if as_json:
        print(json.dumps(result.as_dict(), indent=2))
        return
    table = Table(
        title=f"FSRS parameters fitted to {result.reviews} reviews of "
        f"{result.cards} cards ({result.source})"
    )
    table.add_column("parameters")
    table.add_column("log loss", justify="right")
    table.add_column("RMSE (bins)", justify="right")
    for name, figures in (("default", result.default), ("fitted", result.fitted)):
        table.add_row(name, f"{figures['log_loss']:.4f}", f"{figures['rmse_bins']:.4f}")
    console.print(table)
    console.print(f"Saved; {result.rescheduled} cards rescheduled.")


def _register_subcommands() -> None:
    from studyapp.cli import stats as stats_commands
    from studyapp.cli.demo import demo_app

    app.add_typer(demo_app, name="demo", help="List, inspect and run the Keras demos.")
    app.command("stats")(stats_commands.stats)
    app.command("export")(stats_commands.export)
    app.command("backup")(stats_commands.backup)
    app.command("restore")(stats_commands.restore)


_register_subcommands()


def _short(text: str, width: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
