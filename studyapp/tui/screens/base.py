"""What every screen shares: typed access to the app, worker failures shown, not lost, the
one undo stack, and a side panel that folds away on narrow terminals.

Every screen subclasses `StudyScreen`, keeps its styles in the `.tcss` file beside its module,
runs blocking work in thread workers and gets their results back as the typed messages of
`studyapp.tui.messages`.

Changes to cards go through `change_cards` (a worker running one of
`studyapp.store.card_actions`); each lands on the app's undo stack, and `action_undo` (the
screens bind `u` and `ctrl+z`) takes back the newest, whichever screen made it. A screen
reacts in `after_change` and `after_undo`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar, Protocol, TypeVar, cast

from textual import events, work
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from studyapp.store.card_actions import CardChange
from studyapp.store.card_actions import undo as undo_change
from studyapp.tui.messages import CardsChanged, ChangeUndone

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from studyapp.tui.app import StudyApp

ResultType = TypeVar("ResultType")

NARROW_WIDTH = 100
"""Below this many columns a screen's side panel folds away (its key shows it again)."""

DONE = {
    "suspend": "Suspended",
    "unsuspend": "Unsuspended",
    "bury": "Buried until the next study day",
    "unbury": "Unburied",
    "flag": "Flagged",
    "unflag": "Flag cleared",
    "reset": "Reset to new",
    "reschedule": "Rescheduled",
}


class HasSessions(Protocol):
    """What a screen built on an injected store needs of `studyapp.store.opening.Store`."""

    @property
    def sessions(self) -> sessionmaker[Session]: ...


def done_text(change: CardChange) -> str:
    """ "Suspended (2 cards)." for the toast after a change."""
    count = len(change.card_ids)
    text = DONE.get(change.label, change.label.capitalize())
    return f"{text}{f' ({count} cards)' if count > 1 else ''}."


class StudyScreen(Screen[ResultType]):
    WIDGET_KEYS: ClassVar[list[tuple[str, str]]] = []
    """(key, what it does) for keys the screen's widgets handle rather than its BINDINGS (a
    tree's or a table's enter): the help screen lists them with the bindings."""

    SIDE_PANEL: ClassVar[str | None] = None
    """The selector of the panel that folds away below `NARROW_WIDTH` columns."""

    panel_choice: bool | None = None
    """The user's own choice of showing the side panel (its key); None follows the width."""

    @property
    def study_app(self) -> StudyApp:
        return cast("StudyApp", self.app)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # Workers run with exit_on_error=False: a failed query or import is reported on
        # screen, in one line, and the app keeps running. The error may quote a deck or a
        # file, so it is shown as text, never as markup.
        if event.state == WorkerState.ERROR:
            self.notify(
                f"{event.worker.name}: {event.worker.error}", severity="error", markup=False
            )

    # -- the side panel ---------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self.fold_panel()

    def fold_panel(self) -> None:
        if self.SIDE_PANEL is None:
            return
        shown = self.panel_choice
        if shown is None:
            shown = self.app.size.width >= NARROW_WIDTH
        for panel in self.query(self.SIDE_PANEL):
            panel.display = shown

    def action_toggle_panel(self) -> None:
        if self.SIDE_PANEL is None:
            return
        self.panel_choice = not self.query_one(self.SIDE_PANEL).display
        self.fold_panel()

    # -- changes to cards and the undo stack ------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="cards")
    def change_cards(self, action: Callable[[], CardChange]) -> None:
        """Run a `studyapp.store.card_actions` change off the UI thread."""
        self.post_message(CardsChanged(action()))

    def on_cards_changed(self, message: CardsChanged) -> None:
        self.study_app.undo.push(message.change)
        self.notify(done_text(message.change), timeout=2)
        self.after_change(message.change)

    def after_change(self, change: CardChange) -> None:
        """The screen shows the change (a refreshed row, the next card)."""

    def action_undo(self) -> None:
        change = self.study_app.undo.pop()
        if change is None:
            self.notify("Nothing to undo.", timeout=2)
            return
        self.undo_in_worker(change)

    @work(thread=True, exclusive=True, exit_on_error=False, group="undo")
    def undo_in_worker(self, change: CardChange) -> None:
        try:
            undo_change(self.study_app.store.sessions, change)
        except Exception:
            self.app.call_from_thread(self.study_app.undo.restore, change)
            raise
        self.post_message(ChangeUndone(change))

    def on_change_undone(self, message: ChangeUndone) -> None:
        self.notify(f"Undid {message.change.describe()}.", timeout=2)
        self.after_undo(message.change)

    def after_undo(self, change: CardChange) -> None:
        """The screen shows the cards as they are again."""
