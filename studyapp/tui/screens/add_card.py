"""Add a card (`a` on Home, and the palette): deck file, kind, front and back. The card is
appended to the deck's markdown file in the hand-written format and the file imported again
(`studyapp.store.new_cards`): the file stays the source of truth."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, VerticalScroll
from textual.widgets import Footer, Header, Input, Label, Select, Static, TextArea

from studyapp.store.new_cards import KINDS, WritableDeck, add_card, writable_decks
from studyapp.tui.messages import CardAdded, CardNotAdded, WritableDecksLoaded
from studyapp.tui.screens.base import StudyScreen

HINTS = {
    "basic": "front: the question; back: the answer",
    "reversed": "two cards: front → back and back → front",
    "cloze": "front with {{c1::deletions}} (or ==highlights==); no back",
}


class AddCardScreen(StudyScreen[None]):
    CSS_PATH = "add_card.tcss"
    SUB_TITLE = "Add a card"
    AUTO_FOCUS = "#add-front"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Add"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.decks: list[WritableDeck] = []

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="add-form"):
            with Grid(id="add-grid"):
                yield Label("Deck file", classes="field-label")
                yield Select[int]([], prompt="Loading…", id="add-deck", compact=True)
                yield Label("Kind", classes="field-label")
                kinds = [(kind, kind) for kind in KINDS]
                yield Select[str](
                    kinds, value="basic", id="add-kind", allow_blank=False, compact=True
                )
                yield Label("Front", classes="field-label")
                yield Input(placeholder="the question", id="add-front", compact=True)
            yield Label("Back", classes="field-label")
            yield TextArea(id="add-back", soft_wrap=True, show_line_numbers=False)
            yield Static(HINTS["basic"], id="add-hint", classes="muted")
            yield Static("", id="add-error", classes="error")
        yield Footer()

    def on_mount(self) -> None:
        self.load_decks()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def load_decks(self) -> None:
        self.post_message(WritableDecksLoaded(writable_decks(self.study_app.store.sessions)))

    def on_writable_decks_loaded(self, message: WritableDecksLoaded) -> None:
        self.decks = message.decks
        select = self.query_one("#add-deck", Select)
        # Deck titles and paths are the user's text: never markup.
        select.set_options(
            [(Text(f"{d.title}  ({Path(d.path).name})"), d.deck_id) for d in self.decks]
        )
        select.prompt = "Choose a deck file" if self.decks else "No notes or cards file"
        if self.decks:
            select.value = self.decks[0].deck_id

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "add-kind" and isinstance(event.value, str):
            self.query_one("#add-hint", Static).update(HINTS[event.value])

    def action_save(self) -> None:
        deck_id = self.query_one("#add-deck", Select).value
        deck = next((d for d in self.decks if d.deck_id == deck_id), None)
        if deck is None:
            self.post_message(CardNotAdded("choose a deck file first"))
            return
        kind = str(self.query_one("#add-kind", Select).value)
        front = self.query_one("#add-front", Input).value
        back = self.query_one("#add-back", TextArea).text
        self.save(deck, kind, front, back)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def save(self, deck: WritableDeck, kind: str, front: str, back: str) -> None:
        app = self.study_app
        try:
            added = add_card(
                app.store.sessions, deck, kind, front, back, app.now(), app.match_demos
            )
        except ValueError as error:
            self.post_message(CardNotAdded(str(error)))
            return
        self.post_message(CardAdded(added))

    def on_card_not_added(self, message: CardNotAdded) -> None:
        self.query_one("#add-error", Static).update(Text(f"Not added: {message.problem}"))

    def on_card_added(self, message: CardAdded) -> None:
        added = message.added
        problems = [m for m in added.report.messages if added.report.status == "failed"]
        if problems or not added.card_ids:
            self.post_message(CardNotAdded("; ".join(problems) or "the file made no new card"))
            return
        count = len(added.card_ids)
        where = f"{Path(added.report.path).name}:{added.line}"
        self.notify(f"Added {count} card{'s' if count > 1 else ''} at {where}.", markup=False)
        self.query_one("#add-front", Input).value = ""
        self.query_one("#add-back", TextArea).text = ""
        self.query_one("#add-error", Static).update("")
        self.query_one("#add-front", Input).focus()

    def action_back(self) -> None:
        self.app.pop_screen()
