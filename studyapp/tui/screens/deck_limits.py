"""One deck's own daily limits (Home's `l`): new cards and reviews per day; a blank field
takes the global limit of the Settings screen."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Vertical
from textual.widgets import Footer, Header, Input, Label, Static

from studyapp.store.settings import DeckLimit, load_deck_limit, save_deck_limit
from studyapp.tui.messages import DeckLimitLoaded, DeckLimitSaved
from studyapp.tui.screens.base import StudyScreen

FIELDS = (("new_per_day", "New cards per day"), ("reviews_per_day", "Reviews per day"))


class DeckLimitsScreen(StudyScreen[None]):
    CSS_PATH = "deck_limits.tcss"
    SUB_TITLE = "Deck limits"
    AUTO_FOCUS = "#new_per_day"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save"),
        Binding("escape", "back", "Back"),
    ]
    WIDGET_KEYS: ClassVar[list[tuple[str, str]]] = [("enter", "Save")]

    def __init__(self, book_key: str, title: str) -> None:
        super().__init__()
        self.book_key = book_key
        self.deck_title = title

    def compose(self) -> ComposeResult:
        settings = self.study_app.scheduler_settings
        defaults = {
            "new_per_day": settings.new_per_day,
            "reviews_per_day": settings.reviews_per_day,
        }
        yield Header()
        with Vertical(id="limits-form"):
            yield Static(Text.assemble(("Daily limits of ", "bold"), (self.deck_title, "bold")))
            with Grid(id="limits-grid"):
                for name, label in FIELDS:
                    yield Label(label, classes="field-label")
                    hint = f"{defaults[name]} (global)"
                    yield Input(placeholder=hint, id=name, type="integer", compact=True)
            yield Static("Leave a field blank to use the global limit.", classes="muted")
            yield Static("", id="limits-errors", classes="error")
        yield Footer()

    def on_mount(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def load(self) -> None:
        limit = load_deck_limit(self.study_app.store.sessions, self.book_key)
        self.post_message(DeckLimitLoaded(limit))

    def on_deck_limit_loaded(self, message: DeckLimitLoaded) -> None:
        for name, _label in FIELDS:
            value = getattr(message.limit, name)
            self.query_one(f"#{name}", Input).value = "" if value is None else str(value)

    def action_save(self) -> None:
        values: dict[str, int | None] = {}
        for name, label in FIELDS:
            raw = self.query_one(f"#{name}", Input).value.strip()
            if raw and not raw.isdigit():
                self.query_one("#limits-errors", Static).update(
                    Text(f"{label}: {raw!r} is not a whole number")
                )
                return
            values[name] = int(raw) if raw else None
        self.save(DeckLimit(**values))

    @work(thread=True, exclusive=True, exit_on_error=False)
    def save(self, limit: DeckLimit) -> None:
        save_deck_limit(self.study_app.store.sessions, self.book_key, limit)
        self.post_message(DeckLimitSaved(limit))

    def on_deck_limit_saved(self, message: DeckLimitSaved) -> None:
        self.notify("Deck limits saved.", timeout=2)
        self.app.pop_screen()

    @on(Input.Submitted)
    def submitted(self) -> None:
        self.action_save()

    def action_back(self) -> None:
        self.app.pop_screen()
