"""Where a card leads: the notes sections related to it and the demos linked to it (the review
screen's side panel)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from studyapp.tui.messages import LaunchDemo


class CardLinks(Vertical):
    """Two lists: `#related`, whose option ids are section ids (choosing one posts
    `OptionList.OptionSelected`; the screen opens the notes), and `#demos`, whose choice
    posts `LaunchDemo` for the card shown."""

    DEFAULT_CSS = """
    CardLinks {
        /* By id, so that a list the mouse focuses does not grow a border. */
        & > #related, & > #demos { border: none; background: transparent; }
        & > #related { height: 1fr; }
        & > #demos { height: 6; }
    }
    """

    def compose(self) -> ComposeResult:
        yield Static("Related notes", classes="panel-title")
        yield OptionList(id="related")
        yield Static("Demos  (d)", classes="panel-title")
        yield OptionList(id="demos")

    card_id: int | None = None
    """The card whose links are listed."""

    def show(self, card_id: int, related: Sequence[Option], demos: Sequence[str]) -> None:
        """List `related` (the screen labels the sections) and the card's demos, the first
        one highlighted so that `d` runs it."""
        self.card_id = card_id
        related_list = self.query_one("#related", OptionList)
        related_list.clear_options()
        related_list.add_options(related or [Option("(none found)", disabled=True)])
        demo_list = self.query_one("#demos", OptionList)
        demo_list.clear_options()
        # A demo's name comes from the deck's `demo:` links: text, never markup.
        demo_list.add_options(
            [Option(Text(name), id=name) for name in demos] or [Option("(none)", disabled=True)]
        )
        if demos:
            demo_list.highlighted = 0

    @on(OptionList.OptionSelected, "#demos")
    def launch_selected_demo(self, event: OptionList.OptionSelected) -> None:
        if self.card_id is not None and event.option.id is not None:
            self.post_message(LaunchDemo(self.card_id, event.option.id))

    def highlighted_demo(self, demos: Sequence[str]) -> str:
        """The demo under the cursor, else the first of `demos` (which must not be empty)."""
        index = self.query_one("#demos", OptionList).highlighted or 0
        return demos[min(index, len(demos) - 1)]
