"""The order of one review session, kept in memory between answers (no Textual import).

`studyapp.store.queue.plan_queue` gives today's queue once; while the user answers, cards
answered into a learning step come back when due. Deciding the next card is pure bookkeeping
here, so the review screen can prefetch it and the answer key only commits and swaps the view.

Two rules learners expect: the card just answered never shows again while any other card is
available, and a learning card is never shown before it is due (its button said "1m", not
"in three seconds"): when nothing else is left, the session waits for it. Learning cards due
within the learn-ahead window are counted from the start, as Home counts them.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, deque
from dataclasses import dataclass, field
from itertools import repeat

from studyapp.store.overview import Counts
from studyapp.store.queue import QueuePlan, QueueScope


@dataclass(frozen=True, slots=True)
class Answered:
    """One answer of this session, enough to correct the statistics when it is undone."""

    log_id: int | None
    """The review-log row; None for a cram answer, which is never stored."""
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
class AnswerClock:
    """How long the card has been on screen, not counting the time spent in the notes, a demo
    or the editor (the screen pauses the clock while it is covered)."""

    shown_at: dt.datetime | None = None
    paused_at: dt.datetime | None = None
    paused: dt.timedelta = field(default_factory=dt.timedelta)

    def start(self, now: dt.datetime) -> None:
        self.shown_at, self.paused_at, self.paused = now, None, dt.timedelta()

    def pause(self, now: dt.datetime) -> None:
        if self.shown_at is not None and self.paused_at is None:
            self.paused_at = now

    def resume(self, now: dt.datetime) -> None:
        if self.paused_at is not None:
            self.paused += max(dt.timedelta(), now - self.paused_at)
            self.paused_at = None

    def elapsed(self, now: dt.datetime) -> dt.timedelta:
        if self.shown_at is None:
            return dt.timedelta()
        end = self.paused_at or now
        return max(dt.timedelta(), end - self.shown_at - self.paused)


@dataclass(slots=True)
class ReviewSession:
    scope: QueueScope = field(default_factory=QueueScope)
    queue: deque[int] = field(default_factory=deque)
    states: dict[int, str] = field(default_factory=dict)
    learning: dict[int, dt.datetime] = field(default_factory=dict)
    answers: list[Answered] = field(default_factory=list)
    stats: SessionStats = field(default_factory=SessionStats)
    last: int | None = None
    """The card shown last: it does not come again while another one can."""

    def load(self, plan: QueuePlan) -> None:
        """Today's queue from the database; learning cards due soon wait beside it."""
        self.queue = deque(plan.ids)
        self.states.update(plan.states)
        for card_id in self.queue:
            self.learning.pop(card_id, None)
        self.learning.update(plan.learning_ahead)

    def merge(self, plan: QueuePlan, current: int | None) -> None:
        """A fresh queue after the deck files changed: cards that are new to the session join
        the end; cards gone from the database leave (the card on screen stays)."""
        known = set(plan.ids) | set(plan.learning_ahead)
        for card_id in list(self.queue):
            if card_id not in known and card_id != current:
                self.queue.remove(card_id)
        seen = set(self.queue) | set(self.learning) | {a.card_id for a in self.answers}
        self.queue.extend(i for i in plan.ids if i not in seen and i != current)
        for card_id, due in plan.learning_ahead.items():
            self.learning.setdefault(card_id, due)
        self.states.update(plan.states)

    def peek(self, now: dt.datetime, avoid: int | None = None) -> int | None:
        """The card to show next, without taking it: a learning card that is due, else the
        next of the queue; `avoid` (the card shown last, or the one on screen when
        prefetching) only when nothing else is left and it is due."""
        due_learning = sorted((due, card_id) for card_id, due in self.learning.items())
        for due, card_id in due_learning:
            if due <= now and card_id != avoid:
                return card_id
        for card_id in self.queue:
            if card_id != avoid:
                return card_id
        if avoid is not None and (
            avoid in self.queue or (avoid in self.learning and self.learning[avoid] <= now)
        ):
            return avoid
        return None

    def pop(self, now: dt.datetime) -> int | None:
        card_id = self.peek(now, self.last)
        if card_id is not None:
            self.take(card_id)
        return card_id

    def take(self, card_id: int) -> None:
        """`card_id` is on screen now: out of the queue and the learning list."""
        self.learning.pop(card_id, None)
        if card_id in self.queue:
            self.queue.remove(card_id)
        self.last = card_id

    def waiting_until(self) -> dt.datetime | None:
        """When the next learning card comes due, if that is all there is left."""
        if self.queue or not self.learning:
            return None
        return min(self.learning.values())

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

    def record_cram(self, answered: Answered) -> None:
        """A cram answer: counted, never stored; an Again comes back at the end."""
        self.record(answered)
        if answered.rating == 1:
            self.queue.append(answered.card_id)

    def forget(self, log_id: int) -> Answered | None:
        """An answer undone in the database: out of the statistics, its card back to how it
        was (the caller shows it again)."""
        for index in range(len(self.answers) - 1, -1, -1):
            answered = self.answers[index]
            if answered.log_id == log_id:
                del self.answers[index]
                self.learning.pop(answered.card_id, None)
                self.states[answered.card_id] = answered.state_before
                self.stats.reviewed -= 1
                self.stats.again -= answered.rating == 1
                self.stats.millis -= answered.millis
                return answered
        return None

    def drop(self, card_id: int) -> None:
        """A suspended or buried card leaves the session."""
        self.learning.pop(card_id, None)
        if card_id in self.queue:
            self.queue.remove(card_id)

    def remaining(self, current: int | None = None) -> Counts:
        """New / learning / review cards still to show, the current one included.

        A learning card counts as learning whatever its state; every other card by its state.
        The screen asks after every answer, with tens of thousands of cards queued on a big
        day, so the queue is counted in one C-level pass and only the few learning cards are
        looked at one by one."""
        by_state = Counter(map(self.states.get, self.queue, repeat("new")))
        learning = len(self.learning)
        queued = set(self.queue)
        for card_id in self.learning:
            if card_id in queued:
                # Counted under its state above, once per place in the queue: as learning.
                times = self.queue.count(card_id)
                by_state[self.states.get(card_id, "new")] -= times
                learning += times - 1
        if current is not None and current not in queued and current not in self.learning:
            by_state[self.states.get(current, "new")] += 1
        return Counts(
            new=by_state["new"],
            learning=learning + by_state["learning"] + by_state["relearning"],
            due=by_state["review"],
        )
