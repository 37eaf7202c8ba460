"""The `stats`, `export`, `backup` and `restore` commands, and the text pictures of statistics.

`studyapp.cli.app` registers the four command functions (their parameters carry the typer
metadata); each opens the database named by `studyapp.cli.app.state.db`. Bad input (a missing
file, something that is not a database, an unwritable output) gets one line on stderr that
names the file, and exit status 1.

The text pictures (heatmap, forecast bars, retention chart, mastery bar) are rich `Text`, so
the CLI prints them and the Stats screen shows them in its widgets.

Imports neither Textual nor Keras; genanki only inside `export --format apkg`.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import html
import json
import math
import os
import re
import sqlite3
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from studyapp.store.opening import Store

console = Console()
errors = Console(stderr=True, soft_wrap=True, highlight=False)

# ---------------------------------------------------------------------------------------------
# Text pictures

HEAT_CHARS = "·░▒▓█"
HEAT_STYLES = ("grey42", "green4", "green3", "green1", "bold bright_green")
BAR_EIGHTHS = " ▁▂▃▄▅▆▇█"
WEEKDAY_LABELS = ("Mon", "", "Wed", "", "Fri", "", "Sun")


def heat_level(count: int, peak: int) -> int:
    """0 for no answers, then 1-4 by quarter of the busiest day."""
    if count <= 0 or peak <= 0:
        return 0
    return min(4, 1 + (4 * count - 1) // peak)


def heatmap_text(days: list[dict[str, Any]], weeks: int = 26, cell: int = 1) -> Text:
    """An Anki/GitHub-style calendar: one column per week (Monday on top), today last."""
    if not days:
        return Text("No days.")
    counts = {dt.date.fromisoformat(day["date"]): int(day["reviews"]) for day in days}
    first, today = min(counts), max(counts)
    peak = max(counts.values())
    last_monday = today - dt.timedelta(days=today.weekday())
    mondays = [last_monday - dt.timedelta(weeks=weeks - 1 - n) for n in range(weeks)]
    text = Text()
    # Each month's name over the first week that ends in it (or the next one with room).
    months = [" "] * (weeks * cell)
    labelled = None
    for n, monday in enumerate(mondays):
        sunday = monday + dt.timedelta(days=6)
        at = n * cell
        free = at + 3 <= len(months) and all(c == " " for c in months[max(0, at - 1) : at + 3])
        if sunday.month != labelled and free:
            months[at : at + 3] = list(sunday.strftime("%b"))
            labelled = sunday.month
    text.append("    " + "".join(months).rstrip() + "\n", style="dim")
    for weekday in range(7):
        text.append(f"{WEEKDAY_LABELS[weekday]:<4}", style="dim")
        for monday in mondays:
            day = monday + dt.timedelta(days=weekday)
            if day > today or day < first:
                text.append(" " * cell)
                continue
            level = heat_level(counts.get(day, 0), peak)
            text.append(HEAT_CHARS[level] * cell, style=HEAT_STYLES[level])
        text.append("\n")
    text.append("    less ", style="dim")
    for level, char in enumerate(HEAT_CHARS):
        text.append(char, style=HEAT_STYLES[level])
    text.append(f" more   busiest day {peak} answers", style="dim")
    return text


def bars_text(values: list[int], height: int = 6, gap: int = 1) -> Text:
    """Vertical bars in eighth blocks, with the peak on the axis and day ticks below."""
    peak = max(values, default=0)
    axis = max(len(str(peak)), 1)
    step = 1 + gap
    text = Text()
    for row in range(height - 1, -1, -1):
        label = str(peak) if row == height - 1 else ("0" if row == 0 else "")
        text.append(f"{label:>{axis}} ┤" if label else f"{'':>{axis}} │", style="dim")
        for value in values:
            eighths = round(value / peak * height * 8) if peak else 0
            if value and not eighths:
                eighths = 1  # a day with any card due stays visible
            fill = min(8, max(0, eighths - row * 8))
            text.append(BAR_EIGHTHS[fill], style="cyan")
            text.append(" " * gap)
        text.append("\n")
    text.append(" " * axis + " └" + "─" * (len(values) * step) + "\n", style="dim")
    ticks = [" "] * (len(values) * step + 2)
    for day in range(0, len(values), 7):
        label = "today" if day == 0 else f"+{day}"
        position = day * step
        if position + len(label) <= len(ticks):
            ticks[position : position + len(label)] = list(label)
    text.append(" " * (axis + 2) + "".join(ticks).rstrip(), style="dim")
    return text


def retention_text(weeks: list[dict[str, Any]], height: int = 7) -> Text:
    """Young and mature pass rates per week as two lines of dots on a percent scale."""
    series = {
        "young": [week["young"]["rate"] for week in weeks],
        "mature": [week["mature"]["rate"] for week in weeks],
    }
    known = [rate for rates in series.values() for rate in rates if rate is not None]
    if not known:
        return Text(f"No answers to review cards in the last {len(weeks)} weeks.", style="dim")
    low = math.floor(min(known) * 20) / 20
    high = math.ceil(max(known) * 20) / 20
    if high - low < 0.1:
        low = max(0.0, high - 0.1)
    step = 3
    grid = [[" "] * (len(weeks) * step) for _ in range(height)]

    def row_of(rate: float) -> int:
        return round((rate - low) / (high - low) * (height - 1))

    for name, mark in (("mature", "○"), ("young", "●")):
        for n, rate in enumerate(series[name]):
            if rate is None:
                continue
            cell = grid[row_of(rate)]
            here = n * step + 1
            cell[here] = "◉" if cell[here] in ("●", "○") and cell[here] != mark else mark
    text = Text()
    for row in range(height - 1, -1, -1):
        value = low + (high - low) * row / (height - 1)
        labelled = row in (0, height - 1) or row == (height - 1) // 2
        text.append(f"{value:>4.0%} ┤" if labelled else "     │", style="dim")
        for char in grid[row]:
            style = {"●": "bold yellow", "○": "bold cyan", "◉": "bold green"}.get(char)
            text.append(char, style=style)
        text.append("\n")
    text.append("     └" + "─" * (len(weeks) * step) + "\n", style="dim")
    first = dt.date.fromisoformat(weeks[0]["week_start"]).strftime("%b %d")
    last = dt.date.fromisoformat(weeks[-1]["week_start"]).strftime("%b %d")
    width = len(weeks) * step
    text.append("      " + first + last.rjust(max(1, width - len(first))) + "\n", style="dim")
    text.append("      ● young  ", style="yellow")
    text.append("○ mature  ", style="cyan")
    text.append("(weeks start on Monday)", style="dim")
    return text


def mastery_bar(value: float, width: int = 10) -> Text:
    eighths = round(max(0.0, min(1.0, value)) * width * 8)
    full, part = divmod(eighths, 8)
    bar = "█" * full + (BAR_EIGHTHS[part] if part else "")
    return Text(bar.ljust(width), style="green")


def percent(rate: float | None) -> str:
    return "–" if rate is None else f"{rate:.0%}"


def short(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def scope_label(document: dict[str, Any]) -> str:
    deck, chapter = document["filter"]["deck"], document["filter"]["chapter"]
    parts = [p for p in (deck, chapter) if p]
    return " › ".join(parts) if parts else "all decks"


# ---------------------------------------------------------------------------------------------
# Shared plumbing of the commands


def _fail(command: str, message: str) -> NoReturn:
    errors.print(f"studyapp {command}: {message}", markup=False)
    raise typer.Exit(1)


def _open_store(command: str) -> Store:
    from studyapp.cli.app import state
    from studyapp.store.opening import open_store

    try:
        store = open_store(state.db)
    except Exception as error:  # an unreachable server, a corrupt file: one line, no trace
        _fail(command, f"cannot open the database: {error}")
    if store.migration_backup is not None:
        errors.print(
            f"Database upgraded; the old file was copied to {store.migration_backup}",
            markup=False,
        )
    return store


def _now() -> dt.datetime:
    from studyapp.cli.app import utc_now

    return utc_now()


@contextmanager
def _atomic_output(command: str, output: Path) -> Iterator[Path]:
    """A temporary file next to `output`, renamed over it only when writing succeeded."""
    folder = output.parent if str(output.parent) else Path(".")
    if output.is_dir():
        _fail(command, f"{output}: is a folder, not a file")
    if not folder.is_dir():
        _fail(command, f"{output}: cannot write: no folder {folder}")
    try:
        handle, name = tempfile.mkstemp(prefix=f".{output.name}.", dir=folder)
    except OSError as error:
        _fail(command, f"{output}: cannot write: {error.strerror}")
    os.close(handle)
    partial = Path(name)
    try:
        yield partial
        partial.replace(output)
    except OSError as error:
        _fail(command, f"{output}: cannot write: {error.strerror}")
    finally:
        partial.unlink(missing_ok=True)


# ---------------------------------------------------------------------------------------------
# studyapp stats


def stats(
    deck: Annotated[
        str | None, typer.Option(help="Only this deck (its title or the end of its file path).")
    ] = None,
    chapter: Annotated[str | None, typer.Option(help="Only this chapter (its full title).")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the whole statistics document as JSON.")
    ] = False,
) -> None:
    """Statistics: today, streaks, calendar, true retention, forecast, mastery, hardest cards."""
    from studyapp.store.settings import load_scheduler_settings
    from studyapp.store.statistics import UnknownFilter, stats_document

    store = _open_store("stats")
    try:
        settings = load_scheduler_settings(store.sessions)
        with store.sessions() as session:
            document = stats_document(session, _now(), settings, deck=deck, chapter=chapter)
    except UnknownFilter as error:
        _fail("stats", str(error))
    finally:
        store.close()
    if as_json:
        print(json.dumps(document, indent=2))
        return
    print_stats(document, console)


def print_stats(document: dict[str, Any], out: Console) -> None:
    today, streak, cards = document["today"], document["streak"], document["cards"]
    out.print(Text(f"Statistics · {scope_label(document)} · {today['date']}", style="bold"))
    minutes, seconds = divmod(round(today["time_spent_s"]), 60)
    out.print(
        f"Today: {today['reviews']} answers, {today['new_learned']} new, "
        f"again {percent(today['again_rate'])}, {minutes}m {seconds:02d}s",
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
            week["week_start"],
            percent(week["young"]["rate"]),
            str(week["young"]["answers"]),
            percent(week["mature"]["rate"]),
            str(week["mature"]["answers"]),
            percent(week["total"]["rate"]),
        )
    return table


def chapter_table(chapters: list[dict[str, Any]]) -> Table:
    table = Table(title="Mastery by chapter (mean recall probability now)", title_justify="left")
    table.add_column("chapter", no_wrap=True, overflow="ellipsis", ratio=1)
    for column in ("cards", "studied", "mastery", "", "lapses", "leeches"):
        table.add_column(column, justify="left" if not column else "right", no_wrap=True)
    for row in chapters:
        table.add_row(
            row["chapter"] or "(no chapter)",
            str(row["cards"]),
            str(row["studied"]),
            percent(row["mastery"]),
            mastery_bar(row["mastery"], width=8),
            str(row["lapses"]),
            str(row["leeches"]),
        )
    return table


def hardest_table(hardest: dict[str, Any]) -> Table:
    table = Table(
        title=f"Hardest cards ({hardest['leeches']} leeches with ≥ {hardest['leech_lapses']} "
        "lapses)",
        title_justify="left",
    )
    for column in ("id", "card", "chapter", "lapses", "recall", ""):
        table.add_column(
            column, justify="right" if column in ("id", "lapses", "recall") else "left"
        )
    for card in hardest["cards"]:
        table.add_row(
            str(card["card_id"]),
            short(card["title"] or card["question"], 50),
            short(card["chapter"] or "", 24),
            str(card["lapses"]),
            percent(card["retrievability"]),
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
            short(row["chapter"] or "(no card)", 24),
            row["demo"],
            str(row["runs"]),
            str(row["succeeded"]),
            str(row["failed"]),
            f"{row['last']['status']} {row['last']['started_at'][:10]}",
            short(
                ", ".join(
                    f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}"
                    for k, v in metrics.items()
                ),
                40,
            ),
        )
    return table


# ---------------------------------------------------------------------------------------------
# studyapp export


class ExportFormat(StrEnum):
    CSV = "csv"
    APKG = "apkg"


CSV_HEADER = ("card_id", "review_rating", "review_time", "review_duration", "deck", "question")
DEFAULT_EXPORT = {ExportFormat.CSV: "studyapp-reviews.csv", ExportFormat.APKG: "studyapp.apkg"}


def export(
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
    kind = ExportFormat(format)
    target = output or Path(DEFAULT_EXPORT[kind])
    store = _open_store("export")
    try:
        with _atomic_output("export", target) as partial:
            if kind is ExportFormat.CSV:
                written = write_review_csv(store, partial)
                what = f"{written} reviews"
            else:
                notes, decks = write_apkg(store, partial, _now())
                what = f"{notes} cards in {decks} decks"
    finally:
        store.close()
    errors.print(f"Wrote {what} to {target}", markup=False)


def write_review_csv(store: Store, path: Path) -> int:
    """py-fsrs' review-log CSV (ISO-8601 UTC times with milliseconds), plus deck and question.

    Streams the rows, so a history of a million answers never sits in memory.
    """
    from sqlalchemy import select

    from db.models import Card, Deck, ReviewLog

    query = (
        select(
            ReviewLog.card_id,
            ReviewLog.rating,
            ReviewLog.reviewed_at,
            ReviewLog.duration_ms,
            Deck.title,
            Card.question,
        )
        .join(Card, Card.id == ReviewLog.card_id)
        .join(Deck, Deck.id == Card.deck_id)
        .order_by(ReviewLog.card_id, ReviewLog.reviewed_at, ReviewLog.id)
        .execution_options(yield_per=5000)
    )
    written = 0
    with path.open("w", newline="", encoding="utf-8") as handle, store.sessions() as session:
        writer = csv.writer(handle)
        writer.writerow(CSV_HEADER)
        for card_id, rating, when, millis, deck, question in session.execute(query):
            stamp = when.astimezone(dt.UTC).isoformat(timespec="milliseconds")
            writer.writerow([card_id, rating, stamp.replace("+00:00", "Z"), millis, deck, question])
            written += 1
    return written


# Fixed ids: Anki recognises the note types again when a newer export is imported.
BASIC_MODEL_ID = 1_744_190_201
CLOZE_MODEL_ID = 1_744_190_202
ANKI_CSS = (
    ".card { font-family: sans-serif; font-size: 20px; text-align: left; color: black; "
    "background-color: white; }\n.cloze { font-weight: bold; color: blue; }\n"
    ".nightMode .cloze { color: lightblue; }\n.source { color: grey; font-size: 12px; }\n"
    "pre { text-align: left; }"
)
_CLOZE_GAP = re.compile(r"\[([^\[\]]*)\]")


def cloze_text(question: str, answer: str) -> str | None:
    """Our cloze card back in Anki's syntax: the question shows the gap as `[…]` (or
    `[hint]`), the answer the same text with the hidden part in `**bold**`; the result puts
    `{{c1::hidden}}` (or `{{c1::hidden::hint}}`) in the gap. None if they do not line up."""
    for gap in _CLOZE_GAP.finditer(question):
        before, after = question[: gap.start()], question[gap.end() :]
        if not (answer.startswith(before + "**") and answer.endswith("**" + after)):
            continue
        hidden = answer[len(before) + 2 : len(answer) - len(after) - 2]
        if not hidden or len(before) + 2 > len(answer) - len(after) - 2:
            continue
        hint = gap.group(1).strip()
        inner = hidden if hint in ("", "…", "...") else f"{hidden}::{hint}"
        return f"{before}{{{{c1::{inner}}}}}{after}"
    return None


def markdown_html(markdown: str) -> str:
    """Card markdown as the HTML Anki shows; `$…$` / `$$…$$` become MathJax `\\(…\\)` /
    `\\[…\\]`, which Anki renders; raw HTML in the card is escaped, not passed through."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin

    def math(content: str, options: dict[str, Any]) -> str:
        body = html.escape(content)
        return f"\\[{body}\\]" if options.get("display_mode") else f"\\({body}\\)"

    md = MarkdownIt("commonmark", {"html": False}).use(
        dollarmath_plugin, renderer=math, allow_space=True, allow_digits=True
    )
    return md.render(markdown).strip()


