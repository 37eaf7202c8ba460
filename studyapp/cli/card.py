"""`studyapp card suspend|unsuspend|bury|unbury|flag|reset ID...`: the browser's card actions
from the command line, on the ids `studyapp cards` lists.

The sub-app is built here, beside its commands, and `studyapp.cli.app` adds it with one line
(as `card`). Each command changes every card it names or none (one transaction), and prints
one line.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from studyapp.cli.context import CliContext, JsonOption

if TYPE_CHECKING:
    from studyapp.store.card_actions import CardChange
    from studyapp.store.opening import Store

COLOURS = {"none": 0, "red": 1, "orange": 2, "green": 3, "blue": 4}

CardIds = Annotated[list[int], typer.Argument(help="Card ids, as `studyapp cards` lists them.")]

card_app = typer.Typer(
    help="Suspend, bury, flag or reset cards by id.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


def _run(
    ctx: typer.Context,
    verb: str,
    ids: list[int],
    as_json: bool,
    change: Callable[[Store, CliContext], CardChange],
) -> None:
    context = ctx.ensure_object(CliContext)
    unique = list(dict.fromkeys(ids))
    with context.opened_store() as store:
        try:
            change(store, context)
        except (LookupError, ValueError) as error:
            context.fail(f"card {verb}", str(error).strip("'\""))
    if as_json:
        context.echo(json.dumps({"action": verb, "cards": unique}))
    else:
        noun = "card" if len(unique) == 1 else "cards"
        context.echo(f"{verb}: {len(unique)} {noun} ({', '.join(map(str, unique))})")


@card_app.command("suspend")
def suspend_command(ctx: typer.Context, ids: CardIds, as_json: JsonOption = False) -> None:
    """Keep the cards out of every review until they are unsuspended."""
    from studyapp.store.card_actions import suspend

    _run(ctx, "suspend", ids, as_json, lambda store, _c: suspend(store.sessions, ids))


@card_app.command("unsuspend")
def unsuspend_command(ctx: typer.Context, ids: CardIds, as_json: JsonOption = False) -> None:
    """Bring suspended cards back into review."""
    from studyapp.store.card_actions import unsuspend

    _run(ctx, "unsuspend", ids, as_json, lambda store, _c: unsuspend(store.sessions, ids))


@card_app.command("bury")
def bury_command(ctx: typer.Context, ids: CardIds, as_json: JsonOption = False) -> None:
    """Hide the cards until the next study day."""
    from studyapp.store.card_actions import bury
    from studyapp.store.settings import load_scheduler_settings

    def change(store: Store, context: CliContext) -> CardChange:
        settings = load_scheduler_settings(store.sessions)
        return bury(store.sessions, ids, context.now(), settings)

    _run(ctx, "bury", ids, as_json, change)


@card_app.command("unbury")
def unbury_command(ctx: typer.Context, ids: CardIds, as_json: JsonOption = False) -> None:
    """Show buried cards again today."""
    from studyapp.store.card_actions import unbury

    _run(ctx, "unbury", ids, as_json, lambda store, _c: unbury(store.sessions, ids))


@card_app.command("flag")
def flag_command(
    ctx: typer.Context,
    ids: CardIds,
    colour: Annotated[
        str, typer.Option("--colour", "--color", help="red, orange, green, blue or none.")
    ] = "red",
    as_json: JsonOption = False,
) -> None:
    """Flag the cards with a colour (Anki's four), or clear the flag with `--colour none`."""
    from studyapp.store.card_actions import set_flag

    context = ctx.ensure_object(CliContext)
    if colour.casefold() not in COLOURS:
        context.fail("card flag", f"unknown colour {colour!r} (red, orange, green, blue, none)")
    flag = COLOURS[colour.casefold()]
    _run(ctx, "flag", ids, as_json, lambda store, _c: set_flag(store.sessions, ids, flag))


@card_app.command("reset")
def reset_command(ctx: typer.Context, ids: CardIds, as_json: JsonOption = False) -> None:
    """Make the cards new again; their review history is kept."""
    from studyapp.store.card_actions import reset

    _run(ctx, "reset", ids, as_json, lambda store, _c: reset(store.sessions, ids))
