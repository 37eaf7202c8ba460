"""One card (opened from the browser): question and answer, a key to its notes, and the
card-management keys of `card_management` (suspend, bury, flags, reset, due date, info)."""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Footer, Header, Static

from studyapp.store.card_actions import CardChange
from studyapp.store.card_data import CardData, load_card
from studyapp.tui.card_management import MANAGEMENT_BINDINGS, CardManagement, Target
from studyapp.tui.messages import CardLoaded, LibraryChanged
from studyapp.tui.screens.base import StudyScreen
from studyapp.tui.widgets.card_view import CardView


class CardScreen(CardManagement, StudyScreen[None]):
    CSS_PATH = "card.tcss"
    SUB_TITLE = "Card"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "notes", "Notes"),
        *MANAGEMENT_BINDINGS,
        Binding("escape", "back", "Back"),
        Binding("backspace", "back", "Back", show=False),
    ]

    def __init__(self, card_id: int) -> None:
        super().__init__()
        self.card_id = card_id
        self.card: CardData | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Vertical(Static("Loading…", classes="muted"), id="card-frame")
        yield Footer()

    def on_mount(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def load(self) -> None:
        card = load_card(self.study_app.store.sessions, self.card_id)
        self.post_message(CardLoaded(card, self.card_id))

    def on_card_loaded(self, message: CardLoaded) -> None:
        frame = self.query_one("#card-frame")
        frame.remove_children()
        if message.card is None:
            frame.mount(Static("This card no longer exists.", classes="error"))
            return
        self.card = message.card
        view = CardView(message.card, revealed=True)
        frame.mount(view)
        view.focus()

    def targets(self) -> list[Target]:
        card = self.card
        if card is None:
            return []
        return [Target(card.card_id, card.suspended, card.buried_until, card.flag)]

    def after_change(self, change: CardChange) -> None:
        self.load()

    def after_undo(self, change: CardChange) -> None:
        self.load()

    def on_library_changed(self, message: LibraryChanged) -> None:
        self.load()

    def action_notes(self) -> None:
        if self.card is None:
            return
        if self.card.notes_section_id is None:
            self.notify("No notes section for this card.", timeout=3)
            return
        self.study_app.open_notes(self.card.notes_section_id)

    def action_back(self) -> None:
        self.app.pop_screen()
