"""Custom study (Home's `c`, and the palette): for the deck or chapter selected on Home, N
extra new cards today, a session of today's Agains, one of flagged cards, or cramming without
touching the schedule. Dismissed with the choice; Home starts the session."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Header, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from studyapp.tui.screens.base import StudyScreen

Mode = Literal["extra_new", "again_today", "flagged", "cram"]

CHOICES: list[tuple[Mode, str, str]] = [
    ("extra_new", "Extra new cards today", "learn more new cards than today's limit allows"),
    ("again_today", "Today's Agains", "the cards answered Again today, once more"),
    ("flagged", "Flagged cards", "every flagged card, due or not"),
    ("cram", "Cram", "every card, in order; nothing is rescheduled or logged"),
]
DEFAULT_EXTRA = 10


@dataclass(frozen=True, slots=True)
class CustomStudy:
    mode: Mode
    title: str
    count: int = 0


class CustomStudyScreen(StudyScreen[CustomStudy | None]):
    CSS_PATH = "custom_study.tcss"
    SUB_TITLE = "Custom study"
    AUTO_FOCUS = "#custom-choices"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Back"),
    ]
    WIDGET_KEYS: ClassVar[list[tuple[str, str]]] = [("enter", "Start the session")]

    def __init__(self, scope_label: str) -> None:
        super().__init__()
        self.scope_label = scope_label

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="custom-study"):
            # The deck's title is the user's text: never markup.
            yield Static(Text.assemble(("Custom study of ", "bold"), (self.scope_label, "bold")))
            yield OptionList(
                *[
                    Option(Text.assemble((title, "bold"), "\n  ", (hint, "dim")), id=mode)
                    for mode, title, hint in CHOICES
                ],
                id="custom-choices",
            )
            with Horizontal(id="custom-count-row"):
                yield Label("Extra new cards:", classes="field-label")
                yield Input(str(DEFAULT_EXTRA), id="custom-count", type="integer", compact=True)
            yield Static("", id="custom-error", classes="error")
        yield Footer()

    @on(OptionList.OptionSelected, "#custom-choices")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.choose(event.option.id or "")

    @on(Input.Submitted, "#custom-count")
    def count_submitted(self) -> None:
        self.choose("extra_new")

    def choose(self, mode: str) -> None:
        for choice_mode, title, _hint in CHOICES:
            if choice_mode != mode:
                continue
            count = 0
            if mode == "extra_new":
                raw = self.query_one("#custom-count", Input).value.strip()
                if not raw.isdigit() or int(raw) < 1:
                    self.query_one("#custom-error", Static).update(
                        Text(f"Extra new cards: {raw!r} is not a whole number above 0")
                    )
                    return
                count = int(raw)
            self.dismiss(CustomStudy(choice_mode, title, count))
            return

    def action_cancel(self) -> None:
        self.dismiss(None)
