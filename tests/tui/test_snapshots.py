"""Snapshot tests of every screen (pytest-textual-snapshot) at 80×24 and at 200×60, the clock
fixed at 2026-03-02 12:00 UTC, on the fixture deck. Each docstring says what the picture must
show at both sizes; below 100 columns the side panels fold away, and above it card text stays
about 100 columns wide.

Regenerate after a deliberate change with `pytest tests/tui/test_snapshots.py --snapshot-update`
and look at the report before committing the SVGs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from studyapp.demos.runner import SUCCEEDED, DemoRequest
from studyapp.domain.scheduling import SchedulerSettings
from studyapp.store import card_actions
from studyapp.tui.app import StudyApp
from studyapp.tui.screens.demo import DemoScreen
from tests.tui.conftest import START, card_id, settle

SIZES = {"80x24": (80, 24), "200x60": (200, 60)}
every_size = pytest.mark.parametrize("size", list(SIZES.values()), ids=list(SIZES))


async def steady(pilot: Pilot[Any]) -> None:
    """Workers done and no blinking cursor, so the picture is the same on every run."""
    await settle(pilot)
    for widget in pilot.app.screen.query(Input):
        widget.cursor_blink = False
    for area in pilot.app.screen.query(TextArea):
        area.cursor_blink = False
    await pilot.pause()


def keys(*presses: str) -> Callable[[Pilot[Any]], object]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await steady(pilot)
        for key in presses:
            await pilot.press(key)
            await steady(pilot)

    return run_before


FIVE_EASY = ["space", "4"] * 5


@every_size
class TestHome:
    def test_home(self, snap_compare, make: Callable[..., StudyApp], size) -> None:  # type: ignore[no-untyped-def]
        """Home: "Fixture Book" (chapters 1 and 2) and "Fixture notes" (chapter 2) with the
        whole New / Learn / Due columns at both sizes (4 0 0 for the book, 3 and 1 for its
        chapters, 1 for the notes), the Due column ending at the panel's right edge at 80×24.
        At 80×24 the Today panel is folded away; at 200×60 it shows 0 reviews, en dashes for
        the again rate and next due, and 5 new cards still to study."""
        assert snap_compare(make(), terminal_size=size, run_before=keys())


@every_size
class TestReview:
    def test_question_side(self, snap_compare, make: Callable[..., StudyApp], size) -> None:  # type: ignore[no-untyped-def]
        """Review, question side: title "Maximum likelihood estimation", the line "Chapter 1:
        Generative Modeling · Fixture Book · book.md:11", the context with rendered math
        ("θ̂ = arg max_θ p(D|θ)", no dollar signs), then the question; a single "Show answer
        (space)" button; top bar "New 5 Learning 0 Due 0". At 80×24 the card fills the width
        (no side panel); at 200×60 the text stands in a centred column about 100 wide and the
        side panel lists "Likelihood" first under Related notes."""
        assert snap_compare(make(), terminal_size=size, run_before=keys("r"))

    def test_answer_side(self, snap_compare, make: Callable[..., StudyApp], size) -> None:  # type: ignore[no-untyped-def]
        """Review, answer side of the same card: below a dashed rule the answer with its
        math rendered ("values θ that maximize the likelihood function p(D|θ) ... -log
        p(D|θ)"), in view at both sizes, and four buttons "1 Again 1m", "2 Hard 6m", "3 Good
        10m", "4 Easy 8d"."""
        assert snap_compare(make(), terminal_size=size, run_before=keys("r", "space"))

    def test_code_and_demo(self, snap_compare, make: Callable[..., StudyApp], size) -> None:  # type: ignore[no-untyped-def]
        """The fourth card's answer after three Easy answers (top bar "New 2"): revealing
        scrolled to it, so the dashed rule is at the top of the card at 80×24, followed by
        the MLP answer and its Python fence, in which "$\\theta$" stays raw. At 200×60 all of
        the card fits and "mlp-cifar10" is listed and highlighted under Demos."""
        presses = ["r"] + ["space", "4"] * 3 + ["space"]
        assert snap_compare(make(), terminal_size=size, run_before=keys(*presses))

    def test_waiting_for_a_learning_card(
        self, snap_compare, make: Callable[..., StudyApp], size
    ) -> None:  # type: ignore[no-untyped-def]
        """After an Again on the first card and Easy on the other four, only the Again card
        is left and it is not due: "Next card in 1:00", "A learning card is due then, as its
        button said: it is not shown before.", "esc: Home"; top bar "New 0 Learning 1 Due
        0"."""
        presses = ["r", "space", "1"] + ["space", "4"] * 4
        assert snap_compare(make(), terminal_size=size, run_before=keys(*presses))

    def test_session_summary(self, snap_compare, make: Callable[..., StudyApp], size) -> None:  # type: ignore[no-untyped-def]
        """Session summary after all five cards answered Easy: a green box "Session
        complete" with Scope "All decks", Cards reviewed 5, Time 0s (the clock is frozen),
        Again rate 0%, Next due "in 8d (Mar 10 12:00)", and "enter: home u: undo the last
        change"."""
        assert snap_compare(make(), terminal_size=size, run_before=keys("r", *FIVE_EASY))


@every_size
class TestNotesBrowserCard:
    def test_notes_section(self, snap_compare, make: Callable[..., StudyApp], size) -> None:  # type: ignore[no-untyped-def]
        """Notes: the section tree (Fixture notes › Chapter 1 › Likelihood, Latent variables;
        Chapter 2 › Convolutions) with "Likelihood" highlighted, and on the right its title,
        "Fixture notes · notes.md:10" and the bullets with "θ" and "p(D|θ)" rendered."""
        presses = ("n", "down", "down", "down")
        assert snap_compare(make(), terminal_size=size, run_before=keys(*presses))

    def test_browser_search(self, snap_compare, make: Callable[..., StudyApp], size) -> None:  # type: ignore[no-untyped-def]
        """Browser: "likelihood" in the search box, the deck / chapter / state filters on one
        line and the Due now / Suspended / Flagged / Buried boxes on the next, one row whose
        Card column shows the question ("What does maximum likelihood estimation choose?",
        cut with an ellipsis at 80×24), state "new", and "1 card for “likelihood”". The State,
        Due and Flag columns are on screen at 80×24 (the Chapter column gives way); at
        200×60 Deck, Chapter and Card share the width."""
        presses = ["b", *"likelihood"]
        assert snap_compare(make(), terminal_size=size, run_before=keys(*presses))

    def test_card_screen(self, snap_compare, make: Callable[..., StudyApp], size) -> None:  # type: ignore[no-untyped-def]
        """The card screen of the first card, flagged red and suspended from the browser: the
        meta line starts "⚑ red  suspended  Chapter 1: Generative Modeling" (the flag never
        wraps away), question and answer both shown; the footer lists n Notes, @, -, i, u."""

        async def run_before(pilot: Pilot[Any]) -> None:
            await keys("b", "ctrl+t", "ctrl+1", "at", "enter")(pilot)
            pilot.app.clear_notifications()  # the toasts time out: not in the picture
            await steady(pilot)

        assert snap_compare(make(), terminal_size=size, run_before=run_before)

    def test_card_info(self, snap_compare, make: Callable[..., StudyApp], size) -> None:  # type: ignore[no-untyped-def]
        """Card info of the first card after an Again and a Good two days ago: its question,
        "Fixture Book · book.md:11", State learning, Due "now (Feb 28 12:10)", Stability "6h
        (0.2 days)", Difficulty "6.40 of 10", Recall today 71%, "Answers 2 (0 lapses)", and a
        Review history table with two rows at 2026-02-28 12:00: Again (new, 1m) and Good
        (learning, 10m)."""

        async def run_before(pilot: Pilot[Any]) -> None:
            app = pilot.app
            assert isinstance(app, StudyApp)
            first = card_id(app.store, "What does maximum likelihood")  # type: ignore[arg-type]
            settings = SchedulerSettings(timezone="UTC", fuzz=False)
            two_days_ago = START - dt.timedelta(days=2)
            card_actions.answer(app.store.sessions, first, 1, now=two_days_ago, settings=settings)
            card_actions.answer(app.store.sessions, first, 3, now=two_days_ago, settings=settings)
            await steady(pilot)
            app.open_card_info(first)
            await steady(pilot)

        assert snap_compare(make(), terminal_size=size, run_before=run_before)

    def test_due_date(self, snap_compare, make: Callable[..., StudyApp], size) -> None:  # type: ignore[no-untyped-def]
        """Set due date, from the card screen: "Make the card due on:" and an input with
        "+7" typed; no error."""
        presses = ["b", "ctrl+t", "enter", "D", "plus", "7"]
        assert snap_compare(make(), terminal_size=size, run_before=keys(*presses))


@every_size
class TestHomeForms:
    def test_custom_study(self, snap_compare, make: Callable[..., StudyApp], size) -> None:  # type: ignore[no-untyped-def]
        """Custom study of "Fixture Book": four options, each with a dim hint (Extra new
        cards today, Today's Agains, Flagged cards, Cram "nothing is rescheduled or logged"),
        the first highlighted, and "Extra new cards: 10" below."""
        assert snap_compare(make(), terminal_size=size, run_before=keys("c"))

    def test_add_card(self, snap_compare, make: Callable[..., StudyApp], size) -> None:  # type: ignore[no-untyped-def]
        """Add a card: Deck file "Fixture notes (notes.md)", Kind "basic", a Front input
        holding "What is a kernel?", an empty Back area and the hint "front: the question;
        back: the answer"; ^s Add in the footer."""
        assert snap_compare(make(), terminal_size=size, run_before=keys("a", *"What is a kernel?"))

    def test_deck_limits(self, snap_compare, make: Callable[..., StudyApp], size) -> None:  # type: ignore[no-untyped-def]
        """Deck limits of "Fixture Book": New cards per day with the placeholder "20
        (global)", Reviews per day "200 (global)", and "Leave a field blank to use the global
        limit."."""
        assert snap_compare(make(), terminal_size=size, run_before=keys("l"))


@every_size
class TestSettings:
    def test_form(self, snap_compare, make: Callable[..., StudyApp], size) -> None:  # type: ignore[no-untyped-def]
        """Settings: ten labelled fields with the stored values (0.90, 20, 200, "1 10", "10",
        36500, 4, UTC, yes, 60), the first one focused; Save / Back buttons (below the fold
        at 80×24, where the form scrolls); no error text."""
        assert snap_compare(make(), terminal_size=size, run_before=keys("s"))

    def test_invalid_input(self, snap_compare, make: Callable[..., StudyApp], size) -> None:  # type: ignore[no-untyped-def]
        """Settings after saving a retention of 1.5: the red text "Not saved:" and "•
        desired retention must be between 0.70 and 0.99" under the form (scrolled into view
        at 80×24); no traceback."""

        async def run_before(pilot: Pilot[Any]) -> None:
            await steady(pilot)
            await pilot.press("s")
            await steady(pilot)
            pilot.app.screen.query_one("#desired_retention", Input).value = "1.5"
            await pilot.press("ctrl+s")
            await steady(pilot)
            pilot.app.screen.query_one("#settings-errors").scroll_visible(animate=False)
            await steady(pilot)

        assert snap_compare(make(), terminal_size=size, run_before=run_before)


@every_size
class TestHelpAndStats:
    def test_keys(self, snap_compare, make: Callable[..., StudyApp], size) -> None:  # type: ignore[no-untyped-def]
        """Help, generated from the BINDINGS, keys as the footer writes them. At 80×24 one
        column: Everywhere (?, ^q, tab, shift+tab, "^c, super+c", ^p Command palette), then
        Home (r, c Custom study, a Add card, b, n, l Deck limits, s, t, "u, ^z" Undo, p Today
        panel, q), a scrollbar for the rest. At 200×60 two columns: Everywhere beside Home
        (with ⏎ and space for the tree), Review beside Session summary (Review: space, ⏎
        "Show answer, then Good", 1-4, "u, ^z" Undo, "s, @" Suspend, "b, -" Bury, f, ^1-^4
        flags, i Card info, e, n, d, p Side panel, esc, arrows, page keys), Notes beside
        Browser (/, ^t, space Select, @, -, ^1-^4, N Reset to new, ...)."""
        assert snap_compare(make(), terminal_size=size, run_before=keys("question_mark"))

    def test_keys_scrolled_to_the_end(
        self, snap_compare, make: Callable[..., StudyApp], size
    ) -> None:  # type: ignore[no-untyped-def]
        """Help scrolled to the end: at 80×24 the Settings keys (^s Save, esc, ⏎ Save), Stats
        (b, r, esc, ⏎), Demo ("c, ^c" Cancel run, [, ], o, esc Close) and "Keys (this page)"
        with "esc, q" Back; at 200×60 from the Browser and Card sections (N Reset to new, D
        Set due date, i Card info, "u, ^z" Undo) down to the same last sections in pairs."""

        async def run_before(pilot: Pilot[Any]) -> None:
            await keys("question_mark")(pilot)
            pilot.app.screen.query_one("#help-body").scroll_end(animate=False)
            await steady(pilot)

        assert snap_compare(make(), terminal_size=size, run_before=run_before)

    def test_stats(self, snap_compare, make: Callable[..., StudyApp], size) -> None:  # type: ignore[no-untyped-def]
        """Stats after five Easy answers today: Today (Answers 5, Streak "1 day", Longest "1
        day"), the heatmap with as many weeks as fit (21 at 80×24, a year at 200×60) and a
        bright cell for today, the forecast, the retention chart's "no answers" line, and
        the two tables, which at 200×60 stretch to the width and fill the height."""
        assert snap_compare(
            make(), terminal_size=size, run_before=keys("r", *FIVE_EASY, "enter", "t")
        )


@every_size
class TestDemo:
    def test_demo_run(  # type: ignore[no-untyped-def]
        self,
        snap_compare,
        make: Callable[..., StudyApp],
        size,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """The demo screen after a finished lesson run of the fake demo tests/fake_demos/lesson
        (a download, three epochs with a picture after each, a passed lesson), launched for
        the MLP card; its times from the app's frozen clock, its paths under the test's home
        folder (`~`). Head: "fake_lesson", "fake_lesson · lesson · data offline · 3 epochs",
        the green status "Succeeded in 0.0 s · test_accuracy 0.93", the green "Lesson passed:
        test_accuracy = 0.93 (goal test_accuracy target 0.9)", "device: tensorflow on CPU:0
        (float32)   data: fake-digits", and the full progress bar at 100% with the ETA
        "--:--:--" (at 200×60 followed by "2.0 MB of 2.0 MB"). Body: the plot of "epoch
        loss" falling from 1.00 to 0.33 over epochs 1 to 3 beside the pictures pane,
        captioned "samples after epoch 3/3 (latest)", over the last epoch's flat yellow
        picture. The log ends "run 1 succeeded; files in ~/runs/1-fake_lesson"; at 200×60 it
        all shows, from "run 1: python -m tests.fake_demos.lesson --epochs 3 --lesson --data
        offline ... --out ~/runs/1-fake_lesson" through the download, the dataset, the
        artifacts relative to the run folder ("epochs/samples_000.png"), epochs 1 to 3 and
        "done test_accuracy 0.93"."""
        home = tmp_path / "home"
        home.mkdir()
        monkeypatch.setenv("HOME", str(home))

        async def run_before(pilot: Pilot[Any]) -> None:
            await steady(pilot)
            app = pilot.app
            assert isinstance(app, StudyApp)
            request = DemoRequest(
                "fake_lesson",
                card_id=card_id(app.store, "Write the Keras MLP"),
                lesson=True,
                epochs=3,
                data="offline",
            )
            screen = DemoScreen(
                app.store, request, module="tests.fake_demos.lesson", artifacts_root=home / "runs"
            )
            app.push_screen(screen)
            await steady(pilot)  # settled: the run's worker is done and its messages handled
            assert screen.result is not None and screen.result.status == SUCCEEDED
            assert screen.query_one("#demo-epoch-image").region.area

        assert snap_compare(make(), terminal_size=size, run_before=run_before)
