"""The order of one review session, kept in memory between answers (no Textual import).

`build_queue` gives today's queue once; while the user answers, cards answered into a learning
step come back when due. Deciding the next card is pure bookkeeping here, so the review screen
can prefetch it and the answer key only commits and swaps the view.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from dataclasses import dataclass, field

from studyapp.store.overview import LEARN_AHEAD, Counts
from studyapp.store.review import QueueScope


@dataclass(frozen=True, slots=True)
class Answered:
    """One answer of this session, enough to undo it and to correct the statistics."""

    log_id: int
    card_id: int
    rating: int
    millis: int
    state_before: str
    state_after: str
    due: dt.datetime | None


@dataclass(slots=True)
class SessionStats:
    reviewed: int = 0
    again: int = 0
    millis: int = 0

    @property
    def again_rate(self) -> float | None:
        return self.again / self.reviewed if self.reviewed else None


@dataclass(slots=True)
class ReviewSession:
    scope: QueueScope = field(default_factory=QueueScope)
    queue: deque[int] = field(default_factory=deque)
    states: dict[int, str] = field(default_factory=dict)
    learning: dict[int, dt.datetime] = field(default_factory=dict)
    answers: list[Answered] = field(default_factory=list)
    stats: SessionStats = field(default_factory=SessionStats)

    def load(self, card_states: list[tuple[int, str]]) -> None:
        """Today's queue from the database (card id and state, in queue order)."""
        self.queue = deque(card_id for card_id, _state in card_states)
        self.states = dict(card_states)
        for card_id in self.queue:
            self.learning.pop(card_id, None)

    def peek(self, now: dt.datetime, exclude: int | None = None) -> int | None:
        """The card `pop` would return, without taking it."""
        due_learning = sorted(
            (due, card_id) for card_id, due in self.learning.items() if card_id != exclude
        )
        if due_learning and due_learning[0][0] <= now:
            return due_learning[0][1]
        for card_id in self.queue:
            if card_id != exclude:
                return card_id
        if due_learning and due_learning[0][0] <= now + LEARN_AHEAD:
            return due_learning[0][1]
        return None

    def pop(self, now: dt.datetime, exclude: int | None = None) -> int | None:
        card_id = self.peek(now, exclude)
        if card_id is not None:
            self.learning.pop(card_id, None)
            if card_id in self.queue:
                self.queue.remove(card_id)
        return card_id

    def put_back(self, card_id: int) -> None:
        """Show this card next (the one displayed when an undo brings another back)."""
        if card_id not in self.queue:
            self.queue.appendleft(card_id)

    def record(self, answered: Answered) -> None:
        self.answers.append(answered)
        self.states[answered.card_id] = answered.state_after
        self.stats.reviewed += 1
        self.stats.again += answered.rating == 1
        self.stats.millis += answered.millis
        if answered.state_after in ("learning", "relearning") and answered.due is not None:
            self.learning[answered.card_id] = answered.due

    def undo(self) -> Answered | None:
        """Forget the last answer (the caller undoes it in the database)."""
        if not self.answers:
            return None
        answered = self.answers.pop()
        self.learning.pop(answered.card_id, None)
        self.states[answered.card_id] = answered.state_before
        self.stats.reviewed -= 1
        self.stats.again -= answered.rating == 1
        self.stats.millis -= answered.millis
        return answered

    def drop(self, card_id: int) -> None:
        """A suspended or buried card leaves the session."""
        self.learning.pop(card_id, None)
        if card_id in self.queue:
            self.queue.remove(card_id)

    def remaining(self, current: int | None = None) -> Counts:
        """New / learning / review cards still to show, the current one included."""
        ids = list(self.queue) + [i for i in self.learning if i not in self.queue]
        if current is not None and current not in ids:
            ids.append(current)
        states = [self.states.get(i, "new") for i in ids]
        learning_ids = set(self.learning)
        return Counts(
            new=sum(s == "new" and i not in learning_ids for s, i in zip(states, ids, strict=True)),
            learning=sum(
                s in ("learning", "relearning") or i in learning_ids
                for s, i in zip(states, ids, strict=True)
            ),
            due=sum(
                s == "review" and i not in learning_ids for s, i in zip(states, ids, strict=True)
            ),
        )
