"""Pilot tests of what starts on Home: custom study (extra new cards, today's Agains, flagged
cards, cramming without touching the schedule), a deck's own limits, adding a card to a deck
file, and the small rough edges (streak, palette, settings focus, steps, titles, notes)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select
from textual.widgets import Input, OptionList, Select, Static, TextArea

from db.models import Card
from studyapp.store import card_actions
from studyapp.store.library import import_paths
from studyapp.store.opening import Store
from studyapp.store.settings import load_deck_limit
from studyapp.tui.app import StudyApp
from studyapp.tui.screens.add_card import AddCardScreen
from studyapp.tui.screens.custom_study import CustomStudyScreen
from studyapp.tui.screens.deck_limits import DeckLimitsScreen
from studyapp.tui.screens.home import HomeScreen
from studyapp.tui.screens.notes import NotesScreen
from studyapp.tui.screens.review import ReviewScreen
from studyapp.tui.screens.settings import SettingsScreen, _steps
from studyapp.tui.screens.stats import StatsScreen
from studyapp.tui.screens.summary import SummaryScreen
from tests.conftest import no_demos
from tests.tui.conftest import START, card_id, open_screen, press, running, settle
from tests.tui.test_review import (
    MLE,
    MLP,
    answer,
    card,
    log_rows,
    shown,
    start_review,
    use_settings,
)


async def custom_study(pilot, choice: int) -> ReviewScreen:  # type: ignore[no-untyped-def]
    """From Home's selected row (the book), the `choice`-th custom study option."""
    await press(pilot, "c")
    screen = pilot.app.screen
    assert isinstance(screen, CustomStudyScreen)
    screen.query_one(OptionList).highlighted = choice
    await press(pilot, "enter")
    review = pilot.app.screen
    assert isinstance(review, ReviewScreen), review
    return review


async def test_extra_new_cards_today(make: Callable[..., StudyApp], study_store: Store) -> None:
    use_settings(study_store, new_per_day=1)
    app = make()
    async with running(app) as pilot:
        await press(pilot, "c")
        app.screen.query_one("#custom-count", Input).value = "2"
        await pilot.press("enter")  # the first option: extra new cards
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        assert screen.label == "Fixture Book · 2 extra new"
        assert "New 3" in str(screen.query_one("#review-counts").render())


async def test_todays_agains_and_flagged_cards(app: StudyApp, study_store: Store) -> None:
    first, mlp = card_id(study_store, MLE), card_id(study_store, MLP)
    card_actions.set_flag(study_store.sessions, [mlp], 1)
    async with running(app) as pilot:
        await start_review(pilot)
        await answer(pilot, 1)
        await answer(pilot, 4)
        await press(pilot, "escape")
        review = await custom_study(pilot, 1)
        assert shown(app) == first and review.scope.mode == "again_today"
        await answer(pilot, 4)
        assert isinstance(app.screen, SummaryScreen)
        await press(pilot, "enter")
        await custom_study(pilot, 2)
        assert shown(app) == mlp


async def test_cramming_a_chapter_writes_nothing(app: StudyApp, study_store: Store) -> None:
    async with running(app) as pilot:
        await pilot.press("down")  # chapter 1 of the book
        review = await custom_study(pilot, 3)
        assert "Cramming" in str(review.query_one("#review-counts").render())
        seen = []
        await answer(pilot, 1)  # Again: it comes back at the end of the cram
        while not isinstance(app.screen, SummaryScreen):
            seen.append(shown(app))
            await answer(pilot, 4)
        assert len(seen) == 3 and seen[-1] == card_id(study_store, MLE)
        assert app.screen.stats.reviewed == 4
    assert log_rows(study_store) == []
    assert card(study_store, card_id(study_store, MLE)).state == "new"


async def test_a_deck_has_its_own_limits(app: StudyApp, study_store: Store) -> None:
    async with running(app) as pilot:
        screen = await open_screen(pilot, "l", DeckLimitsScreen)
        assert screen.query_one("#new_per_day", Input).placeholder == "20 (global)"
        screen.query_one("#new_per_day", Input).value = "1"
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, HomeScreen)
        book = app.screen.query_one("#deck-tree").root.children[0]  # type: ignore[attr-defined]
        assert str(book.label).split()[-3:] == ["1", "0", "0"]
    assert load_deck_limit(study_store.sessions, "fixture book").new_per_day == 1


