"""Pilot tests of the day's new-card limits reaching the review session: a deck's own limit
set on Home (`l`) and the extra new cards of a custom study of one chapter (`c`). Each
counts the cards the session serves, card by card, and Home's rows before and after.

The fixture deck: the book has four new cards (three in chapter 1, the MLP in chapter 2),
the notes deck one. The chapter test has a deck of its own, whose second chapter is not
where a session of the whole deck starts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from textual.pilot import Pilot

from db.models import Card
from studyapp.store.opening import Store
from studyapp.store.settings import load_deck_limit
from studyapp.tui.app import StudyApp, make_app
from studyapp.tui.screens.custom_study import CustomStudyScreen
from studyapp.tui.screens.deck_limits import DeckLimitsScreen
from studyapp.tui.screens.home import HomeScreen
from studyapp.tui.screens.review import ReviewScreen
from studyapp.tui.screens.summary import SummaryScreen
from tests.conftest import no_demos
from tests.tui.conftest import Clock, card_id, deck_store, open_screen, press, running
from tests.tui.test_review import GENERATIVE, LATENT, MLE, MLP, answer, shown, use_settings


def home_rows(app: StudyApp) -> dict[str, list[str]]:
    """Each deck row of Home by its title: its New, Learn and Due columns."""
    home = app.screen
    assert isinstance(home, HomeScreen), home
    tree = home.query_one("#deck-tree")
    rows = {}
    for deck in tree.root.children:  # type: ignore[attr-defined]
        *title, new, learn, due = str(deck.label).split()
        rows[" ".join(title)] = [new, learn, due]
    return rows


async def serve_all(pilot: Pilot[Any]) -> list[int]:
    """Answer Easy until the session's summary; the cards served, in order."""
    app = pilot.app
    served: list[int] = []
    while not isinstance(app.screen, SummaryScreen):
        assert isinstance(app.screen, ReviewScreen), app.screen
        assert len(served) < 10, served
        served.append(shown(app))  # type: ignore[arg-type]
        await answer(pilot, 4)
    return served


def notes_card(store: Store) -> int:
    book = {card_id(store, q) for q in (MLE, GENERATIVE, LATENT, MLP)}
    with store.sessions() as session:
        [other] = set(session.scalars(select(Card.id))) - book
    return other


async def test_a_decks_own_new_limit_is_what_review_serves(
    make: Callable[..., StudyApp], study_store: Store
) -> None:
    """A global limit of 1 and the book's own 3: Home shows 3 and 1, the session serves
    three book cards (never the fourth) and the notes card, and Home then shows 0 and 0."""
    use_settings(study_store, new_per_day=1)
    app = make()
    chapter_1 = {card_id(study_store, q) for q in (MLE, GENERATIVE, LATENT)}
    async with running(app) as pilot:
        rows = home_rows(app)
        assert rows["Fixture Book"] == ["1", "0", "0"]
        assert rows["Fixture notes"] == ["1", "0", "0"]
        form = await open_screen(pilot, "l", DeckLimitsScreen)  # the book, selected
        assert form.focused is form.query_one("#new_per_day")
        await press(pilot, "3", "ctrl+s")
        rows = home_rows(app)
        assert rows["Fixture Book"] == ["3", "0", "0"]
        assert rows["Fixture notes"] == ["1", "0", "0"]

        await press(pilot, "r")
        review = app.screen
        assert isinstance(review, ReviewScreen)
        assert "New 4" in str(review.query_one("#review-counts").render())
        served = await serve_all(pilot)
        assert len(served) == len(set(served)) == 4
        assert set(served) == chapter_1 | {notes_card(study_store)}
        assert app.screen.stats.reviewed == 4  # type: ignore[attr-defined]
        await press(pilot, "enter")
        rows = home_rows(app)
        assert rows["Fixture Book"] == ["0", "0", "0"]
        assert rows["Fixture notes"] == ["0", "0", "0"]
    assert load_deck_limit(study_store.sessions, "fixture book").new_per_day == 3


LIMITS = """\
# Limits

## Chapter 1: Early

First question? :: first answer

Second question? :: second answer

## Chapter 2: Late

Third question? :: third answer

Fourth question? :: fourth answer

Fifth question? :: fifth answer
"""


@pytest.fixture
def chapters_store(tmp_path: Path) -> Iterator[Store]:
    """One deck of two chapters: two new cards in the first, three in the second."""
    with deck_store(tmp_path, "limits.md", LIMITS, cards=5) as store:
        use_settings(store, new_per_day=1)
        yield store


async def test_extra_new_cards_for_one_chapter(chapters_store: Store, clock: Clock) -> None:
    """Chapter 2 selected, custom study, 1 extra new card typed: with the day's limit of 1 the
    session serves exactly two cards, both of chapter 2 (a session of the whole deck would
    start with chapter 1's); then nothing new is left of the deck today."""
    app = make_app(chapters_store, now=clock, match_demos=no_demos, watch_library=False)
    late = {card_id(chapters_store, q) for q in ("Third", "Fourth", "Fifth")}
    async with running(app) as pilot:
        assert home_rows(app) == {"Limits": ["1", "0", "0"]}
        await press(pilot, "down", "down")  # Chapter 2 of the deck
        form = await open_screen(pilot, "c", CustomStudyScreen)
        assert form.scope_label == "Limits › Chapter 2: Late"
        form.query_one("#custom-count").focus()
        await press(pilot, "end", "backspace", "backspace", "1", "enter")
        review = app.screen
        assert isinstance(review, ReviewScreen), review
        assert review.label == "Limits › Chapter 2: Late · 1 extra new"
        assert "New 2" in str(review.query_one("#review-counts").render())
        served = await serve_all(pilot)
        assert len(served) == len(set(served)) == 2
        assert set(served) <= late
        await press(pilot, "enter")
        assert home_rows(app) == {"Limits": ["0", "0", "0"]}
        await press(pilot, "r")  # the whole deck: its day's new cards are used up
        assert await serve_all(pilot) == []
