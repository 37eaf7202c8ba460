"""Pilot tests of the one undo stack and Anki's keys in review: every set-aside reversible
with `u` or `ctrl+z` and a toast naming it, `enter` reveals then answers Good, `-` buries,
`@` suspends, `i` opens the card info."""

from __future__ import annotations

from textual.widgets import DataTable, Static

from studyapp.store.opening import Store
from studyapp.tui.app import StudyApp
from studyapp.tui.screens.card_info import CardInfoScreen
from studyapp.tui.screens.review import ReviewScreen
from tests.tui.conftest import START, card_id, press, running, settle
from tests.tui.test_review import (
    GENERATIVE,
    LATENT,
    MLE,
    answer,
    card,
    log_rows,
    shown,
    start_review,
)


def toasts(app: StudyApp) -> list[str]:
    return [notification.message for notification in app._notifications]


async def test_suspend_then_u_leaves_the_card_active(app: StudyApp, study_store: Store) -> None:
    first = card_id(study_store, MLE)
    async with running(app) as pilot:
        await start_review(pilot)
        await press(pilot, "s")
        assert card(study_store, first).suspended
        assert shown(app) == card_id(study_store, GENERATIVE)
        await press(pilot, "u")
        assert "Undid suspend." in toasts(app)
        assert shown(app) == first
        assert not card(study_store, first).suspended
        await answer(pilot, 4)  # and it is studied like any other card
    assert [row.card_id for row in log_rows(study_store)] == [first]


async def test_one_stack_takes_back_flag_bury_and_answer_newest_first(
    app: StudyApp, study_store: Store
) -> None:
    first, second, third = (card_id(study_store, q) for q in (MLE, GENERATIVE, LATENT))
    async with running(app) as pilot:
        await start_review(pilot)
        await answer(pilot, 3)  # Good on the first
        await pilot.press("minus")  # `-` buries the second
        await settle(pilot)
        assert card(study_store, second).buried_until is not None
        assert shown(app) == third
        await pilot.press("ctrl+2")  # orange
        await settle(pilot)
        assert card(study_store, third).flag == 2
        await press(pilot, "ctrl+z")
        assert card(study_store, third).flag == 0 and "Undid flag." in toasts(app)
        await press(pilot, "u")
        assert card(study_store, second).buried_until is None and "Undid bury." in toasts(app)
        assert shown(app) == second
        await press(pilot, "u")
        assert "Undid Good." in toasts(app)
        assert shown(app) == first
        assert card(study_store, first).state == "new"
        assert log_rows(study_store) == []
        await press(pilot, "u")
        assert "Nothing to undo." in toasts(app)


async def test_anki_keys_enter_at_and_i(app: StudyApp, study_store: Store) -> None:
    first, second = card_id(study_store, MLE), card_id(study_store, GENERATIVE)
    async with running(app) as pilot:
        screen = await start_review(pilot)
        await pilot.press("enter")  # reveals
        await settle(pilot)
        view = screen.current_view()
        assert view is not None and view.revealed and log_rows(study_store) == []
        await pilot.press("enter")  # then Good
        await settle(pilot)
        assert [(row.card_id, row.rating) for row in log_rows(study_store)] == [(first, 3)]
        await pilot.press("at")  # `@` suspends
        await settle(pilot)
        assert card(study_store, second).suspended
        await press(pilot, "i")
        info = app.screen
        assert isinstance(info, CardInfoScreen)
        assert info.info is not None and info.info.card_id == shown_before_info(screen)
        await press(pilot, "escape")
        assert isinstance(app.screen, ReviewScreen)


def shown_before_info(screen: ReviewScreen) -> int:
    assert screen.current is not None
    return screen.current.card_id


async def test_card_info_shows_history_and_memory(app: StudyApp, study_store: Store) -> None:
    first = card_id(study_store, MLE)
    async with running(app) as pilot:
        await start_review(pilot)
        await answer(pilot, 1)
        app.open_card_info(first)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CardInfoScreen) and screen.info is not None
        summary = str(screen.query_one("#info-summary", Static).render())
        assert "State         learning" in summary
        assert "Due           in 1m (12:01)" in summary
        assert "Stability     " in summary and "Difficulty    " in summary
        assert "Recall today  " in summary
        history = screen.query_one("#info-history", DataTable)
        assert history.row_count == 1
        assert [str(cell) for cell in history.get_row_at(0)][:4] == [
            START.strftime("%Y-%m-%d %H:%M"),
            "Again",
            "new",
            "1m",
        ]
