"""Card info (`i` in review, the browser and the card screen): what FSRS knows of one card,
its stability, difficulty, retrievability today and due date, and every answer it had."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, Header, Static

from studyapp.domain.scheduling import RATINGS, format_interval, study_zone
from studyapp.store.card_data import FLAG_NAMES
from studyapp.store.card_info import CardInfo, load_card_info
from studyapp.text.formatting import format_clock, format_percent
from studyapp.tui.messages import CardInfoLoaded
from studyapp.tui.screens.base import StudyScreen
from studyapp.tui.widgets.figures import figure_lines

RATING_STYLES = {1: "bold red", 2: "yellow", 3: "green", 4: "bold blue"}


class CardInfoScreen(StudyScreen[None]):
    CSS_PATH = "card_info.tcss"
    SUB_TITLE = "Card info"
    AUTO_FOCUS = "#info-history"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("i", "back", "Back", show=False),
    ]

    def __init__(self, card_id: int) -> None:
        super().__init__()
        self.card_id = card_id
        self.info: CardInfo | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="info-body"):
            yield Static("Loading…", id="info-summary")
            history: DataTable[Any] = DataTable(id="info-history", cursor_type="row")
            yield history
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#info-history", DataTable)
        table.border_title = "Review history"
        for label, key in (("When", "when"), ("Rating", "rating"), ("State", "state")):
            table.add_column(label, key=key)
        table.add_column("Interval", key="interval")
        table.add_column("Time", key="time")
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def load(self) -> None:
        app = self.study_app
        info = load_card_info(app.store.sessions, self.card_id, app.now(), app.scheduler_settings)
        self.post_message(CardInfoLoaded(info))

    def on_card_info_loaded(self, message: CardInfoLoaded) -> None:
        self.info = info = message.info
        summary = self.query_one("#info-summary", Static)
        if info is None:
            summary.update("This card no longer exists.")
            return
        summary.update(self.summary_text(info))
        table = self.query_one("#info-history", DataTable)
        table.clear()
        zone = study_zone(self.study_app.scheduler_settings)
        for row in info.history:
            table.add_row(
                row.reviewed_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                Text(RATINGS[row.rating], style=RATING_STYLES[row.rating]),
                row.state_before,
                format_interval(row.interval) if row.interval is not None else "–",
                f"{row.duration_ms / 1000:.1f}s",
            )
        if not info.history:
            table.add_row("never answered", "", "", "", "")

    def summary_text(self, info: CardInfo) -> Text:
        app = self.study_app
        now, settings = app.now(), app.scheduler_settings
        marks = [
            name
            for name, on in (
                ("suspended", info.suspended),
                (
                    f"buried until {format_clock(info.buried_until, now, settings)}",
                    info.buried_until,
                ),
                (f"flag {FLAG_NAMES.get(info.flag, info.flag)}", info.flag),
            )
            if on
        ]
        rows = [
            ("Card", info.question),
            ("Deck", f"{info.deck} · {info.location}"),
            ("State", ", ".join([info.state, *marks])),
            ("Due", format_clock(info.due, now, settings)),
            ("Stability", _days(info.stability)),
            ("Difficulty", "–" if info.difficulty is None else f"{info.difficulty:.2f} of 10"),
            ("Recall today", format_percent(info.retrievability)),
            ("Answers", f"{info.reps} ({info.lapses} lapse{'s' if info.lapses != 1 else ''})"),
        ]
        return figure_lines(rows, 14)  # the question and deck are text, never markup

    def action_back(self) -> None:
        self.app.pop_screen()


def _days(stability: float | None) -> str:
    if stability is None:
        return "–"
    return f"{format_interval(dt.timedelta(days=stability))} ({stability:.1f} days)"
