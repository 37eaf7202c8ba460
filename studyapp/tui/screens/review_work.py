"""The review screen's workers, each running one store call off the UI thread and posting one
typed message back (`studyapp.tui.messages`), and its keys that leave the card for the notes,
a demo or the card info, and the end of the session. A mixin of `ReviewScreen`, kept apart so
that the screen module holds the session logic only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.widgets import OptionList, Static

from studyapp.store import card_actions, review
from studyapp.store.card_data import CardData, load_card
from studyapp.store.queue import QueueScope, plan_queue
from studyapp.tui.messages import (
    AnswerRecorded,
    CardLoaded,
    LaunchDemo,
    NextDueLoaded,
    QueueBuilt,
    SourceReimported,
)
from studyapp.tui.review_session import Answered, ReviewSession
from studyapp.tui.widgets.card_links import CardLinks
from studyapp.tui.widgets.card_view import CardView

if TYPE_CHECKING:
    from studyapp.tui.screens.base import StudyScreen

    _Screen = StudyScreen[None]
else:
    _Screen = object


CODE_STEP = 8  # columns a code block scrolls per key


class ReviewWork(_Screen):
    scope: QueueScope
    current: CardData | None

    label: str
    session: ReviewSession
    busy: bool

    if TYPE_CHECKING:

        def current_view(self) -> CardView | None: ...
        def clear_cards(self) -> None: ...
        def action_undo(self) -> None: ...

    @work(thread=True, exclusive=True, exit_on_error=False, group="queue")
    def build_queue(self, merge: bool = False) -> None:
        app = self.study_app
        plan = plan_queue(app.store.sessions, app.now(), app.scheduler_settings, self.scope)
        self.post_message(QueueBuilt(plan, merge))

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
        change = card_actions.answer(
            app.store.sessions,
            card.card_id,
            rating,
            now=app.now(),
            settings=app.scheduler_settings,
            duration_ms=millis,
        )
        state, due = review.state_and_due(app.store.sessions, card.card_id)
        answered = Answered(change.review_id, card.card_id, rating, millis, card.state, state, due)
        self.post_message(AnswerRecorded(answered, change))

    @work(thread=True, exclusive=True, exit_on_error=False, group="answer")
    def reimport(self, card_id: int, path: str) -> None:
        app = self.study_app
        from studyapp.store.library import import_paths

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

    # -- the end of the session -------------------------------------------------------------

    def finish(self) -> None:
        self.busy = False
        self.current = None
        self.clear_cards()
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

    # -- leaving the card -------------------------------------------------------------------

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

    def action_info(self) -> None:
        if self.current is not None:
            self.study_app.open_card_info(self.current.card_id)

    def action_scroll(self, where: str) -> None:
        view = self.current_view()
        if view is not None:
            getattr(view, f"scroll_{where}")(animate=False)

    def action_scroll_code(self, direction: int) -> None:
        view = self.current_view()
        if view is not None:
            view.scroll_code(direction * CODE_STEP)
