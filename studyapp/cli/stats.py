"""`studyapp stats`: today, streaks, the calendar, true retention, the forecast, mastery by
chapter, the hardest cards and the demos run, as text pictures and tables or as JSON.

A command function only; `studyapp.cli.app` registers it. The pictures are those of
`studyapp.text.charts`, the same ones the TUI's Stats screen shows. User text (deck, chapter
and card titles) goes into the tables as `Text`, never as markup.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from studyapp.cli.context import CliContext
from studyapp.text.charts import bars_text, heatmap_text, mastery_bar
from studyapp.text.formatting import format_percent, scope_label, shorten


def stats(
    ctx: typer.Context,
    deck: Annotated[
        str | None, typer.Option(help="Only this deck (its title or the end of its file path).")
    ] = None,
    chapter: Annotated[str | None, typer.Option(help="Only this chapter (its full title).")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the whole statistics document as JSON.")
    ] = False,
    whole_class: Annotated[
        bool,
        typer.Option(
            "--class", help="The whole class per chapter, aggregates only (a teacher's view)."
        ),
    ] = False,
) -> None:
    """Statistics: today, streaks, calendar, true retention, forecast, mastery, hardest cards."""
    from studyapp.store.settings import load_scheduler_settings
    from studyapp.store.statistics import UnknownFilter, stats_document

    context = ctx.ensure_object(CliContext)
    if whole_class:
        class_stats(context, as_json)
        return
    with context.opened_store() as store:
        settings = load_scheduler_settings(store.sessions)
        try:
            document = stats_document(
                store.sessions, context.now(), settings, deck=deck, chapter=chapter
            )
        except UnknownFilter as error:
            context.fail("stats", str(error))
    if as_json:
        context.echo(json.dumps(document, indent=2))
        return
    print_stats(document, context.out)


def class_stats(context: CliContext, as_json: bool) -> None:
    """Per chapter: learners who answered, answers, retention, shares studied and mastered."""
    from studyapp.store.learners import class_chapters

    with context.opened_store(learner=False) as store:
        chapters = class_chapters(store.sessions)
    if as_json:
        context.echo(json.dumps({"chapters": chapters}, indent=2))
        return
    table = Table("chapter", "cards", "learners", "answers", "retention", "studied", "mastered")
    for row in chapters:
        table.add_row(
            Text(shorten(row["chapter"] or "(no chapter)", 48)),
            str(row["cards"]),
            Text(f"{row['learners']}/{row['class_size']}"),
            str(row["answers"]),
            format_percent(row["retention"]),
            format_percent(row["share_studied"]),
            format_percent(row["share_mastered"]),
        )
    context.out.print(table)


def print_stats(document: dict[str, Any], out: Console) -> None:
    """The whole statistics document as text: summary lines, pictures and tables."""
    today, streak, cards = document["today"], document["streak"], document["cards"]
    out.print(Text(f"Statistics · {scope_label(document)} · {today['date']}", style="bold"))
    minutes, seconds = divmod(round(today["time_spent_s"]), 60)
    out.print(
        f"Today: {today['reviews']} answers, {today['new_learned']} new, "
        f"again {format_percent(today['again_rate'])}, {minutes}m {seconds:02d}s",
        markup=False,
        highlight=False,
    )
    longest = f"longest {streak['longest']} days"
    if streak["longest_start"]:
        longest += f" ({streak['longest_start']} to {streak['longest_end']})"
    out.print(
        f"Streak: {streak['current']} days, {longest}; {streak['days_studied']} days studied",
        markup=False,
        highlight=False,
    )
    out.print(
        "Cards: "
        + ", ".join(
            f"{cards[k]} {k}"
            for k in ("new", "learning", "review", "relearning", "suspended", "retired")
        ),
        markup=False,
        highlight=False,
    )
    weeks = max(8, min(52, (out.width - 6)))
    out.print(Text("\nAnswers per day", style="bold"))
    out.print(heatmap_text(document["heatmap"]["days"], weeks=weeks))
    forecast = document["forecast"]
    out.print(
        Text(
            f"\nDue in the next {len(forecast['days'])} days "
            f"({forecast['total']} cards, {forecast['overdue']} overdue)",
            style="bold",
        )
    )
    out.print(bars_text([day["due"] for day in forecast["days"]]))
    out.print(retention_table(document["retention"]))
    out.print(chapter_table(document["chapters"]))
    out.print(hardest_table(document["hardest"]))
    if document["demos"]:
        out.print(demo_table(document["demos"]))


def retention_table(retention: dict[str, Any]) -> Table:
    table = Table(
        title="True retention (review answers rated Hard or better)", title_justify="left"
    )
    for column in ("week of", "young", "answers", "mature", "answers", "all"):
        table.add_column(column, justify="left" if column == "week of" else "right")
    rows = [*retention["weeks"], {"week_start": "all weeks", **retention["all_weeks"]}]
    for week in rows:
        table.add_row(
            Text(week["week_start"]),
            format_percent(week["young"]["rate"]),
            str(week["young"]["answers"]),
            format_percent(week["mature"]["rate"]),
            str(week["mature"]["answers"]),
            format_percent(week["total"]["rate"]),
        )
    return table


def chapter_table(chapters: list[dict[str, Any]]) -> Table:
    table = Table(title="Mastery by chapter (mean recall probability now)", title_justify="left")
    table.add_column("chapter", no_wrap=True, overflow="ellipsis", ratio=1)
    for column in ("cards", "studied", "mastery", "", "lapses", "leeches"):
        table.add_column(column, justify="left" if not column else "right", no_wrap=True)
    for row in chapters:
        table.add_row(
            Text(row["chapter"] or "(no chapter)"),
            str(row["cards"]),
            str(row["studied"]),
            format_percent(row["mastery"]),
            mastery_bar(row["mastery"], width=8),
            str(row["lapses"]),
            str(row["leeches"]),
        )
    return table


def hardest_table(hardest: dict[str, Any]) -> Table:
    title = f"Hardest cards ({hardest['leeches']} leeches with ≥ {hardest['leech_lapses']} lapses)"
    table = Table(title=Text(title, style="table.title"), title_justify="left")
    for column in ("id", "card", "chapter", "lapses", "recall", ""):
        table.add_column(
            column, justify="right" if column in ("id", "lapses", "recall") else "left"
        )
    for card in hardest["cards"]:
        table.add_row(
            str(card["card_id"]),
            Text(shorten(card["title"] or card["question"], 50)),
            Text(shorten(card["chapter"] or "", 24)),
            str(card["lapses"]),
            format_percent(card["retrievability"]),
            "leech" if card["leech"] else "",
        )
    return table


def demo_table(demos: list[dict[str, Any]]) -> Table:
    table = Table(title="Demos run", title_justify="left")
    for column in ("chapter", "demo", "runs", "ok", "failed", "last", "metrics"):
        table.add_column(column, justify="right" if column in ("runs", "ok", "failed") else "left")
    for row in demos:
        metrics = row["last"]["metrics"] or {}
        table.add_row(
            Text(shorten(row["chapter"] or "(no card)", 24)),
            Text(row["demo"]),
            str(row["runs"]),
            str(row["succeeded"]),
            str(row["failed"]),
            Text(f"{row['last']['status']} {row['last']['started_at'][:10]}"),
            Text(
                shorten(
                    ", ".join(
                        f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}"
                        for k, v in metrics.items()
                    ),
                    40,
                )
            ),
        )
    return table
