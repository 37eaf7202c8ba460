"""Pilot tests of the other screens: home counts, settings, browser, notes, help, palette."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select, update

from db.models import Card, Section
from studyapp.store.opening import Store
from studyapp.store.settings import load_scheduler_settings
from studyapp.tui.app import StudyApp
from studyapp.tui.screens.browser import BrowserScreen
from studyapp.tui.screens.card import CardScreen
from studyapp.tui.screens.help import HelpScreen
from studyapp.tui.screens.home import HomeScreen
from studyapp.tui.screens.notes import NotesScreen
from studyapp.tui.screens.review import ReviewScreen
from studyapp.tui.screens.settings import SettingsScreen
from tests.tui.conftest import SIZE, card_id, settle


def rendered(widget) -> str:  # type: ignore[no-untyped-def]
    return str(widget.render())


class TestHome:
    async def test_tree_counts_and_today(
        self, make: Callable[..., StudyApp], study_store: Store
    ) -> None:
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, HomeScreen)
            tree = screen.query_one("#deck-tree")
            labels = [
                (str(deck.label).split()[0:2], [str(c.label).split()[-3:] for c in deck.children])
                for deck in tree.root.children
            ]
            assert labels == [
                (["Fixture", "Book"], [["3", "0", "0"], ["1", "0", "0"]]),
                (["Fixture", "notes"], [["1", "0", "0"]]),
            ]
            assert "New           5" in rendered(screen.query_one("#today-stats"))
            await pilot.press("r")
            await settle(pilot)
            await pilot.press("space", "1")
            await settle(pilot)
            await pilot.press("escape")
            await settle(pilot)
            today = rendered(screen.query_one("#today-stats"))
            assert "Reviews done  1" in today
            assert "Again rate    100%" in today
            assert "Next due      in 1m (12:01)" in today


class TestSettings:
    async def test_settings_are_saved_to_the_database(
        self, make: Callable[..., StudyApp], study_store: Store
    ) -> None:
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("s")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, SettingsScreen)
            values = {
                "desired_retention": "0.85",
                "new_per_day": "7",
                "learning_steps_minutes": "2 15",
                "day_starts_at_hour": "5",
            }
            for field, value in values.items():
                screen.query_one(f"#{field}").value = value
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert rendered(screen.query_one("#settings-errors")) == ""
            assert app.scheduler_settings.new_per_day == 7
        stored = load_scheduler_settings(study_store.sessions)
        assert stored.desired_retention == 0.85
        assert stored.new_per_day == 7
        assert stored.learning_steps_minutes == (2.0, 15.0)
        assert stored.day_starts_at_hour == 5
        assert stored.timezone == "UTC"  # untouched fields keep their values

    async def test_invalid_input_shows_the_problem_and_saves_nothing(
        self, make: Callable[..., StudyApp], study_store: Store
    ) -> None:
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("s")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, SettingsScreen)
            screen.query_one("#new_per_day").value = "lots"
            await pilot.press("ctrl+s")
            await settle(pilot)
            errors = rendered(screen.query_one("#settings-errors"))
            assert "New cards per day: 'lots' is not valid (a whole number)" in errors
            screen.query_one("#new_per_day").value = "20"
            screen.query_one("#desired_retention").value = "1.5"
            screen.query_one("#day_starts_at_hour").value = "25"
            await pilot.press("ctrl+s")
            await settle(pilot)
            errors = rendered(screen.query_one("#settings-errors"))
            assert "desired retention must be between 0.70 and 0.99" in errors
            assert "the day must start at an hour from 0 to 23" in errors
            assert isinstance(app.screen, SettingsScreen)
        stored = load_scheduler_settings(study_store.sessions)
        assert (stored.desired_retention, stored.day_starts_at_hour) == (0.9, 4)


class TestBrowser:
    async def test_search_finds_a_card_by_a_word_of_its_answer_and_opens_it(
        self, make: Callable[..., StudyApp], study_store: Store
    ) -> None:
        app = make()
        latent = card_id(study_store, "What is a latent space")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("b")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, BrowserScreen)
            table = screen.query_one("#results")
            assert table.row_count == 5
            await pilot.press(*"decoder")
            await settle(pilot)
            assert [row.value for row in table.rows] == [str(latent)]
            assert rendered(screen.query_one("#result-count")) == "1 card for “decoder”"
            await pilot.press("enter")  # from the search box to the results
            await pilot.press("enter")  # open the card
            await settle(pilot)
            card_screen = app.screen
            assert isinstance(card_screen, CardScreen)
            assert card_screen.card is not None and card_screen.card.card_id == latent
            await pilot.press("n")
            await settle(pilot)
            notes = app.screen
            assert isinstance(notes, NotesScreen)
            assert notes.outline is not None
            titles = {s.section_id: s.title for s in notes.outline.sections}
            assert titles[notes.shown_section or -1] == "Latent variables"
            await pilot.press("escape")
            assert app.screen is card_screen
            await pilot.press("escape")
            assert app.screen is screen

    async def test_filters(self, make: Callable[..., StudyApp], study_store: Store) -> None:
        with study_store.sessions.begin() as session:
            session.execute(
                update(Card).where(Card.question.startswith("Which density")).values(suspended=True)
            )
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("b")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, BrowserScreen)
            table = screen.query_one("#results")
            screen.query_one("#chapter").value = "Chapter 2: Deep Learning"
            await settle(pilot)
            assert table.row_count == 2
            screen.query_one("#chapter").clear()
            screen.query_one("#suspended").value = True
            await settle(pilot)
            assert [row.value for row in table.rows] == [str(card_id(study_store, "Which density"))]
            screen.query_one("#suspended").value = False
            screen.query_one("#state").value = "review"
            await settle(pilot)
            assert table.row_count == 0
            screen.query_one("#state").clear()
            with study_store.sessions() as session:
                notes_deck = session.scalar(select(Section.deck_id).limit(1))
            screen.query_one("#deck").value = notes_deck
            await settle(pilot)
            assert table.row_count == 1


class TestNotesHelpPalette:
    async def test_notes_tree_shows_the_selected_section(
        self, make: Callable[..., StudyApp]
    ) -> None:
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("n")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, NotesScreen)
            assert screen.outline is not None
            titles = {s.section_id: s.title for s in screen.outline.sections}
            assert titles[screen.shown_section or -1] == "Fixture notes"
            await pilot.press("down", "down")
            await settle(pilot)
            assert titles[screen.shown_section or -1] == "Chapter 1: Generative Modeling"
            await pilot.press("down")
            await settle(pilot)
            assert titles[screen.shown_section or -1] == "Likelihood"
            body = screen.query_one("#section-body")
            assert "p(D|θ)" in body.source
            await pilot.press("escape")
            assert isinstance(app.screen, HomeScreen)

    async def test_help_lists_every_key(self, make: Callable[..., StudyApp]) -> None:
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("question_mark")
            await settle(pilot)
            assert isinstance(app.screen, HelpScreen)
            from studyapp.tui.screens.help import sections

            listed = {(where, key) for where, rows in sections() for key, _ in rows}
            for binding in ReviewScreen.BINDINGS:
                if binding.description and binding.show:  # type: ignore[union-attr]
                    assert ("Review", binding.key) in listed or (  # type: ignore[union-attr]
                        "Review",
                        {"space": "space", "escape": "esc"}.get(binding.key, binding.key),  # type: ignore[union-attr]
                    ) in listed
            assert ("Review", "u") in listed and ("Review", "1") in listed
            await pilot.press("escape")
            assert isinstance(app.screen, HomeScreen)

    async def test_command_palette_offers_every_review_action(
        self, make: Callable[..., StudyApp]
    ) -> None:
        app = make(start="review")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, ReviewScreen)
            titles = {command.title for command in app.get_system_commands(app.screen)}
            for action in ("Show answer", "Again", "Hard", "Good", "Easy", "Undo", "Suspend",
                           "Bury", "Flag", "Edit", "Notes", "Demo"):  # fmt: skip
                assert f"Review: {action}" in titles
            assert {"Browse cards", "Notes", "Settings", "Keys", "Review all decks"} <= titles
