"""Images in the terminal: real pixels where the terminal can show them, half blocks elsewhere.

`image_widget(path)` picks textual-image's `Image` when the terminal speaks the Kitty graphics
protocol or Sixel, and `HalfBlockImage` otherwise: each cell is a `▀` whose foreground is one
pixel and whose background is the pixel below, which works in any 24-bit colour terminal (and
in SVG snapshots, which makes the tests deterministic).

textual-image asks the terminal what it supports when it is imported, which only works before
Textual starts reading the keyboard; so it is imported with this module, at the app's start,
and never from inside a running app. It also costs about 0.15 s (it loads NumPy), so it is only
asked where the environment names a terminal that can draw pixels (`GRAPHICS_TERMINALS`), or
when STUDYAPP_IMAGES=pixels; everywhere else (tmux, plain xterm, the Linux console) half blocks
are what it would pick anyway.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image as PILImage
from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual._context import active_app
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget

GRAPHICS_TERMINALS = (
    "kitty",
    "wezterm",
    "ghostty",
    "iterm",
    "foot",
    "konsole",
    "mlterm",
    "contour",
    "sixel",
    "warp",
    "rio",
    "tabby",
)


def _may_draw_pixels() -> bool:
    wanted = os.environ.get("STUDYAPP_IMAGES", "").lower()
    if wanted in ("pixels", "halfblocks"):
        return wanted == "pixels"
    names = " ".join(
        os.environ.get(variable, "") for variable in ("TERM", "TERM_PROGRAM", "LC_TERMINAL")
    ).lower()
    return "KITTY_WINDOW_ID" in os.environ or any(n in names for n in GRAPHICS_TERMINALS)


_graphics_image: Callable[..., Widget] | None = None
if active_app.get(None) is None and _may_draw_pixels():  # see the module docstring
    try:
        from textual_image.renderable import HalfcellImage as _Halfcell
        from textual_image.renderable import Image as _AutoRenderable
        from textual_image.renderable import UnicodeImage as _Unicode
        from textual_image.widget import Image as _TextualImage
    except Exception:  # not installed, or no terminal to ask: half blocks do
        pass
    else:
        if _AutoRenderable not in (_Halfcell, _Unicode):
            _graphics_image = _TextualImage


def terminal_shows_pixels() -> bool:
    """True when the terminal showed textual-image that it draws real pixels (TGP or Sixel)."""
    return _graphics_image is not None


def image_widget(path: Path | str, *, id: str | None = None, classes: str = "") -> Widget:
    """The best image widget this terminal supports, showing the file at `path`."""
    if _graphics_image is not None:
        return _graphics_image(str(path), id=id, classes=classes)
    return HalfBlockImage(path, id=id, classes=classes)


class HalfBlockImage(Widget):
    """An image drawn with `▀` cells: two pixels a cell, scaled to fit, aspect kept.

    With `width: auto` it is as many cells wide as the image has pixels (never wider than its
    container); give it a width or height in CSS to scale it.
    """

    DEFAULT_CSS = """
    HalfBlockImage {
        width: auto;
        height: auto;
    }
    """

    def __init__(
        self,
        image: Path | str | PILImage.Image,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._source = image
        self._pixels: PILImage.Image | None = None
        self._error: str | None = None
        self._strips: list[Strip] = []
        self._strips_size = Size(0, 0)

    @property
    def error(self) -> str | None:
        """Why the image could not be shown, or None."""
        self._load()
        return self._error

    def reload(self, image: Path | str | PILImage.Image | None = None) -> None:
        """Read the image again (a demo may rewrite its sample grid after every epoch)."""
        if image is not None:
            self._source = image
        self._pixels = None
        self._error = None
        self._strips_size = Size(0, 0)
        self.refresh(layout=True)

    def _load(self) -> PILImage.Image | None:
        if self._pixels is not None or self._error is not None:
            return self._pixels
        try:
            if isinstance(self._source, PILImage.Image):
                self._pixels = self._source.convert("RGB")
            else:
                with PILImage.open(self._source) as opened:
                    self._pixels = opened.convert("RGB")
        except Exception as error:  # a half-written or corrupt file must not crash the app
            self._error = f"cannot show {self._source}: {error}"
        return self._pixels

    def get_content_width(self, container: Size, viewport: Size) -> int:
        pixels = self._load()
        if pixels is None:
            return min(len(self._error or ""), max(container.width, 1))
        return max(1, min(pixels.width, container.width))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        pixels = self._load()
        if pixels is None:
            return 1
        scale = width / pixels.width
        return max(1, math.ceil(pixels.height * scale / 2))

    def _fitted(self, size: Size) -> list[Strip]:
        if size == self._strips_size:
            return self._strips
        pixels = self._load()
        self._strips_size = size
        if pixels is None or size.width <= 0 or size.height <= 0:
            self._strips = [Strip([Segment(self._error or "", Style(color="red"))])]
            return self._strips
        scale = min(size.width / pixels.width, size.height * 2 / pixels.height)
        width = max(1, round(pixels.width * scale))
        height = max(1, round(pixels.height * scale))
        # Upscaling a tiny image keeps its pixels crisp; downscaling averages them.
        resample = PILImage.Resampling.NEAREST if scale >= 1 else PILImage.Resampling.BOX
        small = (
            pixels.resize((width, height), resample) if (width, height) != pixels.size else pixels
        )
        data: Any = small.load()
        strips = []
        for row in range(0, height, 2):
            segments = []
            for col in range(width):
                top = Color.from_rgb(*data[col, row])
                bottom = Color.from_rgb(*data[col, row + 1]) if row + 1 < height else None
                segments.append(Segment("▀", Style(color=top, bgcolor=bottom)))
            strips.append(Strip(segments, width))
        self._strips = strips
        return strips

    def render_line(self, y: int) -> Strip:
        size = self.content_size
        strips = self._fitted(size)
        if y < len(strips):
            return strips[y].adjust_cell_length(size.width)
        return Strip.blank(size.width)
