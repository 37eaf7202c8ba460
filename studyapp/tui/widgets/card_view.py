"""Reusable widgets: the card view shared by the review and card screens, and the deck tree."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Markdown, Rule, Static, Tree
from textual.widgets.markdown import MarkdownFence

from studyapp.store.card_data import FLAG_NAMES, CardData
from studyapp.tui.messages import LaunchDemo

FLAG_STYLES = {1: "bold red", 2: "bold dark_orange", 3: "bold green", 4: "bold blue"}


class CardView(VerticalScroll):
    """One card: title, chapter and source, context, question and (once revealed) the answer.

    Everything is composed at once, with the answer hidden, so a view can be mounted behind the
    current one and shown the moment the user answers; a long answer scrolls, and revealing
    scrolls to the answer. Code blocks scroll sideways (`scroll_code`, the review screen's
    left and right keys) with a scrollbar that shows there is more.
    """

    DEFAULT_CSS = """
    CardView {
        height: 1fr;
        padding: 0 1;
        scrollbar-gutter: stable;
        align-horizontal: center;
        /* 100 columns of text (and the padding) however wide the terminal: longer lines are
           hard to read. */
        & > * { max-width: 102; }
        & > .card-title { text-style: bold; color: $text-accent; padding: 0 1; }
        & > .card-meta {
            color: $text-muted; padding: 0 1 1 1; text-wrap: nowrap; text-overflow: ellipsis;
        }
        & > .card-context { color: $text-muted; }
        & > .card-context.-empty { display: none; }
        & > .card-answer, & > .card-divider { display: none; }
        &.-revealed > .card-answer, &.-revealed > .card-divider { display: block; }
        & Markdown { padding: 0 1; margin: 0; }
        & MarkdownFence { scrollbar-size-horizontal: 1; }
        & > Rule { margin: 0 1; color: $primary; }
    }
    """

    can_focus = False

    def __init__(
        self, card: CardData, *, revealed: bool = False, classes: str | None = None
    ) -> None:
        super().__init__(classes=" ".join(filter(None, [classes, "-revealed" * revealed])))
        self.card = card

    def compose(self) -> ComposeResult:
        card = self.card
        yield Static(Text(card.heading), classes="card-title")
        yield Static(self.meta_line(), classes="card-meta")
        yield Markdown(
            card.context,
            classes="card-context" + ("" if card.context.strip() else " -empty"),
            open_links=False,
        )
        yield Markdown(card.question, classes="card-question", open_links=False)
        yield Rule(line_style="dashed", classes="card-divider")
        yield Markdown(card.answer, classes="card-answer", open_links=False)

    def meta_line(self, flag: int | None = None) -> Text:
        """Flag and marks first, so a narrow screen cuts the file name, not the flag."""
        card = self.card
        flag = card.flag if flag is None else flag
        meta = Text()
        if flag:
            meta.append(f"⚑ {FLAG_NAMES.get(flag, str(flag))}", style=FLAG_STYLES.get(flag, ""))
            meta.append("  ")
        if card.suspended:
            meta.append("suspended", style="bold yellow")
            meta.append("  ")
        meta.append(" · ".join(p for p in (card.chapter, card.deck, card.location) if p))
        return meta

    @property
    def revealed(self) -> bool:
        return self.has_class("-revealed")

    def reveal(self) -> None:
        self.add_class("-revealed")
        self.call_after_refresh(self.scroll_to_answer)

    def scroll_to_answer(self) -> None:
        """Bring the answer into view when it is below the fold: the divider goes to the top
        (a short answer under a short question needs no scrolling at all)."""
        answer = self.query_one(".card-answer")
        bottom = self.scroll_offset.y + self.scrollable_content_region.height
        if answer.virtual_region.bottom > bottom:
            self.scroll_to_widget(self.query_one(".card-divider"), top=True, animate=False)

    def scroll_code(self, columns: int) -> None:
        """Scroll every code block sideways by `columns` (negative: to the left)."""
        for fence in self.query(MarkdownFence):
            fence.scroll_relative(x=columns, animate=False)

    def show_flag(self, flag: int) -> None:
        self.query_one(".card-meta", Static).update(self.meta_line(flag))

    def on_markdown_link_clicked(self, event: Markdown.LinkClicked) -> None:
        # `[text](demo:NAME)` in a card runs the demo; any other link opens in the browser.
        event.stop()
        if event.href.startswith("demo:"):
            self.post_message(LaunchDemo(self.card.card_id, event.href.removeprefix("demo:")))
        else:
            self.app.open_url(event.href)


class DeckTree(Tree[object]):
    """A tree whose Enter starts something (a review, a section) rather than folding a node;
    space folds."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Open", show=True),
        Binding("space", "toggle_node", "Fold", show=False),
    ]
