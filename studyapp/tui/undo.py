"""The app's one undo stack: every change a screen made to cards (answers, suspend, bury,
flags, reset, a new due date), newest last, so `u` and `ctrl+z` take back the last one
whatever it was and wherever it was made. Plain Python; the screens run the database part
(`studyapp.store.card_actions.undo`) in a worker."""

from __future__ import annotations

from dataclasses import dataclass, field

from studyapp.store.card_actions import CardChange

DEPTH = 200
"""Changes kept; older ones can no longer be undone (as in Anki, a session's worth)."""


@dataclass(slots=True)
class UndoStack:
    changes: list[CardChange] = field(default_factory=list)

    def push(self, change: CardChange) -> None:
        self.changes.append(change)
        del self.changes[:-DEPTH]

    def pop(self) -> CardChange | None:
        return self.changes.pop() if self.changes else None

    def restore(self, change: CardChange) -> None:
        """Put back a change whose undo failed, so it can be tried again."""
        self.changes.append(change)

    def __len__(self) -> int:
        return len(self.changes)