async def test_a_card_added_in_the_app_is_written_to_the_file_and_imported(
    make: Callable[..., StudyApp], study_store: Store, deck_files: list[Path]
) -> None:
    notes = deck_files[1]
    app = make()
    async with running(app) as pilot:
        screen = await open_screen(pilot, "a", AddCardScreen)
        assert screen.query_one("#add-deck", Select).value == screen.decks[0].deck_id
        await pilot.press(*"What is a kernel?")
        screen.query_one("#add-back", TextArea).text = "A small matrix slid over the image."
        await press(pilot, "ctrl+s")
        assert any("Added 1 card at notes.md:" in n.message for n in app._notifications)
        await press(pilot, "escape")
        assert "New           6" in str(app.screen.query_one("#today-stats").render())
    text = notes.read_text()
    assert text.endswith("\n\nWhat is a kernel? :: A small matrix slid over the image.\n")
    added = card_id(study_store, "What is a kernel?")
    assert card(study_store, added).answer == "A small matrix slid over the image."


async def test_reversed_and_cloze_cards_added_in_the_app(
    make: Callable[..., StudyApp], study_store: Store, deck_files: list[Path]
) -> None:
    """A reversed card is written with `:::` and becomes two cards; a cloze with two
    deletions is written as typed and becomes one card per deletion."""
    notes = deck_files[1]
    app = make()
    async with running(app) as pilot:
        screen = await open_screen(pilot, "a", AddCardScreen)
        screen.query_one("#add-kind", Select).value = "reversed"
        await settle(pilot)
        screen.query_one("#add-front", Input).value = "Encoder"
        screen.query_one("#add-back", TextArea).text = "Maps an image to a latent code."
        await press(pilot, "ctrl+s")
        await press(pilot, "escape")
        screen = await open_screen(pilot, "a", AddCardScreen)
        screen.query_one("#add-kind", Select).value = "cloze"
        await settle(pilot)
        screen.query_one("#add-front", Input).value = "A {{c1::VAE}} samples from {{c2::q(z|x)}}."
        await press(pilot, "ctrl+s")
        assert any("Added 2 cards" in n.message for n in app._notifications), [
            n.message for n in app._notifications
        ]
    text = notes.read_text()
    assert "\n\nEncoder ::: Maps an image to a latent code.\n" in text
    assert text.endswith("\n\nA {{c1::VAE}} samples from {{c2::q(z|x)}}.\n")
    with study_store.sessions() as session:
        kinds = session.execute(
            select(Card.kind, Card.question).where(Card.source_file == str(notes))
        ).all()
    reversed_sides = [q for k, q in kinds if "Encoder" in q or "latent code" in q]
    clozes = [q for k, q in kinds if "samples from" in q]
    assert len(reversed_sides) == 2 and len(clozes) == 2, kinds


async def test_an_empty_front_is_refused_with_a_reason(app: StudyApp) -> None:
    async with running(app) as pilot:
        await press(pilot, "a")
        await press(pilot, "ctrl+s")
        assert "Not added: the front is empty" in str(app.screen.query_one("#add-error").render())


async def test_rough_edges(
    make: Callable[..., StudyApp], study_store: Store, tmp_path: Path
) -> None:
    """One day of streak is "1 day"; "Keys" is in the palette once; Settings focuses its
    first field; steps take units; `n` from a book card opens a notes section, not the
    section of a hand-written cards file (card syntax), even when that one ranks first."""
    assert _steps("1h 30s 10m 1d 5") == (60.0, 0.5, 10.0, 1440.0, 5.0)
    mine = tmp_path / "my-cards.md"
    mine.write_text(
        "# My cards\n\n## Maximum likelihood estimation\n\n"
        "What does maximum likelihood estimation choose? :: The parameters that maximize "
        "the likelihood of the observed data.\n"
    )
    import_paths(study_store.sessions, [mine], START, no_demos)
    mlp = card_id(study_store, MLP)
    card_actions.answer(study_store.sessions, mlp, 4, now=START, settings=app_settings())
    app = make()
    async with running(app) as pilot:
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert titles.count("Keys") == 1 and "Custom study" in titles
        await press(pilot, "t")
        assert isinstance(app.screen, StatsScreen)
        assert "Streak      1 day\n" in str(app.screen.query_one("#stats-today", Static).render())
        await press(pilot, "escape", "s")
        assert isinstance(app.screen, SettingsScreen)
        assert app.screen.focused is app.screen.query_one("#desired_retention")
        await pilot.press("escape")
        await start_review(pilot)
        await press(pilot, "n")
        notes = app.screen
        assert isinstance(notes, NotesScreen) and notes.outline is not None
        shown_section = {s.section_id: s for s in notes.outline.sections}[notes.shown_section or -1]
        assert shown_section.deck == "Fixture notes"


def app_settings():  # type: ignore[no-untyped-def]
    from studyapp.domain.scheduling import SchedulerSettings

    return SchedulerSettings(timezone="UTC", fuzz=False)
