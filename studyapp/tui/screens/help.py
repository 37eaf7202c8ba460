"""Help: every key binding, per screen, read from the screens' own BINDINGS so it never drifts."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Footer, Header, Static

from studyapp.tui.screens.base import StudyScreen

KEY_NAMES = {
    "space": "space",
    "escape": "esc",
    "enter": "enter",
    "backspace": "backspace",
    "question_mark": "?",
    "slash": "/",
}


def key_label(binding: Binding) -> str:
    if binding.key_display:
        return binding.key_display
    return ", ".join(KEY_NAMES.get(k, k) for k in binding.key.split(","))


def _described(bindings: list[BindingType]) -> list[Binding]:
    as_bindings = [item if isinstance(item, Binding) else Binding(*item) for item in bindings]
    return [binding for binding in as_bindings if binding.description]


def binding_rows(bindings: list[BindingType]) -> list[tuple[str, str]]:
    return [(key_label(binding), binding.description) for binding in _described(bindings)]


def sections() -> list[tuple[str, list[tuple[str, str]]]]:
    from studyapp.tui.app import StudyApp
    from studyapp.tui.screens.browser import BrowserScreen
    from studyapp.tui.screens.card import CardScreen
    from studyapp.tui.screens.home import HomeScreen
    from studyapp.tui.screens.notes import NotesScreen
    from studyapp.tui.screens.review import ReviewScreen
    from studyapp.tui.screens.settings import SettingsScreen
    from studyapp.tui.screens.summary import SummaryScreen

    review = [
        row
        for row, binding in zip(
            binding_rows(ReviewScreen.BINDINGS), _described(ReviewScreen.BINDINGS), strict=True
        )
        if not binding.action.startswith("scroll")
    ] + [("↑ ↓ pgup pgdn", "Scroll the card; home, end")]
    return [
        ("Everywhere", [*binding_rows(StudyApp.BINDINGS), ("ctrl+p", "Command palette")]),
        ("Home", [("enter", "Review the selected deck or chapter"), ("space", "Fold a deck"),
                  *binding_rows(HomeScreen.BINDINGS)]),
        ("Review", review),
        ("Session summary", binding_rows(SummaryScreen.BINDINGS)),
        ("Notes", [("enter", "Open the section / fold"), *binding_rows(NotesScreen.BINDINGS)]),
        ("Browser", [("enter", "Open the card"), *binding_rows(BrowserScreen.BINDINGS)]),
        ("Card", binding_rows(CardScreen.BINDINGS)),
        ("Settings", [("enter", "Save"), *binding_rows(SettingsScreen.BINDINGS)]),
    ]  # fmt: skip


class HelpScreen(StudyScreen[None]):
    CSS_PATH = "help.tcss"
    SUB_TITLE = "Keys"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("q", "back", "Back", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="help-body"):
            for title, rows in sections():
                table = Table(box=None, show_header=False, padding=(0, 2), expand=False)
                table.add_column("key", style="bold", width=13)
                table.add_column("action")
                for key, description in rows:
                    table.add_row(key, description)
                yield Vertical(
                    Static(Text(title, style="bold underline"), classes="help-title"),
                    Static(table),
                    classes="help-section",
                )
        yield Footer()

    def action_back(self) -> None:
        self.app.pop_screen()
