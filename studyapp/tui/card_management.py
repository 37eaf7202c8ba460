"""The card-management keys the browser and the card screen share: suspend and unsuspend,
bury and unbury, Anki's flags (`ctrl+1` … `ctrl+4`, the same flag again clears it), reset to
new, a new due date, card info and undo. Each applies to the screen's targets (the browser's
selection, or the card on show) as one change on the app's undo stack.

A mixin of `StudyScreen` subclasses: the screen says what its targets are (`targets`) and
shows a change (`after_change`, `after_undo`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.binding import Binding

from studyapp.store import card_actions
from studyapp.tui.screens.due_date import DueDateScreen

if TYPE_CHECKING:
    from studyapp.tui.screens.base import StudyScreen

    _Screen = StudyScreen[None]
else:
    _Screen = object

FLAG_KEYS = ((1, "red"), (2, "orange"), (3, "green"), (4, "blue"))

MANAGEMENT_BINDINGS = [
    Binding("at", "toggle_suspend", "Suspend / unsuspend", key_display="@"),
    Binding("minus", "toggle_bury", "Bury / unbury", key_display="-"),
    *(
        Binding(f"ctrl+{n}", f"toggle_flag({n})", f"Flag {name}", show=False)
        for n, name in FLAG_KEYS
    ),
    Binding("N", "reset", "Reset to new", show=False),
    Binding("D", "due_date", "Set due date", show=False),
    Binding("i", "info", "Card info"),
    Binding("u", "undo", "Undo"),
    Binding("ctrl+z", "undo", "Undo", show=False),
]


@dataclass(frozen=True, slots=True)
class Target:
    """A card an action applies to, with the marks that decide what a toggle does."""

    card_id: int
    suspended: bool
    buried_until: dt.datetime | None
    flag: int


class CardManagement(_Screen):
    def targets(self) -> list[Target]:
        """The cards the keys act on; none means the key does nothing."""
        raise NotImplementedError

    def _ids(self) -> list[int]:
        return [target.card_id for target in self.targets()]

    def action_toggle_suspend(self) -> None:
        targets = self.targets()
        if not targets:
            return
        sessions, ids = self.study_app.store.sessions, [t.card_id for t in targets]
        if all(t.suspended for t in targets):
            self.change_cards(lambda: card_actions.unsuspend(sessions, ids))
        else:
            self.change_cards(lambda: card_actions.suspend(sessions, ids))

    def action_toggle_bury(self) -> None:
        targets = self.targets()
        if not targets:
            return
        app = self.study_app
        sessions, ids, now = app.store.sessions, [t.card_id for t in targets], app.now()
        if all(t.buried_until is not None and t.buried_until > now for t in targets):
            self.change_cards(lambda: card_actions.unbury(sessions, ids))
        else:
            settings = app.scheduler_settings
            self.change_cards(lambda: card_actions.bury(sessions, ids, now, settings))

    def action_toggle_flag(self, flag: int) -> None:
        targets = self.targets()
        if not targets:
            return
        wanted = 0 if all(t.flag == flag for t in targets) else flag
        sessions, ids = self.study_app.store.sessions, [t.card_id for t in targets]
        self.change_cards(lambda: card_actions.set_flag(sessions, ids, wanted))

    def action_reset(self) -> None:
        ids = self._ids()
        if ids:
            sessions = self.study_app.store.sessions
            self.change_cards(lambda: card_actions.reset(sessions, ids))

    def action_due_date(self) -> None:
        ids = self._ids()
        if ids:
            self.app.push_screen(DueDateScreen(len(ids)), lambda date: self.reschedule(ids, date))

    def reschedule(self, ids: list[int], date: dt.date | None) -> None:
        if date is None:
            return
        app = self.study_app
        sessions, now, settings = app.store.sessions, app.now(), app.scheduler_settings
        self.change_cards(lambda: card_actions.reschedule(sessions, ids, date, now, settings))

    def action_info(self) -> None:
        ids = self._ids()
        if ids:
            self.study_app.open_card_info(ids[0])