def chapter_tag(chapter: str) -> str:
    """Anki tags cannot hold spaces: 'Chapter 4: GANs' -> 'Chapter_4_GANs'."""
    return re.sub(r"[^\w-]+", "_", chapter).strip("_")


def _anki_id(text: str) -> int:
    return (1 << 30) + int(hashlib.sha1(text.encode()).hexdigest()[:7], 16)


def write_apkg(store: Store, path: Path, now: dt.datetime) -> tuple[int, int]:
    """An Anki package of every card that is not retired: one Anki deck per studyapp deck,
    basic cards as "studyapp basic" notes, cloze cards as "studyapp cloze" notes, a tag per
    chapter. Returns (notes, decks)."""
    import genanki
    from sqlalchemy import select

    from db.models import Card, Deck

    basic = genanki.Model(
        BASIC_MODEL_ID,
        "studyapp basic",
        fields=[{"name": "Question"}, {"name": "Answer"}, {"name": "Source"}],
        templates=[
            {
                "name": "Card 1",
                "qfmt": "{{Question}}",
                "afmt": "{{FrontSide}}<hr id=answer>{{Answer}}<div class=source>{{Source}}</div>",
            }
        ],
        css=ANKI_CSS,
    )
    cloze = genanki.Model(
        CLOZE_MODEL_ID,
        "studyapp cloze",
        model_type=genanki.Model.CLOZE,
        fields=[{"name": "Text"}, {"name": "Back Extra"}, {"name": "Source"}],
        templates=[
            {
                "name": "Cloze",
                "qfmt": "{{cloze:Text}}",
                "afmt": "{{cloze:Text}}<br>{{Back Extra}}<div class=source>{{Source}}</div>",
            }
        ],
        css=ANKI_CSS,
    )
    anki_decks: dict[int, Any] = {}
    names: set[str] = set()
    notes = 0
    with store.sessions() as session:
        rows = session.execute(
            select(Card, Deck)
            .join(Deck, Deck.id == Card.deck_id)
            .where(Card.retired_at.is_(None))
            .order_by(Deck.title, Deck.id, Card.position, Card.id)
        )
        for card, deck in rows:
            if deck.id not in anki_decks:
                name = deck.title if deck.title not in names else f"{deck.title} ({deck.id})"
                names.add(name)
                anki_decks[deck.id] = genanki.Deck(_anki_id(deck.source_path), name)
            tags = ["studyapp"] + ([chapter_tag(card.chapter)] if card.chapter else [])
            source = html.escape(f"{Path(card.source_file).name}:{card.source_line}")
            guid = genanki.guid_for(deck.source_path, card.identity)
            text = cloze_text(card.question, card.answer) if card.kind == "cloze" else None
            if text is not None:
                fields = [markdown_html(text), markdown_html(card.context), source]
                note = genanki.Note(model=cloze, fields=fields, tags=tags, guid=guid)
            else:
                question = (
                    card.question if not card.title else f"**{card.title}**\n\n" + (card.question)
                )
                fields = [markdown_html(question), markdown_html(card.answer), source]
                note = genanki.Note(model=basic, fields=fields, tags=tags, guid=guid)
            anki_decks[deck.id].add_note(note)
            notes += 1
    package = genanki.Package(list(anki_decks.values()))
    # genanki's write_to_file leaves its temporary collection behind; this writes the same
    # package (collection.anki2 + media) from a folder that is cleaned up.
    with tempfile.TemporaryDirectory(prefix="studyapp-apkg-") as folder:
        collection = Path(folder) / "collection.anki2"
        connection = sqlite3.connect(collection)
        try:
            timestamp = now.timestamp()
            package.write_to_db(connection.cursor(), timestamp, _ids(int(timestamp * 1000)))
            connection.commit()
        finally:
            connection.close()
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.write(collection, "collection.anki2")
            archive.writestr("media", "{}")
    return notes, len(anki_decks)


