"""Browser: full-text search over every card (bm25 on SQLite, ts_rank on PostgreSQL, on the
source and on the rendered text) with filters for deck, chapter, state, due, suspended,
flagged and buried; Enter opens the card.

Results come a page at a time: the next page loads as the cursor nears the end, and the count
below is the true total. `/` goes to the search box from anywhere (and is never typed into it:
search is by words). `space` selects rows; the card-management keys (`card_management`) act on
the selection, or on the row under the cursor. The columns share out the table's width.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Checkbox, DataTable, Footer, Header, Input, Select, Static
from textual.worker import get_current_worker

from studyapp.domain.render import render_text
from studyapp.domain.scheduling import study_zone
from studyapp.store.card_actions import CardChange
from studyapp.store.card_data import FLAG_NAMES
from studyapp.store.search import (
    STATES,
    CardHit,
    count_cards,
    filter_choices,
    search_cards,
    suggest_terms,
)
from studyapp.text.formatting import shorten
from studyapp.tui.card_management import MANAGEMENT_BINDINGS, CardManagement, Target
from studyapp.tui.messages import BrowserFiltersLoaded, LibraryChanged, SearchResults
from studyapp.tui.screens.base import NARROW_WIDTH, StudyScreen

PAGE = 200
MORE_WHEN = 20
"""Load the next page when the cursor is this close to the last row loaded."""
FIXED = {"mark": 1, "state": 9, "due": 10, "flag": 6}
SHARES = {"deck": 0.22, "chapter": 0.28, "card": 0.5}
CELL_PADDING = 2
SELECTED = "●"
TITLES = {
    "mark": "",
    "deck": "Deck",
    "chapter": "Chapter",
    "card": "Card",
    "state": "State",
    "due": "Due",
    "flag": "Flag",
}
CHECKS = (
    ("due", "Due now"),
    ("suspended", "Suspended"),
    ("flagged", "Flagged"),
    ("buried", "Buried"),
)


def column_widths(width: int) -> dict[str, int]:
    """Every column's width in a table `width` cells wide: the fixed ones, then the text
    columns share the rest; below `NARROW_WIDTH` the chapter column goes."""
    shares = dict(SHARES)
    if width < NARROW_WIDTH - 4:
        shares = {"deck": 0.3, "card": 0.7}
    padding = CELL_PADDING * (len(FIXED) + len(shares))
    rest = max(24, width - padding - sum(FIXED.values()) - 2)  # 2: the scrollbar
    widths = {name: max(6, int(rest * share)) for name, share in shares.items()}
    return {"mark": FIXED["mark"], **widths, **{k: v for k, v in FIXED.items() if k != "mark"}}


class BrowserScreen(CardManagement, StudyScreen[None]):
    CSS_PATH = "browser.tcss"
    SUB_TITLE = "Browse cards"
    AUTO_FOCUS = "#search"
    BINDINGS: ClassVar[list[BindingType]] = [
        # A priority binding: the search box never receives the slash itself.
        Binding("slash", "focus_search", "Search", key_display="/", priority=True),
        Binding("ctrl+t", "focus_table", "Results"),
        Binding("space", "toggle_select", "Select", show=False),
        *MANAGEMENT_BINDINGS,
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
        self.hits: list[CardHit] = []
        self.total = 0
        self.query_text = ""
        self.selected: set[int] = set()

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(
            placeholder="Search cards (words of the question, answer or math)",
            id="search",
            compact=True,
        )
        with Horizontal(id="browser-filters"):
            yield Select[int]([], prompt="Any deck", id="deck", compact=True)
            yield Select[str]([], prompt="Any chapter", id="chapter", compact=True)
            yield Select[str](
                [(s, s) for s in STATES], prompt="Any state", id="state", compact=True
            )
        with Horizontal(id="browser-checks"):
            for box_id, label in CHECKS:
                yield Checkbox(label, id=box_id, compact=True)
        table: DataTable[Text] = DataTable(id="results", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static("", id="result-count")
        yield Footer()

    def on_mount(self) -> None:
        self.set_columns()
        self.load_filters()
        self.refresh_results()
        if self.initial_card_id is not None:
            from studyapp.tui.screens.card import CardScreen

            self.app.push_screen(CardScreen(self.initial_card_id))

    # -- filters and pages ------------------------------------------------------------------

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

        def checked(box_id: str) -> bool:
            return self.query_one(f"#{box_id}", Checkbox).value

        now = self.study_app.now()
        return {
            "deck_id": value("#deck"),
            "chapter": value("#chapter"),
            "state": value("#state"),
            "due_now": now if checked("due") else None,
            "suspended": True if checked("suspended") else None,
            "flagged": True if checked("flagged") else None,
            "buried_at": now if checked("buried") else None,
        }

    def refresh_results(self) -> None:
        self.search(self.query_one("#search", Input).value, self.filters())

    @work(thread=True, exclusive=True, exit_on_error=False, group="search")
    def search(self, query: str, filters: dict[str, Any], offset: int = 0) -> None:
        sessions = self.study_app.store.sessions
        hits = search_cards(sessions, query, limit=PAGE, offset=offset, **filters)
        total = count_cards(sessions, query, **filters) if offset == 0 else self.total
        suggestions = suggest_terms(sessions, query) if total == 0 and query.strip() else None
        if not get_current_worker().is_cancelled:
            self.post_message(SearchResults(query, hits, total, offset, suggestions))

    @on(Input.Changed, "#search")
    @on(Select.Changed)
    @on(Checkbox.Changed)
    def filters_changed(self) -> None:
        self.refresh_results()

    @on(Input.Submitted, "#search")
    def submitted(self) -> None:
        self.action_focus_table()

    def on_search_results(self, message: SearchResults) -> None:
        # The same query again (a card changed, a filter): the cursor stays on its row.
        keep = message.query == self.query_text
        if message.offset == 0:
            self.hits, self.query_text = list(message.hits), message.query
        elif message.offset == len(self.hits) and keep:
            self.hits += message.hits
        else:
            return  # a page of an older search
        self.total = message.total
        self.fill_rows(keep=keep)
        self.show_count(message.suggestions)

    def show_count(self, suggestions: list[str] | None = None) -> None:
        words = f" for “{self.query_text}”" if self.query_text.strip() else ""
        total = self.total
        text = Text(f"{total} card{'s' if total != 1 else ''}{words}")
        if len(self.hits) < total:
            text.append(f" · showing {len(self.hits)}, more as you scroll", style="dim")
        if self.selected:
            text.append(f" · {len(self.selected)} selected", style="bold")
        if suggestions:
            text.append(" · did you mean: ")
            text.append(", ".join(suggestions), style="bold")
        self.query_one("#result-count", Static).update(text)

    @on(DataTable.RowHighlighted, "#results")
    def maybe_load_more(self, event: DataTable.RowHighlighted) -> None:
        table = event.data_table
        if len(self.hits) < self.total and event.cursor_row >= table.row_count - MORE_WHEN:
            self.search(self.query_text, self.filters(), offset=len(self.hits))

    # -- the table --------------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        super().on_resize(event)
        self.call_after_refresh(self.set_columns)

    def set_columns(self) -> None:
        table = self.query_one("#results", DataTable)
        width = table.size.width or self.app.size.width - 4
        self.widths = column_widths(width)
        table.clear(columns=True)
        for key, column_width in self.widths.items():
            table.add_column(TITLES[key], key=key, width=column_width)
        self.fill_rows(keep=True)

    def fill_rows(self, keep: bool) -> None:
        table = self.query_one("#results", DataTable)
        cursor = table.cursor_row if keep else 0
        table.clear()
        zone = study_zone(self.study_app.scheduler_settings)
        now = self.study_app.now()
        for hit in self.hits:
            table.add_row(*self.row(hit, zone, now), key=str(hit.card_id))
        if self.hits:
            table.move_cursor(row=min(cursor, len(self.hits) - 1), animate=False)

    def row(self, hit: CardHit, zone: dt.tzinfo, now: dt.datetime) -> list[Text]:
        due = (
            hit.due.astimezone(zone).strftime("%Y-%m-%d") if hit.due and hit.state != "new" else ""
        )
        cells = {
            "mark": Text(SELECTED if hit.card_id in self.selected else "", style="bold"),
            "deck": Text(shorten(hit.deck, self.widths["deck"])),
            "chapter": Text(shorten(hit.chapter or "", self.widths.get("chapter", 0))),
            "card": Text(shorten(render_text(hit.question), self.widths["card"])),
            "state": Text(hit.shown_state(now)),
            "due": Text(due),
            "flag": Text(FLAG_NAMES.get(hit.flag, "")),
        }
        return [cells[key] for key in self.widths]

    def cursor_hit(self) -> CardHit | None:
        table = self.query_one("#results", DataTable)
        if not self.hits or table.row_count == 0:
            return None
        return self.hits[min(table.cursor_row, len(self.hits) - 1)]

    @on(DataTable.RowSelected, "#results")
    def open_card(self, event: DataTable.RowSelected) -> None:
        from studyapp.tui.screens.card import CardScreen

        if event.row_key.value is not None:
            self.app.push_screen(CardScreen(int(event.row_key.value)))

    # -- selection and card management ------------------------------------------------------

    def action_toggle_select(self) -> None:
        hit = self.cursor_hit()
        if hit is None:
            return
        self.selected ^= {hit.card_id}
        table = self.query_one("#results", DataTable)
        mark = SELECTED if hit.card_id in self.selected else ""
        table.update_cell(str(hit.card_id), "mark", Text(mark, style="bold"))
        table.action_cursor_down()
        self.show_count()

    def targets(self) -> list[Target]:
        chosen = [h for h in self.hits if h.card_id in self.selected]
        if not chosen and (hit := self.cursor_hit()) is not None:
            chosen = [hit]
        return [Target(h.card_id, h.suspended, h.buried_until, h.flag) for h in chosen]

    def after_change(self, change: CardChange) -> None:
        self.refresh_results()

    def after_undo(self, change: CardChange) -> None:
        self.refresh_results()

    def on_library_changed(self, message: LibraryChanged) -> None:
        self.refresh_results()

    def on_screen_resume(self) -> None:
        self.refresh_results()  # the card screen may have changed a card

    def action_focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_focus_table(self) -> None:
        self.query_one("#results", DataTable).focus()

    def action_back(self) -> None:
        if self.selected:
            self.selected.clear()
            self.fill_rows(keep=True)
            self.show_count()
            return
        self.app.pop_screen()
