"""Short human-readable times, durations, rates, metrics and labels (plain `str`).

Used by the CLI's tables and the TUI's screens alike; imports neither typer nor textual.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from studyapp.domain.scheduling import SchedulerSettings, format_interval, study_zone


def format_duration(duration: dt.timedelta) -> str:
    """ "1h 05m", "3m 07s" or "42s"."""
    seconds = round(duration.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {seconds:02d}s"
    return f"{seconds}s"


def format_percent(rate: float | None) -> str:
    """ "87%", or an en dash when there is no rate (nothing answered yet)."""
    return "–" if rate is None else f"{rate:.0%}"


def format_clock(when: dt.datetime | None, now: dt.datetime, settings: SchedulerSettings) -> str:
    """ "in 10m (14:20)", with the date when it is not today."""
    if when is None:
        return "–"
    local = when.astimezone(study_zone(settings))
    today = now.astimezone(study_zone(settings)).date()
    stamp = local.strftime("%H:%M") if local.date() == today else local.strftime("%b %d %H:%M")
    if when <= now:
        return f"now ({stamp})"
    return f"in {format_interval(when - now)} ({stamp})"


def shorten(text: str, width: int) -> str:
    """`text` on one line (each run of whitespace one space), cut to `width` with an ellipsis."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def metrics_text(values: Mapping[str, Any]) -> str:
    """A demo's metrics as "loss 0.25 · accuracy 0.91": the loss first, floats to 4 digits."""
    parts = []
    # The loss first: it is what a reader looks for, and the demos put it anywhere.
    ordered = sorted(values.items(), key=lambda item: item[0] != "loss")
    for key, value in ordered:
        if isinstance(value, float):
            parts.append(f"{key} {value:.4g}")
        elif isinstance(value, int | str) and not isinstance(value, bool):
            parts.append(f"{key} {value}")
    return " · ".join(parts)


def scope_label(document: Mapping[str, Any]) -> str:
    """What a statistics document covers: "Deck › Chapter", or "all decks"."""
    deck, chapter = document["filter"]["deck"], document["filter"]["chapter"]
    parts = [p for p in (deck, chapter) if p]
    return " › ".join(parts) if parts else "all decks"
