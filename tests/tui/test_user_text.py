"""User text is data, never markup: a deck whose every title is written in Rich / Textual
markup (an action link, a stray closing tag, a style) is shown literally on every screen, and
nothing in it can act on the app.

Before this was enforced, a deck titled `[@click=app.quit]X[/]` put a link in the review
header that quit the app when clicked, and `[/x]` in a chapter raised a MarkupError.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console
from sqlalchemy import select
from textual.widgets import Input, Select

from db.models import Deck
from studyapp.domain.scheduling import SchedulerSettings
from studyapp.store.library import import_paths
from studyapp.store.opening import Store, open_store
from studyapp.store.settings import save_scheduler_settings
from studyapp.tui.app import StudyApp, make_app
from studyapp.tui.screens.browser import BrowserScreen
from studyapp.tui.screens.card import CardScreen
from studyapp.tui.screens.home import HomeScreen
from studyapp.tui.screens.notes import NotesScreen
from studyapp.tui.screens.review import ReviewScreen
from studyapp.tui.screens.stats import StatsScreen
from studyapp.tui.screens.summary import SummaryScreen
from tests.conftest import no_demos
from tests.tui.conftest import SIZE, START, Clock, settle

LINK = "[@click=app.quit]X[/]"
DECK = f"{LINK} [/x] [bold]deck"
CHAPTER = f"Chapter [/x] [bold]1 {LINK}"
CARD_TITLE = f"{LINK} card [bold] [/x]"
QUESTION = f"What does {LINK} mean [/x] [bold]?"
NOTES_DECK = f"Notes {LINK} [/x]"
SECTION = f"Section {LINK} [/x] [bold]"

BOOK = f"""\
# Flashcards: {DECK}

**Starting Chapter:** {CHAPTER}

---

#### {CARD_TITLE}
Context {LINK} with [/x] and [bold].

:p {QUESTION}
??x
An answer {LINK} [/x] [bold].
x??
"""

NOTES = f"""\
# {NOTES_DECK}

## Chapter [/x] [bold]1

### {SECTION}

- A bullet {LINK} with [/x] and [bold].
"""


@pytest.fixture
def markup_store(tmp_path: Path) -> Iterator[Store]:
    (tmp_path / "book.md").write_text(BOOK, encoding="utf-8")
    (tmp_path / "notes.md").write_text(NOTES, encoding="utf-8")
    store = open_store(str(tmp_path / "markup.db"))
    files = [tmp_path / "book.md", tmp_path / "notes.md"]
    reports = import_paths(store.sessions, files, START, match_demos=no_demos)
    assert all(r.status == "imported" for r in reports), reports
    save_scheduler_settings(store.sessions, SchedulerSettings(timezone="UTC", fuzz=False))
    yield store
    store.close()


def visible_text(app: StudyApp) -> str:
    """The screen as the terminal shows it, as plain text: the render `export_screenshot`
    draws, without the SVG."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), record=True)
    console.print(
        app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    )
    return console.export_text()


def assert_shown(app: StudyApp, *texts: str) -> None:
    assert app.is_running and app.return_code is None
    screen = visible_text(app)
    for text in texts:
        assert text in screen, f"{text!r} is not on the {type(app.screen).__name__}:\n{screen}"


async def test_markup_in_every_title_is_shown_as_text_and_does_nothing(
    markup_store: Store, tmp_path: Path
) -> None:
    app = make_app(markup_store, now=Clock(START), match_demos=no_demos)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert_shown(app, DECK, CHAPTER)

        await pilot.press("enter")  # review the deck under the cursor: its title on top
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)
        assert_shown(app, DECK, CARD_TITLE, QUESTION, f"Context {LINK} with [/x] and [bold].")
        await pilot.click("#review-scope")  # were the title a link, this would quit
        await pilot.press("space")
        await settle(pilot)
        assert_shown(app, f"An answer {LINK} [/x] [bold].")
        await pilot.press("4")
        await settle(pilot)
        assert isinstance(app.screen, SummaryScreen)
        assert_shown(app, f"Scope           {LINK} [/x]")  # the rest wraps
        await pilot.press("enter")
        await settle(pilot)

        await pilot.press("b")
        await settle(pilot)
        browser = app.screen
        assert isinstance(browser, BrowserScreen)
        # The columns are narrow: the start of each title, brackets and all; the Card column
        # shows the question.
        assert_shown(app, "[@click=app.q…", "Chapter [/x] [bo…", "What does [@click=app.quit]X[/]…")
        with markup_store.sessions() as session:
            deck_id = session.scalars(select(Deck.id).where(Deck.title == DECK)).one()
        browser.query_one("#deck", Select).value = deck_id
        browser.query_one("#search", Input).value = "[/x] [bold]"
        await settle(pilot)
        # The deck filter shows the start of the title.
        assert_shown(app, "1 card for “[/x] [bold]”", "[@click=app.quit]X[/] [/x]")
        browser.query_one("#results").focus()
        await pilot.press("enter")  # the card, read-only
        await settle(pilot)
        assert isinstance(app.screen, CardScreen)
        assert_shown(app, CARD_TITLE, QUESTION, f"{CHAPTER} · {DECK}")
        await pilot.press("escape", "escape")
        await settle(pilot)

        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, NotesScreen)
        await pilot.press("down", "down", "down")  # the deck, its title, chapter, section
        await settle(pilot)
        assert_shown(app, NOTES_DECK, "Chapter [/x] [bold]1", SECTION, f"{NOTES_DECK} · notes.md")
        assert_shown(app, f"A bullet {LINK} with [/x] and [bold].")
        await pilot.press("escape")
        await settle(pilot)

        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, StatsScreen)
        assert app.screen.document is not None
        assert_shown(app, "Chapter [/x] [bold]1 [@…", "[@click=app.quit]X[/] car…")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert app.is_running and app.return_code is None
