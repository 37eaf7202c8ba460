"""Short human-readable times, durations and rates for the screens (no Textual import)."""

from __future__ import annotations

import datetime as dt

from studyapp.domain.scheduling import SchedulerSettings, format_interval, study_zone


def format_duration(duration: dt.timedelta) -> str:
    seconds = round(duration.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {seconds:02d}s"
    return f"{seconds}s"


def format_percent(rate: float | None) -> str:
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
    """`text` cut to `width` cells with an ellipsis."""
    return text if len(text) <= width else text[: width - 1] + "…"
