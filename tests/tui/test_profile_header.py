"""The header says whose schedule is open when it is not the default learner's."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Header

from studyapp.store.opening import open_store
from studyapp.tui.app import make_app
from tests.tui.conftest import SIZE


async def test_the_header_names_a_profile_other_than_the_default(tmp_path: Path) -> None:
    database = str(tmp_path / "t.db")
    for profile, expected in (("default", "studyapp"), ("ana", "studyapp · ana")):
        store = open_store(database, profile=profile)
        try:
            app = make_app(store, watch_library=False)
            async with app.run_test(size=SIZE) as pilot:
                await pilot.pause()
                assert app.screen.query_one(Header).screen_title == expected
        finally:
            store.close()
