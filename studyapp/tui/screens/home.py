"""Home: decks and chapters with their new / learning / due counts, and today's progress.

The count columns always fit: the title column takes what the tree's width leaves, and below
100 columns the Today panel folds away (`p` shows it). From the selected deck or chapter:
custom study (`c`), the deck's own daily limits (`l`) and a new card (`a`).
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar, NamedTuple, cast

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Header, Static, Tree

from studyapp.store.card_actions import CardChange
from studyapp.store.overview import Counts, DeckRow, Overview, load_overview
from studyapp.store.queue import QueueScope, study_date
from studyapp.store.settings import grant_extra_new
from studyapp.text.formatting import format_clock, format_duration, format_percent, shorten
from studyapp.tui.messages import ExtraNewGranted, LibraryChanged, OverviewLoaded
from studyapp.tui.screens.base import StudyScreen
from studyapp.tui.screens.custom_study import CustomStudy, CustomStudyScreen
from studyapp.tui.widgets.card_view import DeckTree

LABEL_WIDTH = 44
"""The title column before the tree has a size (then it takes what the counts leave)."""
MIN_LABEL_WIDTH = 12
MAX_LABEL_WIDTH = 72
"""On a wide terminal the counts stay near the titles they count."""
COLUMN = 7
# Tree rows start after the fold arrow (2 cells); chapters one guide level deeper (2 more).
CHAPTER_INDENT = 2
# The tree's own cells before a deck's label: the fold arrow.
TREE_CHROME = 2


class Selection(NamedTuple):
    """What a row of the tree stands for: the review scope, its label, and its deck."""

    scope: QueueScope
    label: str
    deck: DeckRow


def counts_label(title: str, counts: Counts, width: int) -> Text:
    """A tree label: the title padded to `width`, then new (blue), learning (red), due (green)."""
    label = Text(shorten(title, width).ljust(width))
    for value, style in (
        (counts.new, "bold blue"),
        (counts.learning, "bold red"),
        (counts.due, "bold green"),
    ):
        label.append(f"{value:>{COLUMN}}", style=style if value else "dim")
    return label


class HomeScreen(StudyScreen[None]):
    CSS_PATH = "home.tcss"
    SUB_TITLE = "Decks"
    AUTO_FOCUS = "DeckTree"
    SIDE_PANEL = "#today"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "review_all", "Review all"),
        Binding("c", "custom_study", "Custom study"),
        Binding("a", "add_card", "Add card"),
        Binding("b", "browse", "Browse"),
        Binding("n", "notes", "Notes"),
        Binding("l", "deck_limits", "Deck limits", show=False),
        Binding("s", "settings", "Settings"),
        Binding("t", "stats", "Stats"),
        Binding("u", "undo", "Undo", show=False),
        Binding("ctrl+z", "undo", "Undo", show=False),
        Binding("p", "toggle_panel", "Today panel", show=False),
        Binding("q", "app.quit", "Quit"),
    ]
    WIDGET_KEYS: ClassVar[list[tuple[str, str]]] = [
        ("enter", "Review the selected deck or chapter"),
        ("space", "Fold a deck"),
    ]

    overview: Overview | None = None

    def __init__(self, *, deferred: bool = False) -> None:
        super().__init__()
        self.deferred = deferred
        """Composed only when first shown: under `studyapp review` the review screen covers
        Home at once, and building Home's tree, panel and footer then (a fifth of the start)
        would only delay the first question."""

    def compose(self) -> ComposeResult:
        if self.deferred:
            return
        yield Header()
        with Horizontal(id="home-body"):
            with Vertical(id="decks"):
                yield Static("", id="decks-header")
                tree: DeckTree = DeckTree("Decks", id="deck-tree")
                tree.show_root = False
                tree.auto_expand = False
                yield tree
            with Vertical(id="today"):
                yield Static("Today", classes="panel-title")
                yield Static("", id="today-stats")
        yield Footer()

    def on_mount(self) -> None:
        if not self.deferred:
            self.prepare()

    def prepare(self) -> None:
        self.fold_panel()
        self.query_one("#decks-header", Static).update(self.header_text())
        if self.app.screen is self:
            self.refresh_overview()

    async def on_screen_resume(self) -> None:
        # Home's first resume under `studyapp review` arrives after the review screen already
        # covers it; that screen's own resume (when the review ends) builds and counts.
        if self.app.screen is not self:
            return
        if self.deferred:
            self.deferred = False
            await self.recompose()
            self.prepare()
            self.query_one(DeckTree).focus()
            self.call_after_refresh(self.relabel)  # the tree's width is known after layout
        else:
            self.refresh_overview()

    def on_library_changed(self, message: LibraryChanged) -> None:
        if not self.deferred:
            self.refresh_overview()

    def after_undo(self, change: CardChange) -> None:
        if not self.deferred:
            self.refresh_overview()

    def label_width(self) -> int:
        # Without the scrollbar, when the tree has one.
        width = self.query_one("#deck-tree").scrollable_content_region.width
        if width <= 0:
            return LABEL_WIDTH
        return max(MIN_LABEL_WIDTH, min(MAX_LABEL_WIDTH, width - 3 * COLUMN - TREE_CHROME))

    def header_text(self) -> Text:
        return Text.assemble(
            ("Deck / chapter".ljust(self.label_width() + TREE_CHROME - 1), "bold"),
            ("New".rjust(COLUMN), "bold blue"),
            ("Learn".rjust(COLUMN), "bold red"),
            ("Due".rjust(COLUMN), "bold green"),
        )

    def on_resize(self, event: events.Resize) -> None:
        if self.deferred:
            return  # composed, folded and labelled to the size it is first shown at
        super().on_resize(event)
        self.call_after_refresh(self.relabel)

    def relabel(self) -> None:
        self.query_one("#decks-header", Static).update(self.header_text())
        if self.overview is not None:
            self.fill_tree(self.overview)

    @work(thread=True, exclusive=True, exit_on_error=False, group="overview")
    def refresh_overview(self) -> None:
        app = self.study_app
        overview = load_overview(app.store.sessions, app.now(), app.scheduler_settings)
        self.post_message(OverviewLoaded(overview))

    def on_overview_loaded(self, message: OverviewLoaded) -> None:
        self.overview = message.overview
        self.relabel()
        self.query_one("#today-stats", Static).update(self.today_text(message.overview))

    def fill_tree(self, overview: Overview) -> None:
        tree = self.query_one(DeckTree)
        selected = self.selection()
        width = self.label_width()
        tree.clear()
        cursor = None
        for deck in overview.decks:
            deck_node = tree.root.add(
                counts_label(deck.title, deck.counts, width),
                data=Selection(deck.scope, deck.title, deck),
                expand=True,
            )
            if selected is not None and selected.scope == deck.scope:
                cursor = deck_node
            for chapter in deck.chapters:
                name = chapter.chapter or "(no chapter)"
                node = deck_node.add_leaf(
                    counts_label(name, chapter.counts, width - CHAPTER_INDENT),
                    data=Selection(chapter.scope, f"{deck.title} › {name}", deck),
                )
                if selected is not None and selected.scope == chapter.scope:
                    cursor = node
        if cursor is None and tree.root.children:
            cursor = tree.root.children[0]
        if cursor is not None:
            tree.move_cursor(cursor)

    def selection(self) -> Selection | None:
        node = self.query_one(DeckTree).cursor_node
        return cast("Selection | None", node.data if node is not None else None)

    def today_text(self, overview: Overview) -> Text:
        today = overview.today
        now = self.study_app.now()
        settings = self.study_app.scheduler_settings
        totals = overview.totals
        rows = [
            ("Reviews done", str(today.reviewed)),
            ("New learned", str(today.new_learned)),
            ("Time", format_duration(dt.timedelta(seconds=today.seconds))),
            ("Again rate", format_percent(overview.again_rate)),
            ("Next due", format_clock(overview.next_due, now, settings)),
            ("", ""),
            ("Still to study", ""),
            ("New", str(totals.new)),
            ("Learning", str(totals.learning)),
            ("Due", str(totals.due)),
        ]
        text = Text()
        for name, value in rows:
            if not name:
                text.append("\n")
                continue
            if not value:
                text.append(f"{name}\n", style="bold")
                continue
            text.append(f"{name:<14}", style="dim")
            text.append(f"{value}\n")
        return text

    @on(Tree.NodeSelected, "#deck-tree")
    def start_scoped_review(self, event: Tree.NodeSelected[object]) -> None:
        selection = cast("Selection", event.node.data)
        self.study_app.start_review(selection.scope, selection.label)

    def action_review_all(self) -> None:
        self.study_app.start_review(QueueScope())

    def action_custom_study(self) -> None:
        selection = self.selection()
        if selection is None:
            self.notify("Import a deck first.", timeout=3)
            return
        self.app.push_screen(CustomStudyScreen(selection.label), self.custom_study_chosen)

    def custom_study_chosen(self, choice: CustomStudy | None) -> None:
        selection = self.selection()
        if choice is None or selection is None:
            return
        scope = selection.scope
        if choice.mode == "extra_new":
            self.grant_and_review(selection, choice.count)
            return
        custom = QueueScope(scope.deck_ids, scope.chapter, choice.mode)
        self.study_app.start_review(custom, f"{selection.label} · {choice.title}")

    @work(thread=True, exclusive=True, exit_on_error=False, group="custom")
    def grant_and_review(self, selection: Selection, count: int) -> None:
        app = self.study_app
        day = study_date(app.now(), app.scheduler_settings)
        grant_extra_new(app.store.sessions, selection.deck.book_key, count, day)
        self.post_message(
            ExtraNewGranted(selection.scope, f"{selection.label} · {count} extra new")
        )

    def on_extra_new_granted(self, message: ExtraNewGranted) -> None:
        self.study_app.start_review(message.scope, message.label)

    def action_add_card(self) -> None:
        self.study_app.open_add_card()

    def action_deck_limits(self) -> None:
        from studyapp.tui.screens.deck_limits import DeckLimitsScreen

        selection = self.selection()
        if selection is not None:
            deck = selection.deck
            self.app.push_screen(DeckLimitsScreen(deck.book_key, deck.title))

    def action_browse(self) -> None:
        self.study_app.open_browser()

    def action_notes(self) -> None:
        self.study_app.open_notes()

    def action_settings(self) -> None:
        self.study_app.open_settings()

    def action_stats(self) -> None:
        self.study_app.open_stats()