def _ids(start: int) -> Iterator[int]:
    value = start
    while True:
        yield value
        value += 1


# ---------------------------------------------------------------------------------------------
# studyapp backup / restore


def _database_file(command: str) -> Path:
    """The SQLite file behind --db / $STUDYAPP_DB; refuses other backends clearly."""
    from sqlalchemy.engine import make_url

    from db.engine import resolve_url, sqlite_path
    from studyapp.cli.app import state

    url = resolve_url(state.db)
    path = sqlite_path(url)
    if path is None:
        shown = make_url(url).render_as_string(hide_password=True)
        _fail(
            command,
            f"{shown} is not a SQLite file; {command} works on the embedded SQLite database "
            "only (use the server's own tools, e.g. pg_dump, for PostgreSQL)",
        )
    return path


def _stamp() -> str:
    return _now().strftime("%Y%m%dT%H%M%SZ")


def _copy_database(source: Path, destination: Path) -> None:
    """A consistent copy with SQLite's backup API (safe while another instance writes)."""
    with _closing(sqlite3.connect(source)) as src, _closing(sqlite3.connect(destination)) as dst:
        src.backup(dst)


@contextmanager
def _closing(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    try:
        yield connection
    finally:
        connection.close()


def backup(
    output: Annotated[
        Path | None,
        typer.Argument(help="File to write (default: next to the database, with the time)."),
    ] = None,
) -> None:
    """Copy the SQLite database consistently (SQLite's backup API), even while it is in use."""
    database = _database_file("backup")
    if not database.is_file():
        _fail("backup", f"{database}: no such database")
    target = output or database.with_name(f"{database.stem}-backup-{_stamp()}.db")
    if target.exists():
        _fail("backup", f"{target}: already exists; choose another name")
    with _atomic_output("backup", target) as partial:
        try:
            _copy_database(database, partial)
        except sqlite3.DatabaseError as error:
            _fail("backup", f"{database}: cannot copy: {error}")
    errors.print(f"Backed up {database} to {target}", markup=False)


def check_backup_file(command: str, file: Path) -> str:
    """The studyapp revision of a database file; fails naming the file if it is none."""
    from alembic.script import ScriptDirectory

    from db.migrate import MIGRATIONS

    if not file.is_file():
        _fail(command, f"{file}: no such file")
    try:
        with file.open("rb") as handle:
            header = handle.read(16)
    except OSError as error:
        _fail(command, f"{file}: cannot read: {error.strerror}")
    if header != b"SQLite format 3\x00":
        _fail(command, f"{file}: not a SQLite database")
    try:
        with _closing(sqlite3.connect(f"{file.resolve().as_uri()}?mode=ro", uri=True)) as db:
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
            if "alembic_version" not in tables:
                _fail(command, f"{file}: not a studyapp database (no alembic_version table)")
            row = db.execute("SELECT version_num FROM alembic_version").fetchone()
            check = db.execute("PRAGMA quick_check").fetchone()
    except sqlite3.DatabaseError as error:
        _fail(command, f"{file}: not a readable database: {error}")
    if check is None or check[0] != "ok":
        _fail(command, f"{file}: the database is damaged ({check[0] if check else 'no answer'})")
    if row is None:
        _fail(command, f"{file}: not a studyapp database (no schema revision)")
    revision = str(row[0])
    try:
        ScriptDirectory(str(MIGRATIONS)).get_revision(revision)
    except Exception:  # alembic's CommandError / ResolutionError: a revision it does not know
        _fail(command, f"{file}: made by a newer studyapp (schema revision {revision})")
    return revision


def restore(
    file: Annotated[Path, typer.Argument(help="A studyapp database file (e.g. from backup).")],
) -> None:
    """Replace the database with a backup; the current one is backed up first, and an older
    backup is upgraded to the current schema."""
    database = _database_file("restore")
    revision = check_backup_file("restore", file)
    if database.exists() and database.resolve() == file.resolve():
        _fail("restore", f"{file}: is the database itself")
    saved: Path | None = None
    if database.is_file():
        saved = database.with_name(f"{database.name}.before-restore.{_stamp()}.bak")
        try:
            _copy_database(database, saved)
        except sqlite3.DatabaseError as error:
            _fail("restore", f"{database}: cannot back up the current database: {error}")
    else:
        database.parent.mkdir(parents=True, exist_ok=True)
    try:
        _copy_database(file, database)
    except sqlite3.DatabaseError as error:
        _fail("restore", f"{file}: cannot restore: {error}")
    store = _open_store("restore")  # upgrades an older backup, with its own safety copy
    store.close()
    errors.print(f"Restored {file} (schema {revision}) into {database}", markup=False)
    if saved is not None:
        errors.print(f"The database it replaced was saved as {saved}", markup=False)


def register(app: typer.Typer) -> None:
    """Register the four commands on `app` (what `studyapp.cli.app` does)."""
    app.command("stats")(stats)
    app.command("export")(export)
    app.command("backup")(backup)
    app.command("restore")(restore)
