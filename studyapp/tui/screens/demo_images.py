"""The demo screen's pane of pictures: the ones a generative demo draws after each epoch
(`EpochPictures`, stepped through with `[` and `]`), then every other image the demo writes,
each under its kind and file name, reloaded when the demo rewrites the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Label, Static

from studyapp.demos.runner import ArtifactEvent
from studyapp.tui.screens.demo_views import EPOCH_SAMPLES, EpochPicture, EpochPictures
from studyapp.tui.widgets.image_view import HalfBlockImage, image_widget

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp"}


class DemoImages(VerticalScroll):
    """The pictures of one run, in the order the demo wrote them."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._images: dict[str, Any] = {}

    def compose(self) -> ComposeResult:
        yield Static("Images appear here when the demo writes them.", id="demo-no-images")
        yield EpochPictures(id="demo-epochs")

    def show(self, event: ArtifactEvent) -> None:
        """Shows the artifact if it is a picture; other files are left to the log."""
        if Path(event.path).suffix.lower() not in IMAGE_SUFFIXES:
            return
        for placeholder in self.query("#demo-no-images"):
            placeholder.remove()
        if event.kind == EPOCH_SAMPLES:
            epoch, epochs = event.extra.get("epoch"), event.extra.get("epochs")
            pictures = self.query_one(EpochPictures)
            pictures.add(
                EpochPicture(
                    epoch if isinstance(epoch, int) else len(pictures.pictures),
                    epochs if isinstance(epochs, int) else None,
                    event.path,
                )
            )
            pictures.display = True
            return
        existing = self._images.get(event.path)
        if existing is not None:
            # The demo rewrote the file (a sample grid after each epoch): show the new one.
            if isinstance(existing, HalfBlockImage):
                existing.reload()
            else:
                existing.image = event.path
            return
        widget = image_widget(event.path, classes="demo-image")
        self._images[event.path] = widget
        self.mount(
            Label(Text(f"{event.kind}: {Path(event.path).name}"), classes="demo-image-label")
        )
        self.mount(widget)
        self.scroll_end(animate=False)
