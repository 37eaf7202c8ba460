"""The real clock: what every part of the app passes as "now" when a test does not fix it.

Scheduling and statistics take "now" as an argument (always an aware UTC datetime); only the
entry points (CLI, TUI, demo runner) read the wall clock, through this one function.
"""

from __future__ import annotations

import datetime as dt


def utc_now() -> dt.datetime:
    """The current time, timezone-aware, in UTC."""
    return dt.datetime.now(dt.UTC)
