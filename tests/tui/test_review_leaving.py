"""Pilot tests of leaving a card in review and coming back: the editor round trip re-imports
the card's file, `n` opens its notes section, `d` and the side panel launch its demo."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import Markdown, OptionList

from studyapp.store.opening import Store
from studyapp.tui.app import StudyApp
from studyapp.tui.screens.notes import NotesScreen
from tests.tui.conftest import card_id, running, settle
from tests.tui.test_review import MLE, MLP, card, review_screen, shown, start_review


class TestEditNotesDemo:
    async def test_editor_round_trip_reimports_and_refreshes_the_card(
        self,
        make: Callable[..., StudyApp],
        study_store: Store,
        deck_files: list[Path],
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        calls = tmp_path / "editor-calls.txt"
        script = tmp_path / "fake_editor.py"
        script.write_text(
            textwrap.dedent(
                f"""
                import pathlib, sys
                line, path = sys.argv[1], pathlib.Path(sys.argv[2])
                pathlib.Path({str(calls)!r}).write_text(line + " " + str(path))
                text = path.read_text()
                path.write_text(text.replace("equivalently they minimise", "EDITED: minimise"))
                """
            )
        )
        monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
        monkeypatch.delenv("VISUAL", raising=False)
        app = make()
        first = card_id(study_store, MLE)
        async with running(app) as pilot:
            screen = await start_review(pilot)
            await pilot.press("e")
            await settle(pilot)
            assert calls.read_text() == f"+11 {deck_files[0]}"
            assert screen.current is not None and screen.current.card_id == first
            assert "EDITED: minimise" in screen.current.answer
            await pilot.press("space")
            await pilot.pause()
        assert "EDITED: minimise" in card(study_store, first).answer
        assert card(study_store, first).state == "new"

    async def test_notes_jump_and_back(
        self, make: Callable[..., StudyApp], study_store: Store
    ) -> None:
        app = make()
        first = card_id(study_store, MLE)
        async with running(app) as pilot:
            await start_review(pilot)
            for back_key in ("escape", "backspace"):
                await pilot.press("n")
                await settle(pilot)
                notes = app.screen
                assert isinstance(notes, NotesScreen)
                assert notes.shown_section is not None
                assert notes.outline is not None
                titles = {s.section_id: s.title for s in notes.outline.sections}
                assert titles[notes.shown_section] == "Likelihood"
                await pilot.press(back_key)
                await settle(pilot)
                assert shown(app) == first

    async def test_demo_key_list_and_link_call_the_launch_demo_hook(
        self, make: Callable[..., StudyApp], study_store: Store
    ) -> None:
        """`d`, choosing the demo in the side panel, and clicking `[run the demo](demo:...)`
        in the answer each launch it for the card shown."""
        app = make()
        launched: list[tuple[int, str]] = []
        app.launch_demo = lambda card_id_, name: launched.append((card_id_, name))  # type: ignore[method-assign, assignment]
        async with running(app) as pilot:
            # Home: the book deck's second chapter holds the MLP card.
            await pilot.press("down", "down", "enter")
            await settle(pilot)
            assert shown(app) == card_id(study_store, MLP)
            screen = review_screen(app)
            assert screen.label == "Fixture Book › Chapter 2: Deep Learning"
            await pilot.press("d")
            await settle(pilot)
            screen.query_one("#demos", OptionList).action_select()
            await settle(pilot)
            view = screen.current_view()
            assert view is not None
            answer = view.query_one(".card-answer", Markdown)
            answer.post_message(Markdown.LinkClicked(answer, "demo:mlp-cifar10"))
            await settle(pilot)
        assert launched == [(card_id(study_store, MLP), "mlp-cifar10")] * 3

    async def test_demo_key_without_a_demo_says_so(
        self, make: Callable[..., StudyApp], study_store: Store
    ) -> None:
        app = make()
        launched: list[tuple[int, str]] = []
        app.launch_demo = lambda card_id_, name: launched.append((card_id_, name))  # type: ignore[method-assign, assignment]
        async with running(app) as pilot:
            await start_review(pilot)
            await pilot.press("d")
            await settle(pilot)
            assert any("No demo" in n.message for n in app._notifications)
        assert launched == []
