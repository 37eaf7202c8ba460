"""Review: one card at a time, answer revealed with space (or enter), rated 1-4 (enter is Good
once revealed), each answer committed before the next card shows.

The answer path is kept short: the next card is loaded and its view mounted (hidden) while the
user reads the current one, so a rating costs one small transaction and a view swap. Everything
else (related notes, counts, the next prefetch) happens after the swap.

Answers, suspend, bury and flags go on the app's one undo stack (`u`, `ctrl+z`). The answer
time stops while the notes, a demo, the card info or the editor cover the card, and is capped
(`SchedulerSettings.answer_time_cap_seconds`). When the deck files change under the session
(the app's watcher), the card on screen stays as it is until it is answered.

The workers and the keys that leave the card are `review_work`, the rating buttons
`widgets.answer_bar`, the side panel `widgets.card_links`; this module holds the session.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from statistics import median
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import Button, Footer, Header, Static
from textual.widgets.option_list import Option

from studyapp.domain.scheduling import capped_answer_millis, preview
from studyapp.store import card_actions
from studyapp.store.card_actions import CardChange
from studyapp.store.card_data import CardData
from studyapp.store.queue import QueueScope
from studyapp.text.formatting import shorten
from studyapp.tui.messages import (
    AnswerRecorded,
    CardLoaded,
    LibraryChanged,
    QueueBuilt,
    SourceReimported,
)
from studyapp.tui.review_session import AnswerClock, Answered, ReviewSession
from studyapp.tui.screens.base import StudyScreen
from studyapp.tui.screens.review_work import ReviewWork
from studyapp.tui.source_editor import edit_card_source
from studyapp.tui.widgets.answer_bar import AnswerBar
from studyapp.tui.widgets.card_links import CardLinks
from studyapp.tui.widgets.card_view import CardView

FLAG_CYCLE = 5  # no flag, red, orange, green, blue


class ReviewScreen(ReviewWork, StudyScreen[None]):
    CSS_PATH = "review.tcss"
    SUB_TITLE = "Review"
    SIDE_PANEL = "#review-side"
    # Nothing takes focus: a focus change re-renders the footer, which the answer path can't
    # afford. The card scrolls with the screen's own keys (and the mouse wheel).
    AUTO_FOCUS = ""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "reveal", "Show answer"),
        # Anki's habits, as aliases: enter reveals, then answers Good.
        Binding("enter", "reveal_or_good", "Show answer, then Good", show=False),
        Binding("1", "rate(1)", "Again", show=False),
        Binding("2", "rate(2)", "Hard", show=False),
        Binding("3", "rate(3)", "Good", show=False),
        Binding("4", "rate(4)", "Easy", show=False),
        Binding("u", "undo", "Undo"),
        Binding("ctrl+z", "undo", "Undo", show=False),
        Binding("s", "set_aside('suspend')", "Suspend"),
        Binding("at", "set_aside('suspend')", "Suspend", show=False, key_display="@"),
        Binding("b", "set_aside('bury')", "Bury"),
        Binding("minus", "set_aside('bury')", "Bury", show=False, key_display="-"),
        Binding("f", "flag", "Flag"),
        Binding("ctrl+1", "flag(1)", "Flag red", show=False),
        Binding("ctrl+2", "flag(2)", "Flag orange", show=False),
        Binding("ctrl+3", "flag(3)", "Flag green", show=False),
        Binding("ctrl+4", "flag(4)", "Flag blue", show=False),
        Binding("i", "info", "Card info", show=False),
        Binding("e", "edit", "Edit"),
        Binding("n", "notes", "Notes"),
        Binding("d", "demo", "Demo"),
        Binding("p", "toggle_panel", "Side panel", show=False),
        Binding("escape", "leave", "Home"),
        Binding("up", "scroll('up')", "Scroll up", show=False),
        Binding("down", "scroll('down')", "Scroll down", show=False),
        Binding("left", "scroll_code(-1)", "Code left", show=False),
        Binding("right", "scroll_code(1)", "Code right", show=False),
        Binding("pageup", "scroll('page_up')", "Page up", show=False),
        Binding("pagedown", "scroll('page_down')", "Page down", show=False),
        Binding("home", "scroll('home')", "Top", show=False),
        Binding("end", "scroll('end')", "Bottom", show=False),
    ]

    def __init__(self, scope: QueueScope, label: str = "All decks") -> None:
        super().__init__()
        self.scope = scope
        self.label = label
        self.session = ReviewSession(scope)
        self.current: CardData | None = None
        self.prepared: CardView | None = None
        self.busy = False
        self.clock = AnswerClock()
        self.clock_goes_on: int | None = None
        """The card whose answer clock survives its next showing: the one edited, shown again
        from its re-imported file."""
        self.waiting: Timer | None = None
        self._key_time: float | None = None
        self.latencies_ms: list[float] = []
        """Rating key to next question on screen, per answer (the answer path's budget)."""

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="review-top"):
            # The deck and chapter titles come from the user's files: text, never markup.
            yield Static(Text(self.label), id="review-scope")
            yield Static("", id="review-counts")
        with Horizontal(id="review-body"):
            yield Vertical(Static("Loading today's queue…", id="review-empty"), id="card-stack")
            yield CardLinks(id="review-side")
        yield AnswerBar(id="answer-bar")
        yield Footer()

    def on_mount(self) -> None:
        self.fold_panel()
        self.build_queue()

    def on_screen_suspend(self) -> None:
        self.clock.pause(self.study_app.now())  # notes, a demo or the card info cover it

    def on_screen_resume(self) -> None:
        self.clock.resume(self.study_app.now())

    # -- showing cards ----------------------------------------------------------------------

    def on_queue_built(self, message: QueueBuilt) -> None:
        if message.merge:
            current = self.current.card_id if self.current is not None else None
            self.session.merge(message.plan, current)
            self.update_counts()
            if self.current is None and not self.busy:
                self.advance(refilled=True)
            return
        self.session.load(message.plan)
        self.advance(refilled=True)

    def advance(self, refilled: bool = False) -> None:
        """Show the next card of the session: the prepared view if it is the one, else load."""
        self.stop_waiting()
        card_id = self.session.pop(self.study_app.now())
        if card_id is None:
            self.current = None
            if not refilled and self.scope.mode == "due":
                # The session's queue is used up; ask the database once more (a card that
                # came due, a new study day) before ending the session. A custom study
                # would only draw the same cards again.
                self.build_queue()
            elif (due := self.session.waiting_until()) is not None:
                self.wait_for(due)
            else:
                self.finish()
            return
        prepared = self.prepared
        if prepared is not None and prepared.card.card_id == card_id:
            self.prepared = None
            self.show(prepared.card, prepared)
        else:
            self.load(card_id)

    def wait_for(self, due: dt.datetime) -> None:
        """Only the card just answered is left, and it is not due yet: wait for it."""
        self.clear_cards()
        left = max(0, round((due - self.study_app.now()).total_seconds()))
        text = Text.assemble(
            ("Next card in ", "bold"),
            (f"{left // 60}:{left % 60:02d}", "bold"),
            "\nA learning card is due then, as its button said: it is not shown before.",
            "\nesc: Home",
        )
        self.query_one("#card-stack").mount(Static(text, id="review-waiting"))
        self.query_one(AnswerBar).set_revealed(False)
        self.update_counts()
        self.waiting = self.set_interval(1.0, self.check_waiting)

    def check_waiting(self) -> None:
        due = self.session.waiting_until()
        if due is None or due <= self.study_app.now():
            self.advance(refilled=True)

    def stop_waiting(self) -> None:
        if self.waiting is not None:
            self.waiting.stop()
            self.waiting = None
        for waiting in self.query("#review-waiting"):
            waiting.remove()

    def clear_cards(self) -> None:
        for view in self.query(CardView):
            view.remove()
        self.prepared = None
        for empty in self.query("#review-empty"):
            empty.remove()

    def on_card_loaded(self, message: CardLoaded) -> None:
        card = message.card
        if message.prefetch:
            if card is None or self.current is None:
                return
            expected = self.session.peek(self.study_app.now(), avoid=self.current.card_id)
            if card.card_id == expected:
                self.prepare(card)
            return
        if card is None or card.retired or card.suspended:
            self.session.drop(message.card_id)
            self.advance()
            return
        self.session.take(card.card_id)
        self.show(card)

    def prepare(self, card: CardData) -> None:
        """Mount the next card's view, hidden, so that answering only swaps views."""
        if self.prepared is not None:
            self.prepared.remove()
        self.prepared = CardView(card, classes="-prepared")
        self.query_one("#card-stack").mount(self.prepared)

    def show(self, card: CardData, view: CardView | None = None) -> None:
        """Put the card on screen; everything not needed to read the question waits a frame."""
        self.stop_waiting()
        stack = self.query_one("#card-stack")
        if view is None:
            view = CardView(card)
            stack.mount(view)
        view.remove_class("-prepared")
        for child in list(stack.children):
            if child is not view and child is not self.prepared:
                child.remove()
        self.current = card
        if self.clock_goes_on != card.card_id:
            self.clock.start(self.study_app.now())
        self.clock_goes_on = None
        self.set_revealed(False)
        self.busy = False
        started, self._key_time = self._key_time, None
        self.call_after_refresh(self.after_show, card, started)

    def after_show(self, card: CardData, started: float | None) -> None:
        if started is not None:
            self.latencies_ms.append((time.perf_counter() - started) * 1000)
        if self.current is not card:
            return
        self.update_rating_buttons(card)
        self.update_counts()
        self.update_side(card)
        following = self.session.peek(self.study_app.now(), avoid=card.card_id)
        if (
            following is not None
            and following != card.card_id
            and (self.prepared is None or self.prepared.card.card_id != following)
        ):
            self.prefetch(following)

    @property
    def median_latency_ms(self) -> float | None:
        return median(self.latencies_ms) if self.latencies_ms else None

    def current_view(self) -> CardView | None:
        for view in self.query_one("#card-stack").query(CardView):
            if view is not self.prepared:
                return view
        return None

    def set_revealed(self, revealed: bool) -> None:
        self.query_one(AnswerBar).set_revealed(revealed)
        view = self.current_view()
        if view is not None and revealed:
            view.reveal()

    def update_rating_buttons(self, card: CardData) -> None:
        app = self.study_app
        intervals = preview(card.card_id, card.memory, app.now(), app.scheduler_settings)
        self.query_one(AnswerBar).show_intervals(intervals)

    def update_counts(self) -> None:
        current = self.current.card_id if self.current is not None else None
        counts = self.session.remaining(current)
        text = f"New {counts.new}   Learning {counts.learning}   Due {counts.due}"
        if not self.scope.writes_schedule:
            text = f"Cramming: nothing is rescheduled   {text}"
        self.query_one("#review-counts", Static).update(text)

    def update_side(self, card: CardData) -> None:
        related = [
            Option(
                Text.assemble(hit.title, "\n", (f"  {shorten(hit.deck, 28)}", "dim")),
                id=str(hit.section_id),
            )
            for hit in card.related
        ]
        self.query_one(CardLinks).show(card.card_id, related, card.demos)

    # -- answers ----------------------------------------------------------------------------

    def action_reveal(self) -> None:
        if self.waiting is not None:
            self.check_waiting()
        elif self.current is not None and not self.busy:
            self.set_revealed(True)

    def action_reveal_or_good(self) -> None:
        view = self.current_view()
        if view is not None and view.revealed:
            self.action_rate(3)
        else:
            self.action_reveal()

    def action_rate(self, rating: int) -> None:
        view = self.current_view()
        card = self.current
        if card is None or view is None or self.busy:
            return
        if not view.revealed:
            self.notify("Show the answer first (space).", timeout=2)
            return
        self.busy = True
        self._key_time = time.perf_counter()
        now = self.study_app.now()
        millis = capped_answer_millis(self.clock.elapsed(now), self.study_app.scheduler_settings)
        if self.scope.writes_schedule:
            self.record_answer(card, rating, millis)
        else:
            answered = Answered(None, card.card_id, rating, millis, card.state, card.state, None)
            self.post_message(AnswerRecorded(answered, None))

    def on_answer_recorded(self, message: AnswerRecorded) -> None:
        if message.change is None:
            self.session.record_cram(message.answered)
        else:
            self.session.record(message.answered)
            self.study_app.undo.push(message.change)
            for sibling in message.change.buried_siblings:
                self.session.drop(sibling)
        self.advance()

    def after_undo(self, change: CardChange) -> None:
        if change.review_id is not None:
            self.session.forget(change.review_id)
        card_id = change.card_ids[0]
        if change.label in ("flag", "unflag"):
            self.show_flag(card_id, change.before[0].flag)
            return
        if self.current is not None and self.current.card_id != card_id:
            self.session.put_back(self.current.card_id)
        self.busy = True
        self.load(card_id)

    # -- set-asides and flags ---------------------------------------------------------------

    def action_set_aside(self, action: str) -> None:
        card = self.current
        if card is None or self.busy:
            return
        self.busy = True
        app = self.study_app
        sessions, ids = app.store.sessions, [card.card_id]
        if action == "suspend":
            self.change_cards(lambda: card_actions.suspend(sessions, ids))
        else:
            now, settings = app.now(), app.scheduler_settings
            self.change_cards(lambda: card_actions.bury(sessions, ids, now, settings))

    def action_flag(self, flag: int | None = None) -> None:
        card = self.current
        if card is None:
            return
        if flag is None:
            flag = (card.flag + 1) % FLAG_CYCLE
        elif flag == card.flag:
            flag = 0  # the same colour again takes the flag off, as in Anki
        sessions, ids = self.study_app.store.sessions, [card.card_id]
        self.change_cards(lambda: card_actions.set_flag(sessions, ids, flag))

    def after_change(self, change: CardChange) -> None:
        if change.flag is not None:
            self.show_flag(change.card_ids[0], change.flag)
            return
        for card_id in change.card_ids:
            self.session.drop(card_id)
        self.advance()

    def show_flag(self, card_id: int, flag: int) -> None:
        if self.current is None or self.current.card_id != card_id:
            return
        self.current = dataclasses.replace(self.current, flag=flag)
        view = self.current_view()
        if view is not None:
            view.card = self.current
            view.show_flag(flag)

    # -- leaving the card: editor, notes, demo, info ----------------------------------------

    def action_edit(self) -> None:
        card = self.current
        if card is None or self.busy:
            return
        app = self.study_app
        self.clock.pause(app.now())
        edited = edit_card_source(app, card)
        self.clock.resume(app.now())
        if edited:
            self.busy = True
            self.clock_goes_on = card.card_id
            self.reimport(card.card_id, card.source_file)

    def on_source_reimported(self, message: SourceReimported) -> None:
        problems = [m for r in message.reports for m in r.messages if r.status == "failed"]
        for problem in problems:  # they quote the file and its text: never markup
            self.notify(problem, severity="error", markup=False)
        # The file's other cards may have changed too: drop the prepared view.
        if self.prepared is not None:
            self.prepared.remove()
            self.prepared = None
        self.load(message.card_id)

    def on_library_changed(self, message: LibraryChanged) -> None:
        """Deck files changed and were imported again: the queue takes in new cards and the
        prepared view (maybe stale) goes; the card on screen is never swapped mid-answer,
        the next one is read fresh from the database."""
        if self.prepared is not None:
            self.prepared.remove()
            self.prepared = None
        self.build_queue(merge=True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "show-answer":
            self.action_reveal()
        elif event.button.id and event.button.id.startswith("rate-"):
            self.action_rate(int(event.button.id.removeprefix("rate-")))

    def action_leave(self) -> None:
        self.app.pop_screen()
