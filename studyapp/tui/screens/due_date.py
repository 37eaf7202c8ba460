"""A new due date for the selected cards (Anki's "Set due date"): a date, or a number of days
from today. Dismissed with the date; the browser or card screen reschedules."""

from __future__ import annotations

import datetime as dt
import re
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Footer, Header, Input, Static

from studyapp.store.queue import study_date
from studyapp.tui.screens.base import StudyScreen

DAYS = re.compile(r"^\+?\s*(\d{1,5})\s*d?$")


def parse_due(text: str, today: dt.date) -> dt.date:
    """ "2026-03-09", "+7", "7" or "7d"; ValueError says what was wrong."""
    raw = text.strip()
    if match := DAYS.match(raw):
        return today + dt.timedelta(days=int(match.group(1)))
    try:
        date = dt.date.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"{raw!r} is neither a date (YYYY-MM-DD) nor a number of days") from None
    if date < today:
        raise ValueError(f"{date.isoformat()} is in the past")
    return date


class DueDateScreen(StudyScreen[dt.date | None]):
    CSS_PATH = "due_date.tcss"
    SUB_TITLE = "Set due date"
    AUTO_FOCUS = "#due-input"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Back")]
    WIDGET_KEYS: ClassVar[list[tuple[str, str]]] = [("enter", "Reschedule")]

    def __init__(self, count: int) -> None:
        super().__init__()
        self.count = count

    def compose(self) -> ComposeResult:
        noun = "card" if self.count == 1 else f"{self.count} cards"
        yield Header()
        with Vertical(id="due-form"):
            yield Static(Text(f"Make the {noun} due on:", style="bold"))
            yield Input(placeholder="YYYY-MM-DD, or +N days", id="due-input", compact=True)
            yield Static("", id="due-error", classes="error")
        yield Footer()

    @on(Input.Submitted, "#due-input")
    def submitted(self, event: Input.Submitted) -> None:
        app = self.study_app
        try:
            date = parse_due(event.value, study_date(app.now(), app.scheduler_settings))
        except ValueError as error:
            self.query_one("#due-error", Static).update(Text(str(error)))
            return
        self.dismiss(date)

    def action_cancel(self) -> None:
        self.dismiss(None)
