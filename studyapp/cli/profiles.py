"""`studyapp profiles`: the learners sharing the database, with their counts; and the admin's
commands that set a class up on PostgreSQL (`profiles add NAME --password`, `profiles
teacher NAME --password`).

Command functions only; `studyapp.cli.app` registers them. Names and roles are user text,
shown as `Text`, never as markup.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from studyapp.cli.context import CliContext, JsonOption

PasswordOption = Annotated[
    str | None,
    typer.Option(
        "--password",
        envvar="STUDYAPP_ROLE_PASSWORD",
        help="PostgreSQL: the password of the learner's own database role (created if new).",
    ),
]


def list_command(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """The learners, with the cards each has studied, their answers and what is due today."""
    if ctx.invoked_subcommand is not None:
        return
    from studyapp.store.learners import learner_summaries

    context = ctx.ensure_object(CliContext)
    with context.opened_store(learner=False) as store:
        rows = learner_summaries(store.every_learner(), context.now())
    if as_json:
        context.echo(json.dumps(rows, indent=2))
        return
    table = Table("profile", "role", "cards studied", "answers", "due today")
    for row in rows:
        table.add_row(
            Text(row["name"]),
            Text(row["role"] or "—"),
            str(row["cards_studied"]),
            str(row["answers"]),
            str(row["due_today"]),
        )
    context.out.print(table)


def add_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The new learner's profile (and role) name.")],
    password: PasswordOption = None,
) -> None:
    """Add a learner; with --password (PostgreSQL), also their login role and its grants."""
    from studyapp.store.learners import LearnerProblem, add_learner

    context = ctx.ensure_object(CliContext)
    with context.opened_store(learner=False) as store:
        try:
            learner = add_learner(store.engine, name, password)
        except LearnerProblem as problem:
            context.fail("profiles add", str(problem))
    role = f" with the database role {learner.name}" if password is not None else ""
    context.err.print(Text(f"Added the profile {learner.name}{role}."))


def teacher_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The teacher's database role name.")],
    password: Annotated[
        str,
        typer.Option(
            "--password", envvar="STUDYAPP_ROLE_PASSWORD", help="The teacher role's password."
        ),
    ],
) -> None:
    """PostgreSQL: a teacher role, which reads the class's aggregates (`stats --class`) only."""
    from studyapp.store.learners import LearnerProblem, add_teacher

    context = ctx.ensure_object(CliContext)
    with context.opened_store(learner=False) as store:
        try:
            add_teacher(store.engine, name, password)
        except LearnerProblem as problem:
            context.fail("profiles teacher", str(problem))
    context.err.print(Text(f"Added the teacher role {name}: it reads `stats --class` only."))
