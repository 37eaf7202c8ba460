"""Text pictures of statistics: the calendar heatmap, forecast bars, retention chart and
mastery bar, as rich `Text`, so the CLI prints them and the Stats screen shows them.

Input is the plain data of `studyapp.store.statistics.stats_document`; imports rich only
(never typer or textual).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from rich.text import Text

HEAT_CHARS = "·░▒▓█"
HEAT_STYLES = ("grey42", "green4", "green3", "green1", "bold bright_green")
BAR_EIGHTHS = " ▁▂▃▄▅▆▇█"
WEEKDAY_LABELS = ("Mon", "", "Wed", "", "Fri", "", "Sun")


def heat_level(count: int, peak: int) -> int:
    """0 for no answers, then 1-4 by quarter of the busiest day."""
    if count <= 0 or peak <= 0:
        return 0
    return min(4, 1 + (4 * count - 1) // peak)


def heatmap_text(days: list[dict[str, Any]], weeks: int = 26, cell: int = 1) -> Text:
    """An Anki/GitHub-style calendar: one column per week (Monday on top), today last."""
    if not days:
        return Text("No days.")
    counts = {dt.date.fromisoformat(day["date"]): int(day["reviews"]) for day in days}
    first, today = min(counts), max(counts)
    peak = max(counts.values())
    last_monday = today - dt.timedelta(days=today.weekday())
    mondays = [last_monday - dt.timedelta(weeks=weeks - 1 - n) for n in range(weeks)]
    text = Text()
    # Each month's name over the first week that ends in it (or the next one with room).
    months = [" "] * (weeks * cell)
    labelled = None
    for n, monday in enumerate(mondays):
        sunday = monday + dt.timedelta(days=6)
        at = n * cell
        free = at + 3 <= len(months) and all(c == " " for c in months[max(0, at - 1) : at + 3])
        if sunday.month != labelled and free:
            months[at : at + 3] = list(sunday.strftime("%b"))
            labelled = sunday.month
    text.append("    " + "".join(months).rstrip() + "\n", style="dim")
    for weekday in range(7):
        text.append(f"{WEEKDAY_LABELS[weekday]:<4}", style="dim")
        for monday in mondays:
            day = monday + dt.timedelta(days=weekday)
            if day > today or day < first:
                text.append(" " * cell)
                continue
            level = heat_level(counts.get(day, 0), peak)
            text.append(HEAT_CHARS[level] * cell, style=HEAT_STYLES[level])
        text.append("\n")
    text.append("    less ", style="dim")
    for level, char in enumerate(HEAT_CHARS):
        text.append(char, style=HEAT_STYLES[level])
    text.append(f" more   busiest day {peak} answers", style="dim")
    return text


def bars_text(values: list[int], height: int = 6, gap: int = 1) -> Text:
    """Vertical bars in eighth blocks, with the peak on the axis and day ticks below."""
    peak = max(values, default=0)
    axis = max(len(str(peak)), 1)
    step = 1 + gap
    text = Text()
    for row in range(height - 1, -1, -1):
        label = str(peak) if row == height - 1 else ("0" if row == 0 else "")
        text.append(f"{label:>{axis}} ┤" if label else f"{'':>{axis}} │", style="dim")
        for value in values:
            eighths = round(value / peak * height * 8) if peak else 0
            if value and not eighths:
                eighths = 1  # a day with any card due stays visible
            fill = min(8, max(0, eighths - row * 8))
            text.append(BAR_EIGHTHS[fill], style="cyan")
            text.append(" " * gap)
        text.append("\n")
    text.append(" " * axis + " └" + "─" * (len(values) * step) + "\n", style="dim")
    ticks = [" "] * (len(values) * step + 2)
    for day in range(0, len(values), 7):
        label = "today" if day == 0 else f"+{day}"
        position = day * step
        if position + len(label) <= len(ticks):
            ticks[position : position + len(label)] = list(label)
    text.append(" " * (axis + 2) + "".join(ticks).rstrip(), style="dim")
    return text


def retention_text(weeks: list[dict[str, Any]], height: int = 7) -> Text:
    """Young and mature pass rates per week as two lines of dots on a percent scale."""
    series = {
        "young": [week["young"]["rate"] for week in weeks],
        "mature": [week["mature"]["rate"] for week in weeks],
    }
    known = [rate for rates in series.values() for rate in rates if rate is not None]
    if not known:
        return Text(f"No answers to review cards in the last {len(weeks)} weeks.", style="dim")
    low = math.floor(min(known) * 20) / 20
    high = math.ceil(max(known) * 20) / 20
    if high - low < 0.1:
        low = max(0.0, high - 0.1)
    step = 3
    grid = [[" "] * (len(weeks) * step) for _ in range(height)]

    def row_of(rate: float) -> int:
        return round((rate - low) / (high - low) * (height - 1))

    for name, mark in (("mature", "○"), ("young", "●")):
        for n, rate in enumerate(series[name]):
            if rate is None:
                continue
            cell = grid[row_of(rate)]
            here = n * step + 1
            cell[here] = "◉" if cell[here] in ("●", "○") and cell[here] != mark else mark
    text = Text()
    for row in range(height - 1, -1, -1):
        value = low + (high - low) * row / (height - 1)
        labelled = row in (0, height - 1) or row == (height - 1) // 2
        text.append(f"{value:>4.0%} ┤" if labelled else "     │", style="dim")
        for char in grid[row]:
            style = {"●": "bold yellow", "○": "bold cyan", "◉": "bold green"}.get(char)
            text.append(char, style=style)
        text.append("\n")
    text.append("     └" + "─" * (len(weeks) * step) + "\n", style="dim")
    first = dt.date.fromisoformat(weeks[0]["week_start"]).strftime("%b %d")
    last = dt.date.fromisoformat(weeks[-1]["week_start"]).strftime("%b %d")
    width = len(weeks) * step
    text.append("      " + first + last.rjust(max(1, width - len(first))) + "\n", style="dim")
    text.append("      ● young  ", style="yellow")
    text.append("○ mature  ", style="cyan")
    text.append("(weeks start on Monday)", style="dim")
    return text


def mastery_bar(value: float, width: int = 10) -> Text:
    eighths = round(max(0.0, min(1.0, value)) * width * 8)
    full, part = divmod(eighths, 8)
    bar = "█" * full + (BAR_EIGHTHS[part] if part else "")
    return Text(bar.ljust(width), style="green")
