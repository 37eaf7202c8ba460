"""The bar under a card in review: "Show answer" on the question side; on the answer side the
four ratings, each labelled with the interval it would give the card."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button

from studyapp.domain.scheduling import RATINGS, format_interval


class AnswerBar(Horizontal):
    """Its buttons post `Button.Pressed` with the ids `show-answer` and `rate-1` … `rate-4`."""

    DEFAULT_CSS = """
    AnswerBar {
        height: 3;
        align: center middle;
        & > Button { margin: 0 1; min-width: 16; }
        & > .rate { display: none; }
        &.-revealed > .rate { display: block; }
        &.-revealed > #show-answer { display: none; }
        /* By id, so the colours hold over the buttons' own hover and press styles. */
        & > #rate-1 { background: $error 70%; }
        & > #rate-2 { background: $warning 60%; }
        & > #rate-3 { background: $success 60%; }
        & > #rate-4 { background: $primary 70%; }
    }
    """

    def compose(self) -> ComposeResult:
        # Nothing takes focus: the answer keys do the work, and a focused button would take
        # space and enter from them.
        show = Button("Show answer  (space)", id="show-answer", variant="primary")
        show.can_focus = False
        yield show
        for rating, name in RATINGS.items():
            button = Button(name, id=f"rate-{rating}", classes="rate")
            button.can_focus = False
            yield button

    def set_revealed(self, revealed: bool) -> None:
        self.set_class(revealed, "-revealed")

    def show_intervals(self, intervals: Mapping[int, dt.timedelta]) -> None:
        """Label each rating with the interval it would give (from `scheduling.preview`)."""
        for rating, name in RATINGS.items():
            label = f"{rating} {name}  {format_interval(intervals[rating])}"
            self.query_one(f"#rate-{rating}", Button).label = label
