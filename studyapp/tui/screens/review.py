"""Review: one card at a time, answer revealed with space, rated 1-4, each answer committed
before the next card shows.

The answer path is kept short: the next card is loaded and its view mounted (hidden) while the
user reads the current one, so a rating costs one small transaction and a view swap. Everything
else (related notes, counts, the next prefetch) happens after the swap.

The rating buttons are `widgets.answer_bar`, the side panel `widgets.card_links`, and running
the editor on a card's source `tui.source_editor`; this module holds the session.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from statistics import median
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Footer, Header, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from studyapp.domain.scheduling import RATINGS, preview
from studyapp.store import review
from studyapp.store.card_data import CardData, load_card
from studyapp.store.library import import_paths
from studyapp.store.review import QueueScope
from studyapp.text.formatting import shorten
from studyapp.tui.messages import (
    AnswerRecorded,
    AnswerUndone,
    CardLoaded,
    CardSetAside,
    FlagChanged,
    LaunchDemo,
    NextDueLoaded,
    QueueBuilt,
    SourceReimported,
)
from studyapp.tui.review_session import Answered, ReviewSession
from studyapp.tui.screens.base import StudyScreen
from studyapp.tui.source_editor import edit_card_source
from studyapp.tui.widgets.answer_bar import AnswerBar
from studyapp.tui.widgets.card_links import CardLinks
from studyapp.tui.widgets.card_view import CardView

FLAG_CYCLE = 5  # no flag, red, orange, green, blue


class ReviewScreen(StudyScreen[None]):
    CSS_PATH = "review.tcss"
    SUB_TITLE = "Review"
    # Nothing takes focus: a focus change re-renders the footer, which the answer path can't
    # afford. The card scrolls with the screen's own keys (and the mouse wheel).
    AUTO_FOCUS = ""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "reveal", "Show answer"),
        Binding("1", "rate(1)", "Again", show=False),
        Binding("2", "rate(2)", "Hard", show=False),
        Binding("3", "rate(3)", "Good", show=False),
        Binding("4", "rate(4)", "Easy", show=False),
        Binding("u", "undo", "Undo"),
        Binding("s", "set_aside('suspended')", "Suspend"),
        Binding("b", "set_aside('buried')", "Bury"),
        Binding("f", "flag", "Flag"),
        Binding("e", "edit", "Edit"),
        Binding("n", "notes", "Notes"),
        Binding("d", "demo", "Demo"),
        Binding("escape", "leave", "Home"),
        Binding("up", "scroll('up')", "Scroll up", show=False),
        Binding("down", "scroll('down')", "Scroll down", show=False),
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
        self.shown_at: dt.datetime | None = None
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
        self.build_queue()

    # -- workers: each posts one typed message back ------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="queue")
    def build_queue(self) -> None:
        app = self.study_app
        ids = review.build_queue(app.store.sessions, app.now(), app.scheduler_settings, self.scope)
        states = review.card_states(app.store.sessions, ids)
        self.post_message(QueueBuilt([(i, states[i]) for i in ids]))

    @work(thread=True, exclusive=True, exit_on_error=False, group="load")
    def load(self, card_id: int) -> None:
        card = load_card(self.study_app.store.sessions, card_id)
        self.post_message(CardLoaded(card, card_id))

    @work(thread=True, exclusive=True, exit_on_error=False, group="prefetch")
    def prefetch(self, card_id: int) -> None:
        card = load_card(self.study_app.store.sessions, card_id)
        self.post_message(CardLoaded(card, card_id, prefetch=True))

    @work(thread=True, exclusive=True, exit_on_error=False, group="answer")
    def record_answer(self, card: CardData, rating: int, millis: int) -> None:
        app = self.study_app
        log_id = review.answer(
            app.store.sessions, card.card_id, rating, app.now(), app.scheduler_settings, millis
        )
        state, due = review.state_and_due(app.store.sessions, card.card_id)
        answered = Answered(log_id, card.card_id, rating, millis, card.state, state, due)
        self.post_message(AnswerRecorded(answered))

    @work(thread=True, exclusive=True, exit_on_error=False, group="answer")
    def undo_answer(self, answered: Answered) -> None:
        review.undo(self.study_app.store.sessions, answered.log_id)
        self.post_message(AnswerUndone(answered))

    @work(thread=True, exclusive=True, exit_on_error=False, group="answer")
    def set_aside(self, card_id: int, action: str) -> None:
        app = self.study_app
        until = None
        if action == "suspended":
            review.set_suspended(app.store.sessions, card_id, True)
        else:
            until = review.bury(app.store.sessions, card_id, app.now(), app.scheduler_settings)
        self.post_message(CardSetAside(card_id, action, until))

    @work(thread=True, exclusive=True, exit_on_error=False, group="flag")
    def store_flag(self, card_id: int, flag: int) -> None:
        review.set_flag(self.study_app.store.sessions, card_id, flag)
        self.post_message(FlagChanged(card_id, flag))

    @work(thread=True, exclusive=True, exit_on_error=False, group="answer")
    def reimport(self, card_id: int, path: str) -> None:
        app = self.study_app
        reports = import_paths(app.store.sessions, [path], app.now(), app.match_demos)
        self.post_message(SourceReimported(card_id, reports))

    @work(thread=True, exclusive=True, exit_on_error=False, group="summary")
    def load_next_due(self) -> None:
        app = self.study_app
        now = app.now()
        candidates = [
            review.next_due(app.store.sessions, now),
            review.next_learning_due(app.store.sessions, now, self.scope),
        ]
        self.post_message(NextDueLoaded(min((c for c in candidates if c), default=None)))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.busy = False  # the key that started it may be pressed again
        super().on_worker_state_changed(event)

    # -- showing cards ----------------------------------------------------------------------

    def on_queue_built(self, message: QueueBuilt) -> None:
        self.session.load(message.cards)
        self.advance(refilled=True)

    def advance(self, refilled: bool = False) -> None:
        """Show the next card of the session: the prepared view if it is the one, else load."""
        card_id = self.session.pop(self.study_app.now())
        if card_id is None:
            if refilled:
                self.finish()
            else:
                # The session's queue is used up; ask the database once more (a card that
                # came due, a new study day) before ending the session.
                self.current = None
                self.build_queue()
            return
        prepared = self.prepared
        if prepared is not None and prepared.card.card_id == card_id:
            self.prepared = None
            self.show(prepared.card, prepared)
        else:
            self.load(card_id)

    def on_card_loaded(self, message: CardLoaded) -> None:
        card = message.card
        if message.prefetch:
            if card is None or self.current is None:
                return
            expected = self.session.peek(self.study_app.now(), exclude=self.current.card_id)
            if card.card_id == expected:
                self.prepare(card)
            return
        if card is None or card.retired or card.suspended:
            self.session.drop(message.card_id)
            self.advance()
            return
        self.show(card)

    def prepare(self, card: CardData) -> None:
        """Mount the next card's view, hidden, so that answering only swaps views."""
        if self.prepared is not None:
            self.prepared.remove()
        self.prepared = CardView(card, classes="-prepared")
        self.query_one("#card-stack").mount(self.prepared)

    def show(self, card: CardData, view: CardView | None = None) -> None:
        """Put the card on screen; everything not needed to read the question waits a frame."""
        stack = self.query_one("#card-stack")
        if view is None:
            view = CardView(card)
            stack.mount(view)
        view.remove_class("-prepared")
        for child in list(stack.children):
            if child is not view and child is not self.prepared:
                child.remove()
        self.current = card
        self.shown_at = self.study_app.now()
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
        following = self.session.peek(self.study_app.now(), exclude=card.card_id)
        if following is not None and (
            self.prepared is None or self.prepared.card.card_id != following
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

    # -- the end of the session -------------------------------------------------------------

    def finish(self) -> None:
        self.busy = False
        self.current = None
        for view in self.query(CardView):
            view.remove()
        self.prepared = None
        self.query_one("#review-counts", Static).update("")
        self.load_next_due()

    def on_next_due_loaded(self, message: NextDueLoaded) -> None:
        from studyapp.tui.screens.summary import SummaryScreen

        self.app.push_screen(
            SummaryScreen(self.session.stats, message.next_due, self.label), self.after_summary
        )

    def after_summary(self, result: str | None) -> None:
        if result == "undo":
            self.action_undo()
        else:
            self.app.pop_screen()

    # -- actions ----------------------------------------------------------------------------

    def action_reveal(self) -> None:
        if self.current is not None and not self.busy:
            self.set_revealed(True)

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
        shown = self.shown_at or self.study_app.now()
        millis = int((self.study_app.now() - shown).total_seconds() * 1000)
        self.record_answer(card, rating, millis)

    def on_answer_recorded(self, message: AnswerRecorded) -> None:
        self.session.record(message.answered)
        self.advance()

    def action_undo(self) -> None:
        if self.busy:
            return
        answered = self.session.undo()
        if answered is None:
            self.notify("Nothing to undo.", timeout=2)
            return
        self.busy = True
        self.undo_answer(answered)

    def on_answer_undone(self, message: AnswerUndone) -> None:
        if self.current is not None:
            self.session.put_back(self.current.card_id)
        self.notify(f"Undid {RATINGS[message.answered.rating]}.", timeout=2)
        self.load(message.answered.card_id)

    def action_set_aside(self, action: str) -> None:
        if self.current is not None and not self.busy:
            self.busy = True
            self.set_aside(self.current.card_id, action)

    def on_card_set_aside(self, message: CardSetAside) -> None:
        self.session.drop(message.card_id)
        self.notify(f"Card {message.action}.", timeout=2)
        self.advance()

    def action_flag(self) -> None:
        if self.current is not None:
            self.store_flag(self.current.card_id, (self.current.flag + 1) % FLAG_CYCLE)

    def on_flag_changed(self, message: FlagChanged) -> None:
        if self.current is not None and self.current.card_id == message.card_id:
            self.current = dataclasses.replace(self.current, flag=message.flag)
            view = self.current_view()
            if view is not None:
                view.card = self.current
                view.show_flag(message.flag)

    def action_edit(self) -> None:
        card = self.current
        if card is None or self.busy:
            return
        if edit_card_source(self.study_app, card):
            self.busy = True
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

    def action_notes(self) -> None:
        card = self.current
        if card is None:
            return
        if card.notes_section_id is None:
            self.notify("No notes section for this card.", timeout=3)
            return
        self.study_app.open_notes(card.notes_section_id)

    @on(OptionList.OptionSelected, "#related")
    def open_related(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.study_app.open_notes(int(event.option.id))

    def action_demo(self) -> None:
        card = self.current
        if card is None:
            return
        if not card.demos:
            self.notify("No demo is linked to this card.", timeout=3)
            return
        demo = self.query_one(CardLinks).highlighted_demo(card.demos)
        self.post_message(LaunchDemo(card.card_id, demo))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "show-answer":
            self.action_reveal()
        elif event.button.id and event.button.id.startswith("rate-"):
            self.action_rate(int(event.button.id.removeprefix("rate-")))

    def action_scroll(self, where: str) -> None:
        view = self.current_view()
        if view is not None:
            getattr(view, f"scroll_{where}")(animate=False)

    def action_leave(self) -> None:
        self.app.pop_screen()
