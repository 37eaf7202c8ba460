"""Browser: full-text search over every card (bm25 on SQLite, ts_rank on PostgreSQL) with
filters for deck, chapter, state, due and suspended; Enter opens the card."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Checkbox, DataTable, Footer, Header, Input, Select, Static
from textual.worker import get_current_worker

from studyapp.domain.render import render_text
from studyapp.domain.scheduling import study_zone
from studyapp.store.card_data import FLAG_NAMES
from studyapp.store.search import STATES, CardHit, filter_choices, search_cards
from studyapp.text.formatting import shorten
from studyapp.tui.messages import BrowserFiltersLoaded, SearchResults
from studyapp.tui.screens.base import StudyScreen

TEXT_WIDTH = 36


class BrowserScreen(StudyScreen[None]):
    CSS_PATH = "browser.tcss"
    SUB_TITLE = "Browse cards"
    AUTO_FOCUS = "#search"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_search", "Search", key_display="/"),
        Binding("ctrl+t", "focus_table", "Results"),
        Binding("escape", "back", "Back"),
    ]
    WIDGET_KEYS: ClassVar[list[tuple[str, str]]] = [("enter", "Open the card")]

    def __init__(
        self, chapter: str | None = None, deck_id: int | None = None, card_id: int | None = None
    ) -> None:
        """Optionally start filtered to a chapter or deck, or with one card opened (the Stats
        screen sends a weak chapter or a hard card here)."""
        super().__init__()
        self.initial_chapter = chapter
        self.initial_deck_id = deck_id
        self.initial_card_id = card_id

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="Search cards (words from title, question or answer)", id="search")
        with Horizontal(id="browser-filters"):
            yield Select[int]([], prompt="Any deck", id="deck")
            yield Select[str]([], prompt="Any chapter", id="chapter")
            yield Select[str]([(s, s) for s in STATES], prompt="Any state", id="state")
            yield Checkbox("Due now", id="due")
            yield Checkbox("Suspended", id="suspended")
        table: DataTable[str] = DataTable(id="results", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static("", id="result-count")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#results", DataTable)
        table.add_column("Deck", key="deck", width=14)
        table.add_column("Chapter", key="chapter", width=18)
        table.add_column("Card", key="card", width=TEXT_WIDTH)
        table.add_column("State", key="state", width=10)
        table.add_column("Due", key="due", width=10)
        table.add_column("Flag", key="flag", width=6)
        self.load_filters()
        self.refresh_results()
        if self.initial_card_id is not None:
            from studyapp.tui.screens.card import CardScreen

            self.app.push_screen(CardScreen(self.initial_card_id))

    @work(thread=True, exclusive=True, exit_on_error=False, group="filters")
    def load_filters(self) -> None:
        decks, chapters = filter_choices(self.study_app.store.sessions)
        self.post_message(BrowserFiltersLoaded(decks, chapters))

    def on_browser_filters_loaded(self, message: BrowserFiltersLoaded) -> None:
        deck = self.query_one("#deck", Select)
        chapter = self.query_one("#chapter", Select)
        # Deck and chapter titles are the user's text: never markup (so everywhere below).
        deck.set_options([(Text(t), i) for i, t in message.decks])
        chapter.set_options([(Text(c), c) for c in message.chapters])
        if self.initial_deck_id in {i for i, _ in message.decks}:
            deck.value = self.initial_deck_id
        if self.initial_chapter in message.chapters:
            chapter.value = self.initial_chapter

    def filters(self) -> dict[str, Any]:
        def value(selector: str) -> Any:
            selected = self.query_one(selector, Select).value
            return None if selected is Select.NULL else selected

        return {
            "deck_id": value("#deck"),
            "chapter": value("#chapter"),
            "state": value("#state"),
            "due_now": self.study_app.now() if self.query_one("#due", Checkbox).value else None,
            "suspended": True if self.query_one("#suspended", Checkbox).value else None,
        }

    def refresh_results(self) -> None:
        self.search(self.query_one("#search", Input).value, self.filters())

    @work(thread=True, exclusive=True, exit_on_error=False, group="search")
    def search(self, query: str, filters: dict[str, Any]) -> None:
        hits = search_cards(self.study_app.store.sessions, query, **filters)
        if not get_current_worker().is_cancelled:
            self.post_message(SearchResults(query, hits))

    @on(Input.Changed, "#search")
    @on(Select.Changed)
    @on(Checkbox.Changed)
    def filters_changed(self) -> None:
        self.refresh_results()

    @on(Input.Submitted, "#search")
    def submitted(self) -> None:
        self.action_focus_table()

    def on_search_results(self, message: SearchResults) -> None:
        table = self.query_one("#results", DataTable)
        table.clear()
        zone = study_zone(self.study_app.scheduler_settings)
        for hit in message.hits:
            table.add_row(*self.row(hit, zone), key=str(hit.card_id))
        count = len(message.hits)
        words = f" for “{message.query}”" if message.query.strip() else ""
        self.query_one("#result-count", Static).update(
            Text(f"{count} card{'s' if count != 1 else ''}{words}")
        )

    @staticmethod
    def row(hit: CardHit, zone: dt.tzinfo) -> tuple[Text, ...]:
        text = render_text(hit.title or hit.question)
        state = "suspended" if hit.suspended else hit.state
        due = (
            hit.due.astimezone(zone).strftime("%Y-%m-%d") if hit.due and hit.state != "new" else ""
        )
        return (
            Text(shorten(hit.deck, 14)),
            Text(shorten(hit.chapter or "", 18)),
            Text(shorten(text, TEXT_WIDTH)),
            Text(state),
            Text(due),
            Text(FLAG_NAMES.get(hit.flag, "")),
        )

    @on(DataTable.RowSelected, "#results")
    def open_card(self, event: DataTable.RowSelected) -> None:
        from studyapp.tui.screens.card import CardScreen

        if event.row_key.value is not None:
            self.app.push_screen(CardScreen(int(event.row_key.value)))

    def action_focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_focus_table(self) -> None:
        self.query_one("#results", DataTable).focus()

    def action_back(self) -> None:
        self.app.pop_screen()
