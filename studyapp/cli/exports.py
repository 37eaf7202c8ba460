"""`studyapp export`, `backup` and `restore`: the CLI over `studyapp.exports`.

Command functions only; `studyapp.cli.app` registers them. The writers live in
`studyapp.exports` (no typer, no rich); here an `ExportError` becomes one line on stderr
that names the file, `studyapp <command>: <message>`, and exit status 1. A database that
does not open is the shared one line of `CliContext.opened_store()`, exit status 2.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from studyapp.cli.context import CliContext, database_location
from studyapp.exports import ExportError


class ExportFormat(StrEnum):
    CSV = "csv"
    APKG = "apkg"


DEFAULT_EXPORT = {ExportFormat.CSV: "studyapp-reviews.csv", ExportFormat.APKG: "studyapp.apkg"}


def export(
    ctx: typer.Context,
    format: Annotated[
        ExportFormat,
        typer.Option(
            "--format",
            "-f",
            help="csv: the review history (what `studyapp optimize --revlog` reads); "
            "apkg: an Anki package of every card.",
        ),
    ] = ExportFormat.CSV,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="File to write (default studyapp-reviews.csv or "
            "studyapp.apkg in the current folder).",
        ),
    ] = None,
) -> None:
    """Export the review history as CSV, or every card as an Anki package (.apkg)."""
    from studyapp.exports.output import atomic_output

    context = ctx.ensure_object(CliContext)
    kind = ExportFormat(format)
    target = output or Path(DEFAULT_EXPORT[kind])
    with context.opened_store() as store:
        try:
            with atomic_output(target) as partial:
                if kind is ExportFormat.CSV:
                    from studyapp.exports.csv_log import write_review_csv

                    what = f"{write_review_csv(store.sessions, partial)} reviews"
                else:
                    from studyapp.exports.anki import write_apkg

                    notes, decks = write_apkg(store.sessions, partial, context.now())
                    what = f"{notes} cards in {decks} decks"
        except ExportError as error:
            context.fail("export", str(error))
    context.error(f"Wrote {what} to {target}")


def _sqlite_database(context: CliContext, command: str) -> Path:
    """The SQLite file behind --db / $STUDYAPP_DB; refuses other backends clearly."""
    from db.engine import sqlite_file

    try:
        path = sqlite_file(context.db)
    except ValueError as error:  # not even a URL
        context.cannot_open(error)
    if path is None:
        context.fail(
            command,
            f"{database_location(context.db)} is not a SQLite file; {command} works on the "
            "embedded SQLite database only (use the server's own tools, e.g. pg_dump, for "
            "PostgreSQL)",
        )
    return path


def backup(
    ctx: typer.Context,
    output: Annotated[
        Path | None,
        typer.Argument(help="File to write (default: next to the database, with the time)."),
    ] = None,
) -> None:
    """Copy the SQLite database consistently (SQLite's backup API), even while it is in use."""
    from studyapp.exports.backup import backup_database, default_backup_path

    context = ctx.ensure_object(CliContext)
    database = _sqlite_database(context, "backup")
    if not database.exists():  # checked first: opening a missing file would create it
        if not database.parent.is_dir():  # no file can be there: the path does not open
            context.cannot_open(NotADirectoryError(f"{database.parent} is not a folder"))
        context.fail("backup", f"{database}: no such database")
    target = output or default_backup_path(database, context.now())
    # Opening first makes a file that is not a database the same one line as for any command.
    with context.opened_store():
        try:
            backup_database(database, target)
        except ExportError as error:
            context.fail("backup", str(error))
    context.error(f"Backed up {database} to {target}")


def restore(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A studyapp database file (e.g. from backup).")],
) -> None:
    """Replace the database with a backup, checked and upgraded first; the current one is
    saved beside it, and no other studyapp can write in between."""
    from studyapp.exports.restore import restore_database

    context = ctx.ensure_object(CliContext)
    database = _sqlite_database(context, "restore")
    try:
        revision, saved = restore_database(file, database, context.now())
    except ExportError as error:
        context.fail("restore", str(error))
    with context.opened_store():  # upgrades an older backup, with its own safety copy
        pass
    context.error(f"Restored {file} (schema {revision}) into {database}")
    if saved is not None:
        context.error(f"The database it replaced was saved as {saved}")
