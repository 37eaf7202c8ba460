"""The library watcher on its own, without an app: it reports a change to a watched file, and
it still does when watchfiles cannot be loaded (not installed, or the CPython 3.11 AST race
that makes importing it raise SystemError). Each test waits on an event, never a sleep."""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import pytest

from studyapp.tui.library_watch import LibraryWatcher


class FailingImport(importlib.abc.MetaPathFinder):
    """Makes `import watchfiles` raise the given error."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname == "watchfiles":
            raise self.error
        return None


@pytest.fixture
def deck(tmp_path: Path) -> Path:
    path = tmp_path / "deck.md"
    path.write_text("- Stride: how far the kernel moves.\n")
    return path


def first_change(deck: Path) -> list[str]:
    reported: list[list[str]] = []
    seen = threading.Event()

    def on_change(paths: list[str]) -> None:
        reported.append(paths)
        seen.set()

    watcher = LibraryWatcher(lambda: [str(deck)], on_change)
    watcher.start()
    try:
        # The watcher must be watching before the edit; a few edits, each waited for, make
        # sure one lands after it started (the first may come before watchfiles is ready).
        for attempt in range(50):
            deck.write_text(f"- Stride: how far the kernel moves ({attempt}).\n")
            if seen.wait(0.2):
                break
        return reported[0] if reported else []
    finally:
        watcher.stop()


@pytest.mark.parametrize(
    "error",
    [
        ImportError("No module named 'watchfiles'"),
        SystemError("AST constructor recursion depth mismatch (before=84, after=77)"),
    ],
    ids=["not-installed", "ast-race"],
)
def test_a_change_is_reported_when_watchfiles_cannot_load(
    deck: Path, error: Exception, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(sys.modules, "watchfiles", raising=False)
    monkeypatch.setattr(sys, "meta_path", [FailingImport(error), *sys.meta_path])
    assert first_change(deck) == [str(deck.resolve())]


def test_a_change_is_reported_by_watchfiles(deck: Path) -> None:
    assert first_change(deck) == [str(deck.resolve())]
