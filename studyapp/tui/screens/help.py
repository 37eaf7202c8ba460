"""Help: every key binding, per screen, generated from the screens' own BINDINGS so it never
drifts: a binding added to a screen shows up here with the key as the footer writes it.

`HELP_PAGES` names the screens in the order they are listed; a test checks that every
`StudyScreen` subclass is among them, and that every described binding is on the page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, ClassVar

from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from studyapp.tui.screens.base import NARROW_WIDTH, StudyScreen

if TYPE_CHECKING:
    from textual.dom import DOMNode

KEY_WIDTH = 13
"""Cells for the key column; longer keys push their description right."""

KeyDisplay = Callable[[Binding], str]


def help_pages() -> list[tuple[str, type[DOMNode]]]:
    """(section title, the class whose BINDINGS it lists), in the order shown."""
    from studyapp.tui.app import StudyApp
    from studyapp.tui.screens.add_card import AddCardScreen
    from studyapp.tui.screens.browser import BrowserScreen
    from studyapp.tui.screens.card import CardScreen
    from studyapp.tui.screens.card_info import CardInfoScreen
    from studyapp.tui.screens.custom_study import CustomStudyScreen
    from studyapp.tui.screens.deck_limits import DeckLimitsScreen
    from studyapp.tui.screens.demo import DemoScreen
    from studyapp.tui.screens.due_date import DueDateScreen
    from studyapp.tui.screens.home import HomeScreen
    from studyapp.tui.screens.notes import NotesScreen
    from studyapp.tui.screens.review import ReviewScreen
    from studyapp.tui.screens.settings import SettingsScreen
    from studyapp.tui.screens.stats import StatsScreen
    from studyapp.tui.screens.summary import SummaryScreen

    return [
        ("Everywhere", StudyApp),
        ("Home", HomeScreen),
        ("Review", ReviewScreen),
        ("Session summary", SummaryScreen),
        ("Notes", NotesScreen),
        ("Browser", BrowserScreen),
        ("Card", CardScreen),
        ("Card info", CardInfoScreen),
        ("Set due date", DueDateScreen),
        ("Custom study", CustomStudyScreen),
        ("Add a card", AddCardScreen),
        ("Deck limits", DeckLimitsScreen),
        ("Settings", SettingsScreen),
        ("Stats", StatsScreen),
        ("Demo", DemoScreen),
        ("Keys (this page)", HelpScreen),
    ]


def described_bindings(owner: type[DOMNode]) -> list[Binding]:
    """The bindings a class declares itself that have a description, one per key, shown and
    hidden alike. For the app, Textual's own screen keys (focus, copy) and the command
    palette come too: they work on every screen."""
    declared: list[BindingType] = list(owner.BINDINGS)
    if issubclass(owner, App):
        declared += Screen.BINDINGS
        palette = Binding(owner.COMMAND_PALETTE_BINDING, "command_palette", "Command palette")
        declared.append(palette)
    return [binding for binding in Binding.make_bindings(declared) if binding.description]


def help_rows(owner: type[DOMNode], key_display: KeyDisplay) -> list[tuple[str, str]]:
    """(keys, description) rows: keys that do the same thing share a row ("esc, q")."""
    rows: dict[tuple[str, str], list[str]] = {}
    for binding in described_bindings(owner):
        rows.setdefault((binding.action, binding.description), []).append(key_display(binding))
    listed = [(", ".join(keys), description) for (_, description), keys in rows.items()]
    if issubclass(owner, StudyScreen):
        listed += [
            (key_display(Binding(key, "")), description) for key, description in owner.WIDGET_KEYS
        ]
    return listed


def section_text(rows: Iterable[tuple[str, str]]) -> Content:
    return Content("\n").join(
        Content.assemble((keys.ljust(KEY_WIDTH), "bold"), "  ", description)
        for keys, description in rows
    )


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
            for title, owner in help_pages():
                yield Vertical(
                    Static(Content.styled(title, "bold underline"), classes="help-title"),
                    Static(section_text(help_rows(owner, self.app.get_key_display))),
                    classes="help-section",
                )
        yield Footer()

    def on_resize(self, event: events.Resize) -> None:
        super().on_resize(event)
        # Two columns where they fit; one below NARROW_WIDTH, where two would wrap every line.
        body = self.query_one("#help-body")
        body.styles.grid_size_columns = 2 if self.app.size.width >= NARROW_WIDTH else 1

    def action_back(self) -> None:
        self.app.pop_screen()
