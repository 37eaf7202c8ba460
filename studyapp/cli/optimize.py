"""`studyapp optimize`: fit FSRS parameters to the review history, save them, reschedule.

A command function only; `studyapp.cli.app` registers it. The fitting itself is
`studyapp.store.optimize`; this prints the before/after table or JSON.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from studyapp.cli.context import CliContext, JsonOption


def optimize_command(
    ctx: typer.Context,
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
    from studyapp.domain.parsing import ParseError
    from studyapp.store.optimize import (
        TooLittleHistory,
        fit,
        history_from_csv,
        history_from_database,
        reschedule,
    )
    from studyapp.store.settings import load_scheduler_settings, save_scheduler_settings

    context = ctx.ensure_object(CliContext)
    with context.opened_store() as store:
        settings = load_scheduler_settings(store.sessions)
        try:
            if revlog is not None:
                history = history_from_csv(revlog)
                source = str(revlog)
            else:
                history = history_from_database(store.sessions)
                source = "database"
            result = fit(history, settings, source)
        except (ParseError, TooLittleHistory) as error:
            context.fail("optimize", str(error))
        settings = replace(settings, parameters=tuple(result.parameters))
        save_scheduler_settings(store.sessions, settings)
        result.rescheduled = reschedule(store.sessions, settings, context.now())
    if as_json:
        context.echo(json.dumps(result.as_dict(), indent=2))
        return
    # The source is a file name of the user's: a title made of Text shows it literally.
    title = (
        f"FSRS parameters fitted to {result.reviews} reviews of "
        f"{result.cards} cards ({result.source})"
    )
    table = Table(title=Text(title, style="table.title"))
    table.add_column("parameters")
    table.add_column("log loss", justify="right")
    table.add_column("RMSE (bins)", justify="right")
    for name, figures in (("default", result.default), ("fitted", result.fitted)):
        table.add_row(name, Text(f"{figures['log_loss']:.4f}"), Text(f"{figures['rmse_bins']:.4f}"))
    context.out.print(table)
    context.out.print(Text(f"Saved; {result.rescheduled} cards rescheduled."))
