"""Snapshot tests of every screen (pytest-textual-snapshot), 110x34, clock fixed at
2026-03-02 12:00 UTC, on the fixture deck. Each docstring says what the picture must show.

Regenerate after a deliberate change with `pytest tests/tui/test_snapshots.py --snapshot-update`
and look at the report before committing the SVGs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from studyapp.tui.app import StudyApp
from tests.tui.conftest import SIZE, settle


async def steady(pilot: Pilot[Any]) -> None:
    """Workers done and no blinking cursor, so the picture is the same on every run."""
    await settle(pilot)
    for widget in pilot.app.screen.query(Input):
        widget.cursor_blink = False
    await pilot.pause()


def keys(*presses: str) -> Callable[[Pilot[Any]], object]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await steady(pilot)
        for key in presses:
            await pilot.press(key)
            await steady(pilot)

    return run_before


class TestHome:
    def test_home(self, snap_compare, make: Callable[..., StudyApp]) -> None:  # type: ignore[no-untyped-def]
        """Home: a tree with "Fixture Book" (chapters 1 and 2) and "Fixture notes" (chapter 2),
        columns New / Learn / Due (4 0 0 for the book, 3 and 1 for its chapters, 1 for the
        notes); the Today panel shows 0 reviews, an em dash for the again rate and next due,
        and 5 new cards still to study. The footer lists r, b, n, s, q and ?."""
        assert snap_compare(make(), terminal_size=SIZE, run_before=keys())


class TestReview:
    def test_question_side(self, snap_compare, make: Callable[..., StudyApp]) -> None:  # type: ignore[no-untyped-def]
        """Review, question side: title "Maximum likelihood estimation", the line "Chapter 1:
        Generative Modeling · Fixture Book · book.md:11", the context with rendered math
        ("observed data D, we aim to find θ such that:" and "θ̂ = arg max_θ p(D|θ)" on its own
        line, no dollar signs or backslashes), then the question. No answer, a single "Show
        answer (space)" button; top bar "New 5 Learning 0 Due 0"; related notes "Likelihood"
        first."""
        assert snap_compare(make(), terminal_size=SIZE, run_before=keys("r"))

    def test_answer_side(self, snap_compare, make: Callable[..., StudyApp]) -> None:  # type: ignore[no-untyped-def]
        """Review, answer side of the same card: below a dashed rule the answer with its math
        rendered and spaced ("values θ that maximize the likelihood function p(D|θ) of the
        observed data D; ... -log p(D|θ)"), and four buttons "1 Again 1m", "2 Hard 6m",
        "3 Good 10m", "4 Easy 8d"."""
        assert snap_compare(make(), terminal_size=SIZE, run_before=keys("r", "space"))

    def test_code_and_demo(self, snap_compare, make: Callable[..., StudyApp]) -> None:  # type: ignore[no-untyped-def]
        """Review of the fourth card (after three Easy answers; top bar "New 2"): the MLP
        answer with a syntax-highlighted Python fence in which "$\\theta$" stays raw, a
        scrollbar because the answer is longer than the view, and "mlp-cifar10" listed and
        highlighted under Demos."""
        presses = ["r"] + ["space", "4"] * 3 + ["space"]
        assert snap_compare(make(), terminal_size=SIZE, run_before=keys(*presses))

    def test_session_summary(self, snap_compare, make: Callable[..., StudyApp]) -> None:  # type: ignore[no-untyped-def]
        """Session summary after all five cards (one Again then Easy on the second card): a
        green box "Session complete" with Scope "All decks", Cards reviewed 6, Time 0s (the
        clock is frozen), Again rate 17%, Next due "in 1d (Mar 03 12:00)"."""
        presses = ["r", "space", "4", "space", "1", "space", "4"]
        presses += ["space", "4"] * 3
        assert snap_compare(make(), terminal_size=SIZE, run_before=keys(*presses))


class TestNotes:
    def test_notes_section(self, snap_compare, make: Callable[..., StudyApp]) -> None:  # type: ignore[no-untyped-def]
        """Notes: the section tree (Fixture notes › Chapter 1 › Likelihood, Latent variables;
        Chapter 2 › Convolutions) with "Likelihood" highlighted, and on the right its title,
        "Fixture notes · notes.md:10" and the bullets with "θ" and "p(D|θ)" rendered."""
        assert snap_compare(
            make(), terminal_size=SIZE, run_before=keys("n", "down", "down", "down")
        )


class TestBrowser:
    def test_search(self, snap_compare, make: Callable[..., StudyApp]) -> None:  # type: ignore[no-untyped-def]
        """Browser: "likelihood" typed in the search box, the deck / chapter / state filters
        and the Due now / Suspended checkboxes, one result row (Fixture Book, Chapter 1,
        "Maximum likelihood estimation", new) and "1 card for “likelihood”" below."""
        presses = ["b", *"likelihood"]
        assert snap_compare(make(), terminal_size=SIZE, run_before=keys(*presses))


class TestSettings:
    def test_form(self, snap_compare, make: Callable[..., StudyApp]) -> None:  # type: ignore[no-untyped-def]
        """Settings: eight labelled fields with the stored values (0.90, 20, 200, "1 10",
        "10", 36500, 4, UTC) and Save / Back buttons; no error text."""
        assert snap_compare(make(), terminal_size=SIZE, run_before=keys("s"))

    def test_invalid_input(self, snap_compare, make: Callable[..., StudyApp]) -> None:  # type: ignore[no-untyped-def]
        """Settings after saving a retention of 1.5: the red text "Not saved:" and "•
        desired retention must be between 0.70 and 0.99" under the form; no traceback."""

        async def run_before(pilot: Pilot[Any]) -> None:
            await steady(pilot)
            await pilot.press("s")
            await steady(pilot)
            pilot.app.screen.query_one("#desired_retention", Input).value = "1.5"
            await pilot.press("ctrl+s")
            await steady(pilot)

        assert snap_compare(make(), terminal_size=SIZE, run_before=run_before)


class TestHelp:
    def test_keys(self, snap_compare, make: Callable[..., StudyApp]) -> None:  # type: ignore[no-untyped-def]
        """Help, generated from the BINDINGS, keys written as the footer writes them, in two
        columns: Everywhere (?, ^q, tab, shift+tab, "^c, super+c", ^p Command palette) beside
        Home (r, b, n, s, t Stats, q, then ⏎ and space for the deck tree); below, Review
        (space, 1 Again ... 4 Easy, u, s, b, f, e, n, d, esc, then ↑ ↓ pgup pgdn home end)
        beside Session summary ("⏎, esc" Home, u). A scrollbar: the rest is below."""
        assert snap_compare(make(), terminal_size=SIZE, run_before=keys("question_mark"))

    def test_keys_scrolled_to_the_end(self, snap_compare, make: Callable[..., StudyApp]) -> None:  # type: ignore[no-untyped-def]
        """Help scrolled to the end: Notes ("esc, ⌫" Back, tab, ⏎, space) beside Browser
        (/, ^t, esc, ⏎ Open the card); Card (n, "esc, ⌫") beside Settings (^s Save, esc,
        ⏎ Save); Stats (b Browse, r Reload, esc, ⏎) beside Demo ("c, ^c" Cancel run, esc
        Close); last "Keys (this page)" with "esc, q" Back."""

        async def run_before(pilot: Pilot[Any]) -> None:
            await keys("question_mark")(pilot)
            pilot.app.screen.query_one("#help-body").scroll_end(animate=False)
            await steady(pilot)

        assert snap_compare(make(), terminal_size=SIZE, run_before=run_before)
