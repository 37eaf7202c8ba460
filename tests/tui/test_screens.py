"""Pilot tests of the other screens: home counts, settings, browser, notes, help, palette."""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable, Iterator

from sqlalchemy import select
from textual.widget import Widget
from textual.widgets import Static

import studyapp.tui.screens
from db.models import Card, Section
from studyapp.store.opening import Store
from studyapp.store.settings import load_scheduler_settings
from studyapp.tui.app import StudyApp
from studyapp.tui.screens.base import StudyScreen
from studyapp.tui.screens.browser import BrowserScreen
from studyapp.tui.screens.card import CardScreen
from studyapp.tui.screens.help import HelpScreen, described_bindings, help_pages
from studyapp.tui.screens.home import HomeScreen
from studyapp.tui.screens.notes import NotesScreen
from studyapp.tui.screens.review import ReviewScreen
from studyapp.tui.screens.settings import SettingsScreen
from tests.tui.conftest import SIZE, card_id, settle


def rendered(widget) -> str:  # type: ignore[no-untyped-def]
    return str(widget.render())


def help_page_rows(section: Widget) -> set[tuple[str, str]]:
    """(key, description) for each key of each row of a help section, from what it shows."""
    body = section.query(Static).last()
    rows = set()
    for line in rendered(body).splitlines():
        keys, description = re.split(r"\s{2,}", line.strip(), maxsplit=1)
        rows |= {(key, description) for key in keys.split(", ")}
    return rows


def all_subclasses(cls: type) -> Iterator[type]:
    subclasses: list[type] = cls.__subclasses__()
    for subclass in subclasses:
        yield subclass
        yield from all_subclasses(subclass)


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
            assert "New cards per day (each deck): 'lots' is not valid (a whole number)" in errors
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
            for card in session.scalars(
                select(Card).where(Card.question.startswith("Which density"))
            ):
                card.suspended = True
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

    async def test_help_lists_every_key_of_every_screen(
        self, make: Callable[..., StudyApp]
    ) -> None:
        """Derived from the BINDINGS themselves, so a binding added later is checked too:
        every described binding of every screen (and of the app) is on the page, in its
        screen's section, with the key as the footer shows it."""
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("question_mark")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, HelpScreen)
            shown = {
                str(section.query_one(".help-title", Static).render()): help_page_rows(section)
                for section in screen.query(".help-section")
            }
            expected = {
                (title, key, binding.description)
                for title, owner in help_pages()
                for binding in described_bindings(owner)
                for key in [app.get_key_display(binding)]
            }
            for title, key, description in sorted(expected):
                assert (key, description) in shown[title], (title, key, description)
            # The widgets' keys too, and the screens that came last.
            assert ("⏎", "Review the selected deck or chapter") in shown["Home"]
            assert ("b", "Browse") in shown["Stats"]
            assert ("^c", "Cancel run") in shown["Demo"] and ("c", "Cancel run") in shown["Demo"]
            assert ("?", "Help") in shown["Everywhere"]
            assert ("^p", "Command palette") in shown["Everywhere"]
            await pilot.press("escape")
            assert isinstance(app.screen, HomeScreen)

    def test_every_screen_has_a_section_on_the_help_page(self) -> None:
        for module in pkgutil.iter_modules(studyapp.tui.screens.__path__):
            importlib.import_module(f"studyapp.tui.screens.{module.name}")
        listed = {owner for _, owner in help_pages()}
        assert StudyApp in listed
        assert set(all_subclasses(StudyScreen)) <= listed

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
