"""Statistics speed on the big database (100,000 cards, 1,000,000 answers).

Figures: `stats_document` for everything (best of 3, target ≤ 0.5 s), the same for one deck
and one chapter (no target), and the Stats screen from being pushed to drawn with the
document, in a headless `App.run_test()` (best of 3, target ≤ 1 s).

The cached database is upgraded in place with Alembic when it predates a migration (the
statistics indexes of 0003): it is a throwaway benchmark file, so the app's usual safety copy
before an upgrade (200 MB here) is skipped.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command

from bench.big_database import CHAPTERS, NOW, build
from bench.results_io import report
from db.engine import open_engine
from db.migrate import alembic_config, current_revision, head_revision
from studyapp.domain.scheduling import SchedulerSettings
from studyapp.store.opening import Store, open_store
from studyapp.store.statistics import stats_document

RUNS = 3
SETTINGS = SchedulerSettings(timezone="UTC")
SCREEN_SIZE = (110, 34)


def migrate(path: Path) -> float:
    """Bring the cached database to the newest schema; returns the seconds it took."""
    engine = open_engine(f"sqlite:///{path}")
    try:
        if current_revision(engine) == head_revision():
            return 0.0
        start = time.perf_counter()
        command.upgrade(alembic_config(engine), "head")
        return time.perf_counter() - start
    finally:
        engine.dispose()


def best_of(runs: int, action: Callable[[], Any]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def document_time(store: Store, **filters: str) -> float:
    def run() -> None:
        stats_document(store.sessions, NOW, SETTINGS, **filters)

    return best_of(RUNS, run)


async def screen_time(store: Store) -> float:
    """Seconds from pushing the Stats screen to its `Shown` message (document drawn)."""
    from textual.app import App

    from studyapp.tui.messages import StatsShown
    from studyapp.tui.screens.stats import StatsScreen

    class Host(App[None]):
        def __init__(self) -> None:
            super().__init__()
            self.shown = asyncio.Event()

        def on_stats_shown(self, _message: StatsShown) -> None:
            self.shown.set()

    app = Host()
    async with app.run_test(size=SCREEN_SIZE) as pilot:
        await pilot.pause()
        start = time.perf_counter()
        app.push_screen(StatsScreen(store, now=lambda: NOW, settings=SETTINGS))
        await asyncio.wait_for(app.shown.wait(), 60)
        return time.perf_counter() - start


def main() -> int:
    start = time.perf_counter()
    path = build()
    built = time.perf_counter() - start
    migrated = migrate(path)
    store = open_store(str(path))
    try:
        stats_document(store.sessions, NOW, SETTINGS)  # warm the page cache once
        everything = document_time(store)
        one_deck = document_time(store, deck="Benchmark deck 7")
        one_chapter = document_time(store, chapter=CHAPTERS[2])
        screen = min(asyncio.run(screen_time(store)) for _ in range(RUNS))
    finally:
        store.close()
    figures = [
        {
            "name": "stats_document, all cards",
            "value": everything,
            "unit": "s",
            "target": "≤ 0.5 s",
            "ok": everything <= 0.5,
        },
        {"name": "stats_document, one deck (1,000 cards)", "value": one_deck, "unit": "s"},
        {"name": "stats_document, one chapter (7,143 cards)", "value": one_chapter, "unit": "s"},
        {
            "name": "Stats screen, push to drawn",
            "value": screen,
            "unit": "s",
            "target": "≤ 1 s",
            "ok": screen <= 1.0,
        },
    ]
    return report(
        "stats",
        figures,
        {
            "cards": 100_000,
            "reviews": 1_000_000,
            "runs": RUNS,
            "database_build_or_cache_s": round(built, 2),
            "migration_s": round(migrated, 2),
        },
    )
