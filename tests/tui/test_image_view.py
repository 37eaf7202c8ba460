"""The half-block image widget and the metric plot, in a bare app."""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from rich.color import Color
from textual.app import App, ComposeResult

from studyapp.tui.widgets.image_view import HalfBlockImage, image_widget, terminal_shows_pixels
from studyapp.tui.widgets.metric_plot import MetricPlot


class Show(App[None]):
    def __init__(self, *widgets: object) -> None:
        super().__init__()
        self.widgets = widgets

    def compose(self) -> ComposeResult:
        yield from self.widgets  # type: ignore[misc]


def two_by_four(path: Path) -> Path:
    """Left column red over blue (twice), right column green over white (twice)."""
    image = Image.new("RGB", (2, 4))
    for y in range(4):
        image.putpixel((0, y), (255, 0, 0) if y % 2 == 0 else (0, 0, 255))
        image.putpixel((1, y), (0, 255, 0) if y % 2 == 0 else (255, 255, 255))
    image.save(path)
    return path


async def test_each_cell_is_a_upper_half_block_of_two_pixels(tmp_path: Path) -> None:
    widget = HalfBlockImage(two_by_four(tmp_path / "tiny.png"))
    async with Show(widget).run_test(size=(20, 6)) as pilot:
        await pilot.pause()
        assert widget.size == (2, 2), "two pixels a cell: 2×4 pixels are 2×2 cells"
        segments = list(widget.render_line(0))
        assert [s.text for s in segments] == ["▀", "▀"]
        assert segments[0].style is not None and segments[1].style is not None
        assert segments[0].style.color == Color.from_rgb(255, 0, 0)
        assert segments[0].style.bgcolor == Color.from_rgb(0, 0, 255)
        assert segments[1].style.color == Color.from_rgb(0, 255, 0)
        assert segments[1].style.bgcolor == Color.from_rgb(255, 255, 255)


async def test_a_wide_image_is_scaled_down_to_its_container(tmp_path: Path) -> None:
    path = tmp_path / "wide.png"
    Image.new("RGB", (200, 100), (10, 20, 30)).save(path)
    widget = HalfBlockImage(path)
    async with Show(widget).run_test(size=(40, 30)) as pilot:
        await pilot.pause()
        assert widget.size == (40, 10), "aspect kept: 40 cells wide, 20 pixels = 10 rows"


async def test_a_broken_file_shows_a_message_instead_of_crashing(tmp_path: Path) -> None:
    path = tmp_path / "broken.png"
    path.write_bytes(b"\x89PNG not really")
    widget = HalfBlockImage(path)
    app = Show(widget)
    async with app.run_test(size=(80, 6)) as pilot:
        await pilot.pause()
        assert widget.error is not None and "cannot show" in widget.error
        assert "cannot show" in widget.render_line(0).text
        assert app.is_running


def test_without_a_graphics_terminal_images_are_half_blocks(tmp_path: Path) -> None:
    assert not terminal_shows_pixels(), "tests run without a terminal"
    assert isinstance(image_widget(tmp_path / "x.png"), HalfBlockImage)


async def test_the_plot_draws_its_series_with_a_legend() -> None:
    plot = MetricPlot(id="plot")
    async with Show(plot).run_test(size=(60, 16)) as pilot:
        await pilot.pause()
        assert "Waiting for the first values" in str(plot.render())
        for step in range(1, 11):
            plot.add_point("loss", step / 10, 2.0 / step)
        plot.add_point("val_loss", 1.0, 0.4)
        plot.add_point("val_loss", 2.0, float("nan"))  # dropped, not drawn
        await pilot.pause()
        lines = [plot.render_line(y).text for y in range(plot.size.height)]
        assert any("┤" in line for line in lines), "a y axis with ticks"
        assert "━━ loss 0.2   ━━ val_loss 0.4   (x: epoch)" in lines[-1]
        assert plot.series["val_loss"] == [(1.0, 0.4)]
