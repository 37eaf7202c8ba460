"""Review speed on 100,000 cards and 1,000,000 review-log rows (bench/big_database.py).

* cold start: `studyapp review` launched in a real terminal (tmux) until the first question is
  on screen; target ≤ 1.0 s. `python -c "import textual"` is timed beside it.
* answer latency: rating key to the next question drawn, as the review screen measures it
  (headless Pilot run); targets ≤ 15 ms median and ≤ 50 ms p99.
* memory: peak RSS of the app process during the answers.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

from bench.big_database import WORK, build_apart
from bench.results_io import report

ANSWERS = 300
QUESTION_MARK = "What does component"


def python_import_textual() -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import textual"], check=True)
        best = min(best, time.perf_counter() - start)
    return best


def cold_start(database: Path) -> float:
    """Seconds from launching `studyapp review` in tmux to the first question on screen."""
    studyapp = str(Path(sys.executable).with_name("studyapp"))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env["STUDYAPP_DB"] = str(database)
    times = []
    for _ in range(3):
        socket = f"bench-{uuid.uuid4().hex[:8]}"
        tmux = ["tmux", "-L", socket]
        try:
            start = time.perf_counter()
            # The app is the window's own command (no shell in between), as a terminal runs it.
            subprocess.run(
                [
                    *tmux,
                    "new-session",
                    "-d",
                    "-s",
                    "b",
                    "-x",
                    "120",
                    "-y",
                    "40",
                    f"exec {studyapp} review",
                ],
                check=True,
                env=env,
            )
            while True:
                screen = subprocess.run(
                    [*tmux, "capture-pane", "-p", "-t", "b"], capture_output=True, text=True
                ).stdout
                if QUESTION_MARK in screen:
                    times.append(time.perf_counter() - start)
                    break
                if time.perf_counter() - start > 30:
                    raise RuntimeError(f"no question after 30 s:\n{screen}")
        finally:
            subprocess.run([*tmux, "kill-server"], capture_output=True)
    return min(times)


async def answer_latencies(database: Path) -> list[float]:
    from studyapp.store.opening import open_store
    from studyapp.tui.app import make_app
    from studyapp.tui.screens.review import ReviewScreen

    store = open_store(str(database))
    now = dt.datetime(2026, 11, 21, 12, tzinfo=dt.UTC)
    app = make_app(store, start="review", now=lambda: now)
    async with app.run_test(size=(120, 40)) as pilot:
        while not isinstance(app.screen, ReviewScreen) or app.screen.current is None:
            await pilot.pause()
        screen = app.screen
        for _ in range(ANSWERS):
            await pilot.press("space")
            await pilot.press("3")
            while len(screen.latencies_ms) < _ + 1 and screen.current is not None:
                await pilot.pause()
        latencies = list(screen.latencies_ms)
    store.close()
    return latencies


def main() -> int:
    big = build_apart()
    database = WORK / "review-bench.db"
    shutil.copy(big, database)
    try:
        textual_import = python_import_textual()
        start = cold_start(database)
        latencies = asyncio.run(answer_latencies(database))
    finally:
        for leftover in WORK.glob("review-bench.db*"):
            leftover.unlink()
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    median = statistics.median(ordered)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures = [
        {"name": "python -c 'import textual'", "value": textual_import, "unit": "s"},
        {
            "name": "cold start to first question",
            "value": start,
            "unit": "s",
            "target": "≤ 1.0 s",
            "ok": start <= 1.0,
        },
        {
            "name": "answer → next question, median",
            "value": median,
            "unit": "ms",
            "target": "≤ 15 ms",
            "ok": median <= 15,
        },
        {
            "name": "answer → next question, p99",
            "value": p99,
            "unit": "ms",
            "target": "≤ 50 ms",
            "ok": p99 <= 50,
        },
        {"name": "peak memory (RSS, app in-process)", "value": peak_mb, "unit": "MB"},
    ]
    return report(
        "review", figures, {"answers": len(latencies), "cards": 100_000, "reviews": 1_000_000}
    )
