"""Home: decks and chapters with their new / learning / due counts, and today's progress."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Header, Static, Tree

from studyapp.store.overview import Counts, Overview, load_overview
from studyapp.store.review import QueueScope
from studyapp.text.formatting import format_clock, format_duration, format_percent, shorten
from studyapp.tui.messages import OverviewLoaded
from studyapp.tui.screens.base import StudyScreen
from studyapp.tui.widgets.card_view import DeckTree

LABEL_WIDTH = 44
COLUMN = 7
# Tree rows start after the fold arrow (2 cells); chapters one guide level deeper (2 more).
CHAPTER_INDENT = 2


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
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "review_all", "Review all"),
        Binding("b", "browse", "Browse"),
        Binding("n", "notes", "Notes"),
        Binding("s", "settings", "Settings"),
        Binding("t", "stats", "Stats"),
        Binding("q", "app.quit", "Quit"),
    ]
    WIDGET_KEYS: ClassVar[list[tuple[str, str]]] = [
        ("enter", "Review the selected deck or chapter"),
        ("space", "Fold a deck"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="home-body"):
            with Vertical(id="decks"):
                yield Static(
                    Text.assemble(
                        ("Deck / chapter".ljust(LABEL_WIDTH + 1), "bold"),
                        ("New".rjust(COLUMN), "bold blue"),
                        ("Learn".rjust(COLUMN), "bold red"),
                        ("Due".rjust(COLUMN), "bold green"),
                    ),
                    id="decks-header",
                )
                tree: DeckTree = DeckTree("Decks", id="deck-tree")
                tree.show_root = False
                tree.auto_expand = False
                yield tree
            with Vertical(id="today"):
                yield Static("Today", classes="panel-title")
                yield Static("", id="today-stats")
        yield Footer()

    def on_mount(self) -> None:
        # Under `studyapp review` the review screen is pushed on top at once: counting every
        # deck then would only compete with loading the first question; resume counts them.
        if self.app.screen is self:
            self.refresh_overview()

    def on_screen_resume(self) -> None:
        self.refresh_overview()

    @work(thread=True, exclusive=True, exit_on_error=False, group="overview")
    def refresh_overview(self) -> None:
        app = self.study_app
        overview = load_overview(app.store.sessions, app.now(), app.scheduler_settings)
        self.post_message(OverviewLoaded(overview))

    def on_overview_loaded(self, message: OverviewLoaded) -> None:
        overview = message.overview
        tree = self.query_one(DeckTree)
        selected = cast(
            "tuple[QueueScope, str] | None",
            tree.cursor_node.data if tree.cursor_node is not None else None,
        )
        tree.clear()
        cursor = None
        for deck in overview.decks:
            deck_node = tree.root.add(
                counts_label(deck.title, deck.counts, LABEL_WIDTH),
                data=(deck.scope, deck.title),
                expand=True,
            )
            if selected is not None and selected[0] == deck.scope:
                cursor = deck_node
            for chapter in deck.chapters:
                name = chapter.chapter or "(no chapter)"
                node = deck_node.add_leaf(
                    counts_label(name, chapter.counts, LABEL_WIDTH - CHAPTER_INDENT),
                    data=(chapter.scope, f"{deck.title} › {name}"),
                )
                if selected is not None and selected[0] == chapter.scope:
                    cursor = node
        if cursor is None and tree.root.children:
            cursor = tree.root.children[0]
        if cursor is not None:
            tree.move_cursor(cursor)
        self.query_one("#today-stats", Static).update(self.today_text(overview))

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
        scope, label = cast("tuple[QueueScope, str]", event.node.data)
        self.study_app.start_review(scope, label)

    def action_review_all(self) -> None:
        self.study_app.start_review(QueueScope())

    def action_browse(self) -> None:
        self.study_app.open_browser()

    def action_notes(self) -> None:
        self.study_app.open_notes()

    def action_settings(self) -> None:
        self.study_app.open_settings()

    def action_stats(self) -> None:
        self.study_app.open_stats()
