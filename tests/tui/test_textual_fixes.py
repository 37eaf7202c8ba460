"""The Textual workarounds hold: a card view that has left the screen is freed with everything
it drew (Textual #6665 kept the last 1,024 styles caches alive), and the app's startup objects
are frozen out of the garbage collector's full passes."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable

from studyapp.tui.app import StudyApp
from tests.tui.conftest import running
from tests.tui.test_review import answer, start_review


async def test_an_answered_cards_view_is_freed_with_its_styles_cache(
    make: Callable[..., StudyApp],
) -> None:
    async with running(make()) as pilot:
        screen = await start_review(pilot)
        view = screen.current_view()
        assert view is not None
        drawn = weakref.ref(view._styles_cache)
        gone = weakref.ref(view)
        del view
        await answer(pilot, 3)
        assert screen.current_view() is not None  # the next card's view
        gc.collect()
        assert gone() is None, "the answered card's view is still alive"
        assert drawn() is None, "the answered card's styles cache is still alive"


async def test_the_startup_heap_is_frozen_once_the_app_has_drawn(
    make: Callable[..., StudyApp],
) -> None:
    gc.unfreeze()  # an app of an earlier test froze the heap already
    assert gc.get_freeze_count() == 0
    async with running(make()):
        assert gc.get_freeze_count() > 0
