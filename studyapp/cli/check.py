"""`studyapp check [--repair]`: is the study database sound, and if not, put a good backup back.

A command function only; `studyapp.cli.app` registers it. The checks are `studyapp.store.check`:
on SQLite every page and index, foreign keys and the full-text indexes; on PostgreSQL the
studyapp schema and every foreign key's rows (the server keeps its own pages consistent).
The check never opens the database through `opened_store`: it must not migrate, or refuse,
the very file it is asked about. Exit status 0 when sound (or repaired), 1 with one line per
problem.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from studyapp.cli.context import EXIT_FAILED, CliContext, JsonOption, database_location

if TYPE_CHECKING:
    from studyapp.store.check import CheckReport


def check_command(
    ctx: typer.Context,
    repair: Annotated[
        bool,
        typer.Option(
            "--repair",
            help="If damaged, put back the newest backup that passes every check (the "
            "migration and restore copies beside the database, and `studyapp backup`'s "
            "files); the damaged file is kept beside it.",
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Check the database: every page and index, foreign keys, full-text indexes."""
    from db.engine import sqlite_file

    context = ctx.ensure_object(CliContext)
    try:
        path = sqlite_file(context.db)
    except ValueError as error:  # not even a URL
        context.cannot_open(error)
    if path is None:
        report, checked = _check_server(context, repair), _server_checks()
    else:
        report, checked = _check_file(context, path, repair), _file_checks()
    if as_json:
        document = {
            "database": report.path,
            "ok": report.ok,
            "checked": checked,
            "problems": report.problems,
            "repaired_from": report.repaired_from,
            "kept_damaged": report.kept_damaged,
        }
        context.echo(json.dumps(document, indent=2))
    else:
        for problem in report.problems:
            context.out.print(Text(f"{report.path}: {problem}"), soft_wrap=True)
        if report.repaired_from is not None:
            context.out.print(
                Text(
                    f"Repaired {report.path} from {report.repaired_from}; the damaged "
                    f"database was kept as {report.kept_damaged}"
                ),
                soft_wrap=True,
            )
        elif report.ok:
            context.out.print(Text(f"{report.path}: sound ({checked})"), soft_wrap=True)
    if not report.ok and report.repaired_from is None:
        raise typer.Exit(EXIT_FAILED)


def _file_checks() -> str:
    return "schema, every page and index, foreign keys, full-text indexes"


def _server_checks() -> str:
    from studyapp.store.check import SERVER_CHECKS

    return f"{SERVER_CHECKS}; the server keeps its own pages and indexes consistent"


def _check_file(context: CliContext, path: Path, repair: bool) -> CheckReport:
    from studyapp.store.check import check_sqlite, repair_sqlite

    if repair:
        return repair_sqlite(path, [], context.now())
    return check_sqlite(path)


def _check_server(context: CliContext, repair: bool) -> CheckReport:
    from db.engine import open_engine, resolve_url
    from studyapp.store.check import check_server

    if repair:
        context.fail(
            "check",
            f"{database_location(context.db)}: --repair works on a SQLite file only; restore "
            "a server database with its own tools (pg_restore)",
        )
    engine = open_engine(resolve_url(context.db))
    try:
        return check_server(engine)
    except Exception as error:  # the server does not answer: the shared one line
        context.cannot_open(error)
    finally:
        engine.dispose()
