"""A live line plot of training curves (loss, validation metrics), drawn by plotext.

plotext 6 draws into one module-level figure, so every render takes a lock: two plots on
screen, or a plot in a test and one in a worker, would otherwise draw into each other.
(textual-plotext, the usual wrapper, pins plotext below 6, so the text is rendered here.)
"""

from __future__ import annotations

import threading

from rich.console import Group, RenderableType
from rich.text import Text
from textual.widget import Widget

_PLOTEXT_LOCK = threading.Lock()

SERIES_COLOURS: tuple[tuple[int, int, int], ...] = (
    (78, 168, 222),  # blue: the training loss, the curve people watch
    (255, 159, 67),  # orange
    (46, 204, 113),  # green
    (232, 67, 147),  # magenta
    (241, 196, 15),  # yellow
    (155, 89, 182),  # purple
)
MAX_POINTS = 2000
"""Older points are thinned beyond this, so a long run keeps drawing quickly."""


class MetricPlot(Widget):
    """Named series of (x, y) points, redrawn to the widget's size whenever one grows."""

    DEFAULT_CSS = """
    MetricPlot {
        height: 14;
        min-height: 6;
    }
    """

    def __init__(
        self,
        *,
        x_label: str = "epoch",
        empty_text: str = "Waiting for the first values…",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.x_label = x_label
        self.empty_text = empty_text
        self._series: dict[str, list[tuple[float, float]]] = {}

    @property
    def series(self) -> dict[str, list[tuple[float, float]]]:
        return self._series

    def add_point(self, name: str, x: float, y: float) -> None:
        if y != y or y in (float("inf"), float("-inf")):  # NaN or infinite: nothing to draw
            return
        points = self._series.setdefault(name, [])
        points.append((x, y))
        if len(points) > MAX_POINTS:
            del points[::2]
        self.refresh()

    def clear(self) -> None:
        self._series.clear()
        self.refresh()

    def _colour(self, index: int) -> tuple[int, int, int]:
        return SERIES_COLOURS[index % len(SERIES_COLOURS)]

    def legend(self) -> Text:
        legend = Text()
        for index, name in enumerate(self._series):
            r, g, b = self._colour(index)
            if index:
                legend.append("   ")
            legend.append("━━ ", style=f"rgb({r},{g},{b})")
            last = self._series[name][-1][1]
            legend.append(f"{name} {last:.4g}")
        if self.x_label:
            legend.append(f"   (x: {self.x_label})", style="dim")
        return legend

    def render(self) -> RenderableType:
        width, height = self.content_size
        drawable = {k: v for k, v in self._series.items() if v}
        if not drawable or width < 20 or height < 5:
            return Text(self.empty_text, style="dim")
        legend = self.legend()
        legend_lines = len(legend.wrap(self.app.console, width))
        if height - legend_lines < 5:
            return legend
        plot = self._draw(drawable, width, height - legend_lines)
        return Group(Text.from_ansi(plot, no_wrap=True, end=""), legend)

    def _draw(self, series: dict[str, list[tuple[float, float]]], width: int, height: int) -> str:
        import plotext

        with _PLOTEXT_LOCK:
            figure = plotext.figure
            figure.clear()
            figure.plot_size(width, height)
            figure.theme("simple")
            for index, points in enumerate(series.values()):
                xs = [x for x, _ in points]
                ys = [y for _, y in points]
                marker = plotext.marker("hd", self._colour(index))
                signal = figure.signal(xs, ys, marker=marker)
                if len(points) > 1:
                    signal.lines()
                figure.draw(signal)
            text: str = figure.build().string()
            figure.clear()
        return text
