"""`studyapp import`, `cards`, `decks` and `deck rename`: bring markdown into the database, list
what is there, and name a deck.

Command functions only; `studyapp.cli.app` registers them. Each opens the database through
`CliContext.opened_store()`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from studyapp.cli.context import EXIT_FAILED, EXIT_USAGE, CliContext, JsonOption
from studyapp.cli.interrupt import ctrl_c_for_an_import
from studyapp.text.formatting import shorten

QUESTION_WIDTH = 80


def import_command(
    ctx: typer.Context,
    paths: Annotated[list[str], typer.Argument(help="Markdown files or folders.")],
    as_json: JsonOption = False,
    dialect: Annotated[
        str | None,
        typer.Option(help="Read every file as studyapp, obsidian or hashcards."),
    ] = None,
    separator: Annotated[
        str | None,
        typer.Option(help="Obsidian Spaced Repetition single-line separator (beats data.json)."),
    ] = None,
) -> None:
    """Import markdown notes and flashcards (files or folders, recursively)."""
    from studyapp.store.library import import_paths

    context = ctx.ensure_object(CliContext)
    separators = {"singleLineCardSeparator": separator} if separator is not None else None
    if any(not path.strip() for path in paths):  # '' would be the current folder
        context.error("studyapp import: an empty path names no file or folder")
        raise typer.Exit(EXIT_USAGE)
    with context.opened_store() as store, ctrl_c_for_an_import():
        try:
            reports = import_paths(
                store.sessions, paths, context.now(), dialect=dialect, separators=separators
            )
        except ValueError as error:
            raise typer.BadParameter(str(error)) from None
    failed = any(r.status == "failed" for r in reports)
    if as_json:
        context.echo(
            json.dumps({"files": [r.as_dict() for r in reports], "ok": not failed}, indent=2)
        )
    else:
        table = Table(title="Import")
        for column in ("file", "format", "status"):
            table.add_column(column)
        for column in ("added", "updated", "unchanged", "retired", "errors"):
            table.add_column(column, justify="right")
        # Unchanged files share one row: re-importing a library of hundreds of files should
        # show what changed, not hundreds of rows that say nothing did.
        changed = [r for r in reports if r.status != "unchanged"]
        same = [r for r in reports if r.status == "unchanged"]
        for r in changed if len(same) > 1 else reports:
            table.add_row(
                Text(r.path),
                Text(r.format),
                Text(r.status),
                str(r.added),
                str(r.updated + r.restored),
                str(r.unchanged),
                str(r.retired),
                str(r.errors),
            )
        if len(same) > 1:
            cards = sum(r.unchanged for r in same)
            table.add_row(
                Text(f"{len(same)} files"), "", "unchanged", "0", "0", str(cards), "0", "0"
            )
        context.out.print(table)
        for r in reports:
            for message in r.messages:
                context.error(message)
    if failed:
        raise typer.Exit(EXIT_FAILED)


def cards_command(
    ctx: typer.Context,
    deck: Annotated[str | None, typer.Option(help="Only this deck (title or file).")] = None,
    due: Annotated[bool, typer.Option("--due", help="Only cards due now.")] = False,
    as_json: JsonOption = False,
) -> None:
    """List cards with deck, chapter, question, source file:line, state, due and demos."""
    from studyapp.store.listing import list_cards

    context = ctx.ensure_object(CliContext)
    with context.opened_store() as store:
        rows = list_cards(store.sessions, deck=deck, due_only=due, now=context.now())

    def cells(row: dict[str, Any]) -> list[Text]:
        return [
            Text(str(row["id"])),
            Text(row["deck"]),
            Text(row["chapter"] or ""),
            Text(shorten(row["question"], QUESTION_WIDTH)),
            Text(f"{Path(row['source_file']).name}:{row['source_line']}"),
            Text(row["state"]),
            Text(row["due"] or ""),
            Text(", ".join(row["demos"])),
        ]

    columns = ("id", "deck", "chapter", "question", "source", "state", "due", "demos")
    _print_listing(context, rows, as_json, columns, cells)


def decks_command(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List decks with their card counts."""
    from studyapp.store.listing import list_decks

    context = ctx.ensure_object(CliContext)
    with context.opened_store() as store:
        rows = list_decks(store.sessions, context.now())
    keys = ("id", "title", "format", "cards", "new", "due", "retired", "source_path")
    columns = ("id", "deck", "format", "cards", "new", "due", "retired", "file")
    _print_listing(
        context, rows, as_json, columns, lambda row: [Text(str(row[key])) for key in keys]
    )


def _print_listing(
    context: CliContext,
    rows: list[dict[str, Any]],
    as_json: bool,
    columns: tuple[str, ...],
    cells: Callable[[dict[str, Any]], list[Text]],
) -> None:
    """The rows as JSON, or as a table of `columns` whose cells `cells` makes from a row."""
    if as_json:
        context.echo(json.dumps(rows, indent=2, default=str))
        return
    table = Table()
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*cells(row))
    context.out.print(table)


def rename_command(
    ctx: typer.Context,
    title: Annotated[str, typer.Argument(help="The deck's title now (see `studyapp decks`).")],
    new_title: Annotated[str, typer.Argument(help="Its new title.")],
) -> None:
    """Rename a deck (every part file of a book); the name survives re-imports."""
    from studyapp.domain.text_safety import strip_controls
    from studyapp.store.library import rename_deck

    context = ctx.ensure_object(CliContext)
    new_title = strip_controls(new_title).strip()
    if not new_title:
        context.error("studyapp deck rename: the new title is empty")
        raise typer.Exit(EXIT_USAGE)
    with context.opened_store() as store:
        files = rename_deck(store.sessions, title, new_title)
    if not files:
        context.fail("deck rename", f"no deck titled {title!r} (see `studyapp decks`)")
    context.error(f"Renamed {title!r} to {new_title!r} ({files} file{'s' if files > 1 else ''})")
