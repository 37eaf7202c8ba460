"""Pilot tests of the browser's keys on a selection of rows: the four flags (`ctrl+1` …
`ctrl+4`, the same again clears), a new due date (`D`) and reset to new (`N`), each one
change on the app's one undo stack, named in its toast and in the toast of its undo, which
Home's `u` takes back as well as the browser's; `esc` first clears the selection."""

from __future__ import annotations

import datetime as dt

from textual.widgets import DataTable, Static

from studyapp.domain.scheduling import SchedulerSettings
from studyapp.store import card_actions
from studyapp.store.opening import Store
from studyapp.tui.app import StudyApp
from studyapp.tui.screens.browser import BrowserScreen
from studyapp.tui.screens.due_date import DueDateScreen
from studyapp.tui.screens.home import HomeScreen
from tests.tui.conftest import START, card_id, press, running
from tests.tui.test_review import GENERATIVE, LATENT, MLE, card, log_rows

FLAGS = {1: "red", 2: "orange", 3: "green", 4: "blue"}


def toasts(app: StudyApp) -> list[str]:
    return [notification.message for notification in app._notifications]


def column(screen: BrowserScreen, key: str) -> list[str]:
    table = screen.query_one("#results", DataTable)
    return [str(table.get_cell(row.key, key)) for row in table.ordered_rows]


async def test_flags_due_date_and_reset_on_a_selection_each_undone_by_name(
    app: StudyApp, study_store: Store
) -> None:
    chosen = [card_id(study_store, q) for q in (MLE, GENERATIVE, LATENT)]
    settings = SchedulerSettings(timezone="UTC", fuzz=False)
    for one in chosen:  # studied two days ago: in review, due on Mar 8
        card_actions.answer(
            study_store.sessions, one, 4, now=START - dt.timedelta(days=2), settings=settings
        )
    studied = {one: (card(study_store, one).state, card(study_store, one).due) for one in chosen}
    assert {state for state, _ in studied.values()} == {"review"}
    async with running(app) as pilot:
        await press(pilot, "b")
        screen = app.screen
        assert isinstance(screen, BrowserScreen)
        await press(pilot, "ctrl+t", "space", "space", "space")
        assert screen.selected == set(chosen)
        assert "3 selected" in str(screen.query_one("#result-count", Static).render())

        for number, colour in FLAGS.items():
            await press(pilot, f"ctrl+{number}")
            assert [card(study_store, one).flag for one in chosen] == [number] * 3
            assert column(screen, "flag")[:3] == [colour] * 3
            assert toasts(app)[-1] == "Flagged (3 cards)."
        await press(pilot, "ctrl+4")  # all blue: the same flag again clears it
        assert [card(study_store, one).flag for one in chosen] == [0, 0, 0]
        assert toasts(app)[-1] == "Flag cleared (3 cards)."
        await press(pilot, "u")  # takes back the clearing: blue again
        assert toasts(app)[-1] == "Undid unflag (3 cards)."
        assert [card(study_store, one).flag for one in chosen] == [4, 4, 4]

        await press(pilot, "D")
        assert isinstance(app.screen, DueDateScreen)
        await press(pilot, *"+3", "enter")
        assert app.screen is screen and toasts(app)[-1] == "Rescheduled (3 cards)."
        due = dt.datetime(2026, 3, 5, 4, tzinfo=dt.UTC)  # in three study days, at 04:00
        assert [card(study_store, one).due for one in chosen] == [due] * 3

        await press(pilot, "N")
        assert toasts(app)[-1] == "Reset to new (3 cards)."
        assert [card(study_store, one).state for one in chosen] == ["new"] * 3
        assert column(screen, "state")[:3] == ["new"] * 3
        await press(pilot, "ctrl+z")
        assert toasts(app)[-1] == "Undid reset (3 cards)."
        assert [(card(study_store, one).state, card(study_store, one).due) for one in chosen] == [
            ("review", due)
        ] * 3

        await press(pilot, "escape")  # first the selection goes
        assert app.screen is screen and not screen.selected
        await press(pilot, "escape")  # the stack is the app's: Home takes back the due date
        assert isinstance(app.screen, HomeScreen)
        await press(pilot, "u")
        assert toasts(app)[-1] == "Undid reschedule (3 cards)."
        assert {
            one: (card(study_store, one).state, card(study_store, one).due) for one in chosen
        } == (studied)
    assert len(log_rows(study_store)) == 3  # the three answers; the keys logged nothing
