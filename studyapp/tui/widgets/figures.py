"""Name / value lines, as the panels of figures show them (the Stats screen's Today panel, the
card info): each name dim and padded to one width, each value as text, never markup."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text


def figure_lines(rows: Iterable[tuple[str, str]], width: int) -> Text:
    text = Text()
    for name, value in rows:
        text.append(f"{name:<{width}}", style="dim")
        text.append(f"{value}\n")
    text.rstrip()
    return text
