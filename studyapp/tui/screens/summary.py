"""The end of a review session: cards reviewed, time, again-rate and when the next card is due."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Vertical
from textual.widgets import Footer, Header, Static

from studyapp.text.formatting import format_clock, format_duration, format_percent
from studyapp.tui.review_session import SessionStats
from studyapp.tui.screens.base import StudyScreen


class SummaryScreen(StudyScreen[str]):
    """Dismissed with "undo" to take back the last change (the session's last answer, most
    often), else "home"."""

    CSS_PATH = "summary.tcss"
    SUB_TITLE = "Session summary"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "home", "Home"),
        Binding("escape", "home", "Home", show=False),
        Binding("u", "undo", "Undo"),
        Binding("ctrl+z", "undo", "Undo", show=False),
    ]

    def __init__(self, stats: SessionStats, next_due: dt.datetime | None, label: str) -> None:
        super().__init__()
        self.stats = stats
        self.next_due = next_due
        self.label = label

    def compose(self) -> ComposeResult:
        app = self.study_app
        stats = self.stats
        title = "Session complete" if stats.reviewed else "Nothing to review right now"
        rows = [
            ("Scope", self.label),
            ("Cards reviewed", str(stats.reviewed)),
            ("Time", format_duration(dt.timedelta(milliseconds=stats.millis))),
            ("Again rate", format_percent(stats.again_rate)),
            ("Next due", format_clock(self.next_due, app.now(), app.scheduler_settings)),
        ]
        body = Text()
        for name, value in rows:
            body.append(f"{name:<16}", style="dim")
            body.append(f"{value}\n")
        yield Header()
        with Center(), Vertical(id="summary"):
            yield Static(title, id="summary-title")
            yield Static(body, id="summary-body")
            yield Static("enter: home   u: undo the last change", classes="muted")
        yield Footer()

    def action_home(self) -> None:
        self.dismiss("home")

    def action_undo(self) -> None:
        self.dismiss("undo")
