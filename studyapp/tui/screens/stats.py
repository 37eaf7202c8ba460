"""The Stats screen: today, streaks, the calendar heatmap, forecast bars, true retention, and
tables of chapter mastery and of the hardest cards.

A thread worker builds the document with `studyapp.store.statistics.stats_document` (the same one
`studyapp stats --json` prints) and hands it back as a `StatsLoaded` message (`StatsFailed` if
it cannot); `StatsShown` follows once it is drawn. The pictures are the text renderings of
`studyapp.text.charts`, so the CLI and the screen show the same thing. From a weak chapter or a
hard card, `enter` or `b` posts `BrowseRequested` with a `BrowseFilter`; the app opens its card
browser with it.

    app.push_screen(StatsScreen(store, now=app.now))

The retention chart is the text chart of `studyapp.text.charts.retention_text`: textual-plotext is
not a dependency, and plotext 6's own API is not what textual-plotext drives.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Footer, Header, Static
from textual.worker import get_current_worker

from studyapp.domain.scheduling import SchedulerSettings
from studyapp.text.charts import bars_text, heatmap_text, mastery_bar, retention_text
from studyapp.text.formatting import format_percent as percent
from studyapp.text.formatting import scope_label
from studyapp.text.formatting import shorten as short
from studyapp.tui.messages import (
    BrowseFilter,
    BrowseRequested,
    StatsFailed,
    StatsLoaded,
    StatsShown,
)
from studyapp.tui.screens.base import HasSessions, StudyScreen
from studyapp.tui.widgets.figures import figure_lines

HEATMAP_WEEKS = 26
"""Before the screen has a size; then as many weeks as fit (up to a year)."""
MAX_WEEKS = 53
MIN_WEEKS = 8
HEATMAP_CELL = 2
CHAPTER_WIDTH = 24
CARD_WIDTH = 24
NO_CHAPTER = "(no chapter)"
# Each table's fixed columns; the text column takes the rest of its width.
CHAPTER_COLUMNS = (("Cards", "cards", 5), ("Mastery", "mastery", 7), ("", "bar", 8))
HARDEST_COLUMNS = (("Lapses", "lapses", 6), ("Recall", "recall", 6), ("", "leech", 5))


def days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


def load_document(
    store: HasSessions,
    now: dt.datetime,
    settings: SchedulerSettings | None,
    deck: str | None,
    chapter: str | None,
) -> dict[str, Any]:
    from studyapp.store.settings import load_scheduler_settings
    from studyapp.store.statistics import stats_document

    settings = settings or load_scheduler_settings(store.sessions)
    return stats_document(store.sessions, now, settings, deck=deck, chapter=chapter)


class StatsScreen(StudyScreen[None]):
    CSS_PATH = "stats.tcss"
    AUTO_FOCUS = "#stats-chapters"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("b", "browse", "Browse"),
        Binding("r", "reload", "Reload"),
        Binding("escape", "back", "Back"),
    ]
    WIDGET_KEYS: ClassVar[list[tuple[str, str]]] = [
        ("enter", "Browse the chapter or card"),
    ]

    def __init__(
        self,
        store: HasSessions,
        now: Callable[[], dt.datetime],
        deck: str | None = None,
        chapter: str | None = None,
        settings: SchedulerSettings | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.now = now
        self.deck = deck
        self.chapter = chapter
        self.settings = settings
        self.document: dict[str, Any] | None = None
        """The document on show; None until the first load finishes."""

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="stats-body"):
            yield Static("Loading statistics…", id="stats-status")
            with Horizontal(id="stats-top"):
                yield Static("", id="stats-today", classes="stats-panel")
                yield Static("", id="stats-heatmap", classes="stats-panel")
            with Horizontal(id="stats-charts"):
                yield Static("", id="stats-forecast", classes="stats-panel")
                yield Static("", id="stats-retention", classes="stats-panel")
            with Horizontal(id="stats-tables"):
                chapters: DataTable[Any] = DataTable(id="stats-chapters", cursor_type="row")
                yield chapters
                hardest: DataTable[Any] = DataTable(id="stats-hardest", cursor_type="row")
                yield hardest
        yield Footer()

    def on_mount(self) -> None:
        titles = {
            "#stats-today": "Today",
            "#stats-heatmap": "Answers per day",
            "#stats-forecast": "Due, next 30 days",
            "#stats-retention": "True retention by week",
            "#stats-chapters": "Mastery by chapter",
            "#stats-hardest": "Hardest cards",
        }
        for selector, title in titles.items():
            self.query_one(selector).border_title = title
        self.set_columns()
        self.load()

    def on_resize(self, event: events.Resize) -> None:
        super().on_resize(event)
        self.call_after_refresh(self.fit_to_width)

    def fit_to_width(self) -> None:
        """The tables' text columns stretch; the heatmap shows as many weeks as fit."""
        self.set_columns()
        if self.document is not None:
            self.draw_heatmap(self.document)
            self.fill_chapters(self.document["chapters"])
            self.fill_hardest(self.document["hardest"])

    def text_width(self, selector: str, default: int, fixed: int) -> int:
        width = self.query_one(selector).size.width
        # Each column has a cell of padding on either side; 2 more for the scrollbar.
        return max(default, width - fixed - 2 * 4 - 2) if width else default

    def set_columns(self) -> None:
        for selector, title, key, default, fixed in (
            ("#stats-chapters", "Chapter", "chapter", CHAPTER_WIDTH, CHAPTER_COLUMNS),
            ("#stats-hardest", "Card", "card", CARD_WIDTH, HARDEST_COLUMNS),
        ):
            table = self.query_one(selector, DataTable)
            width = self.text_width(selector, default, sum(w for _t, _k, w in fixed))
            table.clear(columns=True)
            table.add_column(title, key=key, width=width)
            for column_title, column_key, column_width in fixed:
                table.add_column(column_title, key=column_key, width=column_width)

    def heatmap_weeks(self) -> int:
        width = self.query_one("#stats-heatmap").content_size.width
        if not width:
            return HEATMAP_WEEKS
        # 4 cells of weekday labels; 2 more in case the page's scrollbar comes after this.
        return max(MIN_WEEKS, min(MAX_WEEKS, (width - 4 - 2) // HEATMAP_CELL))

    def draw_heatmap(self, document: dict[str, Any]) -> None:
        weeks = self.heatmap_weeks()
        heatmap = self.query_one("#stats-heatmap", Static)
        heatmap.border_title = f"Answers per day, last {weeks} weeks"
        heatmap.update(heatmap_text(document["heatmap"]["days"], weeks=weeks, cell=HEATMAP_CELL))

    @work(thread=True, exclusive=True, exit_on_error=False, group="stats")
    def load(self) -> None:
        try:
            document = load_document(self.store, self.now(), self.settings, self.deck, self.chapter)
        except Exception as error:  # shown on the screen; the app lives on
            self.post_message(StatsFailed(str(error) or error.__class__.__name__))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(StatsLoaded(document))

    def on_stats_failed(self, message: StatsFailed) -> None:
        status = self.query_one("#stats-status", Static)
        # The error names the deck or chapter asked for: text, never markup.
        status.update(Text.assemble("Statistics unavailable: ", message.error))
        status.add_class("error")

    def on_stats_loaded(self, message: StatsLoaded) -> None:
        document = message.document
        self.document = document
        status = self.query_one("#stats-status", Static)
        status.remove_class("error")
        status.update(
            Text.assemble(
                ("Statistics · ", "bold"),
                (scope_label(document), "bold"),
                (f" · study day {document['today']['date']}", "dim"),
            )
        )
        self.query_one("#stats-today", Static).update(today_text(document))
        self.draw_heatmap(document)
        forecast = document["forecast"]
        self.query_one("#stats-forecast", Static).update(
            bars_text([day["due"] for day in forecast["days"]], height=5, gap=0)
        )
        self.query_one("#stats-retention", Static).update(
            retention_text(document["retention"]["weeks"], height=5)
        )
        self.fill_chapters(document["chapters"])
        self.fill_hardest(document["hardest"])
        self.call_after_refresh(self.post_message, StatsShown())

    def fill_chapters(self, chapters: list[dict[str, Any]]) -> None:
        table = self.query_one("#stats-chapters", DataTable)
        table.clear()
        width = table.columns[next(iter(table.columns))].width
        # Weakest first: that is where the next study session helps most.
        for index, row in sorted(enumerate(chapters), key=lambda item: item[1]["mastery"]):
            table.add_row(
                Text(short(row["chapter"] or NO_CHAPTER, width)),
                Text(str(row["cards"]), justify="right"),
                Text(percent(row["mastery"]), justify="right"),
                mastery_bar(row["mastery"], width=8),
                key=str(index),
            )

    def fill_hardest(self, hardest: dict[str, Any]) -> None:
        table = self.query_one("#stats-hardest", DataTable)
        table.clear()
        width = table.columns[next(iter(table.columns))].width
        for card in hardest["cards"]:
            table.add_row(
                Text(short(card["title"] or card["question"], width)),
                Text(str(card["lapses"]), justify="right"),
                Text(percent(card["retrievability"]), justify="right"),
                Text("leech", style="bold red") if card["leech"] else "",
                key=str(card["card_id"]),
            )

    # Browsing from a row.

    def filter_for(self, table_id: str, row_key: str | None) -> BrowseFilter | None:
        if self.document is None or row_key is None:
            return None
        if table_id == "stats-chapters":
            chapter = self.document["chapters"][int(row_key)]["chapter"]
            return BrowseFilter(chapter=chapter, deck=self.deck)
        card = next(
            (c for c in self.document["hardest"]["cards"] if str(c["card_id"]) == row_key), None
        )
        if card is None:
            return None
        return BrowseFilter(
            chapter=card["chapter"],
            deck=card["deck"],
            deck_id=card["deck_id"],
            card_id=card["card_id"],
        )

    def browse(self, table: DataTable[Any], row_key: str | None) -> None:
        browse_filter = self.filter_for(table.id or "", row_key)
        if browse_filter is not None:
            self.post_message(BrowseRequested(browse_filter))

    @on(DataTable.RowSelected)
    def row_selected(self, event: DataTable.RowSelected) -> None:
        self.browse(event.data_table, event.row_key.value)

    def action_browse(self) -> None:
        focused = self.focused
        table = (
            focused
            if isinstance(focused, DataTable)
            else self.query_one("#stats-chapters", DataTable)
        )
        if table.row_count == 0:
            return
        row_key = table.ordered_rows[table.cursor_row].key.value
        self.browse(table, row_key)

    def action_reload(self) -> None:
        self.query_one("#stats-status", Static).update("Loading statistics…")
        self.load()

    def action_back(self) -> None:
        self.app.pop_screen()


def today_text(document: dict[str, Any]) -> Text:
    today, streak, cards = document["today"], document["streak"], document["cards"]
    minutes, seconds = divmod(round(today["time_spent_s"]), 60)
    rows = [
        ("Answers", str(today["reviews"])),
        ("New learned", str(today["new_learned"])),
        ("Again", percent(today["again_rate"])),
        ("Time", f"{minutes}m {seconds:02d}s"),
        ("Streak", days(streak["current"])),
        ("Longest", days(streak["longest"])),
        ("New", str(cards["new"])),
        ("Learning", str(cards["learning"] + cards["relearning"])),
        ("Review", str(cards["review"])),
        ("Suspended", str(cards["suspended"])),
    ]
    return figure_lines(rows, 12)
