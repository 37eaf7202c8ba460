"""Pilot tests of the card browser: every card with the true count, `/` to search, the
question in the Card column, rendered math found, suggestions, flagged and buried filters,
and card management on a selection of rows, each change undoable."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from textual.widgets import Checkbox, DataTable, Input, Static

from studyapp.store.library import import_paths
from studyapp.store.opening import Store
from studyapp.tui.app import StudyApp
from studyapp.tui.screens.browser import BrowserScreen
from studyapp.tui.screens.card import CardScreen
from studyapp.tui.screens.card_info import CardInfoScreen
from studyapp.tui.screens.due_date import DueDateScreen
from tests.conftest import no_demos
from tests.tui.conftest import START, card_id, press, running, settle
from tests.tui.test_review import GENERATIVE, LATENT, MLE, card, log_rows


async def open_browser(pilot) -> BrowserScreen:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await press(pilot, "b")
    screen = pilot.app.screen
    assert isinstance(screen, BrowserScreen)
    return screen


def count_line(screen: BrowserScreen) -> str:
    return str(screen.query_one("#result-count", Static).render())


def cells(screen: BrowserScreen, column: str) -> list[str]:
    table = screen.query_one("#results", DataTable)
    return [str(table.get_cell(row.key, column)) for row in table.ordered_rows]


async def test_every_card_with_the_true_count(
    make: Callable[..., StudyApp], study_store: Store, tmp_path: Path
) -> None:
    many = tmp_path / "many.md"
    many.write_text("# Many\n\n" + "".join(f"Question {n}? :: Answer {n}.\n\n" for n in range(230)))
    import_paths(study_store.sessions, [many], START, no_demos)
    app = make()
    async with running(app) as pilot:
        screen = await open_browser(pilot)
        table = screen.query_one("#results", DataTable)
        assert table.row_count == 200
        assert count_line(screen).startswith("235 cards · showing 200")
        table.focus()
        await press(pilot, "ctrl+end")
        assert table.row_count == 235
        assert count_line(screen) == "235 cards"
        assert len({row.key.value for row in table.ordered_rows}) == 235


async def test_slash_focuses_search_and_is_not_typed(app: StudyApp) -> None:
    async with running(app) as pilot:
        screen = await open_browser(pilot)
        search = screen.query_one("#search", Input)
        await pilot.press("ctrl+t")
        assert screen.focused is screen.query_one("#results")
        await pilot.press("slash")
        assert screen.focused is search
        await press(pilot, "slash", *"latent")
        assert search.value == "latent"
        assert count_line(screen) == "1 card for “latent”"


async def test_the_card_column_shows_the_question_and_math_is_found_as_shown(
    app: StudyApp, study_store: Store
) -> None:
    async with running(app) as pilot:
        screen = await open_browser(pilot)
        assert cells(screen, "card")[0].startswith("What does maximum likelihood")
        screen.query_one("#search", Input).value = "θ"
        await settle(pilot)
        table = screen.query_one("#results", DataTable)
        assert [row.key.value for row in table.ordered_rows] == [str(card_id(study_store, MLE))]


async def test_a_typo_suggests_the_closest_terms(app: StudyApp) -> None:
    async with running(app) as pilot:
        screen = await open_browser(pilot)
        await press(pilot, *"likelihod")
        assert count_line(screen).startswith("0 cards for “likelihod” · did you mean: likelihood")


async def test_selected_rows_share_one_action_and_one_undo(
    app: StudyApp, study_store: Store
) -> None:
    first, second = card_id(study_store, MLE), card_id(study_store, GENERATIVE)
    async with running(app) as pilot:
        screen = await open_browser(pilot)
        await pilot.press("ctrl+t", "space", "space")  # the first two rows
        assert screen.selected == {first, second}
        assert "2 selected" in count_line(screen)
        await press(pilot, "at")
        assert card(study_store, first).suspended and card(study_store, second).suspended
        assert cells(screen, "state")[:3] == ["suspended", "suspended", "new"]
        await pilot.press("at")  # all selected are suspended: unsuspend them
        await settle(pilot)
        assert not card(study_store, first).suspended
        await pilot.press("u")  # back to suspended
        await settle(pilot)
        assert card(study_store, first).suspended and card(study_store, second).suspended
        await press(pilot, "ctrl+z")
        assert not card(study_store, first).suspended and not card(study_store, second).suspended


async def test_bury_flag_filters_and_a_buried_card_is_called_buried(
    app: StudyApp, study_store: Store
) -> None:
    latent = card_id(study_store, LATENT)
    async with running(app) as pilot:
        screen = await open_browser(pilot)
        await pilot.press("ctrl+t", "down", "down")  # the latent-space card
        await press(pilot, "minus")
        assert card(study_store, latent).buried_until == dt.datetime(2026, 3, 3, 4, tzinfo=dt.UTC)
        assert cells(screen, "state")[2] == "buried"
        await press(pilot, "ctrl+3")
        assert card(study_store, latent).flag == 3 and cells(screen, "flag")[2] == "green"
        for box in ("#buried", "#flagged"):
            screen.query_one(box, Checkbox).value = True
            await settle(pilot)
            table = screen.query_one("#results", DataTable)
            assert [row.key.value for row in table.ordered_rows] == [str(latent)]
            screen.query_one(box, Checkbox).value = False
            await settle(pilot)
        table.focus()
        table.move_cursor(row=2)
        await pilot.press("ctrl+3")  # the same flag again clears it
        await pilot.press("minus")  # and a buried card is unburied
        await settle(pilot)
        assert card(study_store, latent).flag == 0
        assert card(study_store, latent).buried_until is None


async def test_card_screen_reset_reschedule_info(app: StudyApp, study_store: Store) -> None:
    """`D` sets a due date, `i` shows it, `N` resets to new and `u` takes that back."""
    first = card_id(study_store, MLE)
    async with running(app) as pilot:
        screen = await open_browser(pilot)
        await press(pilot, "ctrl+t", "enter")
        card_screen = app.screen
        assert isinstance(card_screen, CardScreen)
        await press(pilot, "D")
        assert isinstance(app.screen, DueDateScreen)
        await press(pilot, *"+7", "enter")
        assert app.screen is card_screen
        stored = card(study_store, first)
        assert (stored.state, stored.due) == ("review", dt.datetime(2026, 3, 9, 4, tzinfo=dt.UTC))
        await press(pilot, "i")
        assert isinstance(app.screen, CardInfoScreen)
        assert "in 7d" in str(app.screen.query_one("#info-summary").render())
        await pilot.press("escape", "N")  # reset to new
        await settle(pilot)
        assert card(study_store, first).state == "new"
        await press(pilot, "u")
        assert card(study_store, first).state == "review"
        await press(pilot, "escape")
        assert app.screen is screen and cells(screen, "state")[0] == "review"
    assert log_rows(study_store) == []
