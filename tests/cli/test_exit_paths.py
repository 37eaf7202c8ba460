"""How commands end: Ctrl-C in any command is status 130 and one line (a command that chooses
130 itself, as a cancelled demo does, says its own), and the TUI ending on an unhandled
exception is a non-zero status, not 0."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from textual.app import App

import studyapp.store.listing
import studyapp.tui.app
from tests.cli.conftest import run_cli


def test_ctrl_c_in_a_command_is_one_line_and_status_130(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(studyapp.store.listing, "list_decks", interrupted)
    result = run_cli(str(tmp_path / "study.db"), "decks")
    assert result.exit_code == 130
    assert result.one_line() == "studyapp: interrupted"
    assert result.stdout == ""


def test_a_command_that_chooses_130_says_only_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def cancelled(*_args: object, **_kwargs: object) -> None:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt:
            raise typer.Exit(130) from None

    monkeypatch.setattr(studyapp.store.listing, "list_decks", cancelled)
    result = run_cli(str(tmp_path / "study.db"), "decks")
    assert (result.exit_code, result.stderr) == (130, "")


def test_by_ctrl_c_follows_causes_not_suppressed_contexts() -> None:
    from studyapp.cli.interrupt import by_ctrl_c

    try:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as error:
            raise SystemExit(130) from error
    except SystemExit as exit:
        assert by_ctrl_c(exit)
    assert not by_ctrl_c(SystemExit(130))


class Headless(App[None]):
    """Runs without a terminal, whatever `run()` it is given."""

    def run(self, *args: object, **kwargs: object) -> None:
        super().run(headless=True)


class Crashing(Headless):
    """Fails as soon as it is mounted, like a screen with a bug."""

    def on_mount(self) -> None:
        raise RuntimeError("a bug in a screen")


class Quitting(Headless):
    def on_mount(self) -> None:
        self.exit()


def test_a_tui_crash_exits_non_zero(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(studyapp.tui.app, "make_app", lambda *_args, **_kwargs: Crashing())
    result = run_cli(str(tmp_path / "study.db"))
    assert result.exit_code == 1


def test_a_tui_that_quits_exits_zero(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(studyapp.tui.app, "make_app", lambda *_args, **_kwargs: Quitting())
    assert run_cli(str(tmp_path / "study.db")).exit_code == 0
