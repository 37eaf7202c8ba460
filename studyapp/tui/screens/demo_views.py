"""Pieces of the demo screen: the pictures of learning, stepped through by epoch, opening a
run's files in the system viewer, and the words for a download, a lesson's verdict, a path
and the demo's command line.

`EpochPictures` shows one of the pictures a generative demo draws after each epoch (artifacts of
kind "epoch-samples", the same latent points every time): the latest as they come, or the one
the user stepped to with `[` and `]`. `open_in_viewer` hands a file or folder to `xdg-open`
(`open` on macOS) in its own session, so the viewer outlives neither the app's terminal nor
its keyboard. No database, no Keras.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Label

from studyapp.demos.runner import DownloadEvent, Lesson
from studyapp.tui.widgets.image_view import HalfBlockImage, image_widget

EPOCH_SAMPLES = "epoch-samples"
"""The artifact kind of a picture drawn after an epoch (demos.epoch_pictures)."""


@dataclass(frozen=True, slots=True)
class EpochPicture:
    epoch: int
    epochs: int | None
    path: str


class EpochPictures(Vertical):
    """The picture of one epoch, a caption saying which, and the keys that step."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.pictures: list[EpochPicture] = []
        self.index: int | None = None
        """Which picture is shown; None before the first."""
        self._image: Widget | None = None

    def compose(self) -> ComposeResult:
        yield Label("", id="demo-epoch-caption")

    @property
    def shown(self) -> EpochPicture | None:
        return None if self.index is None else self.pictures[self.index]

    def add(self, picture: EpochPicture) -> None:
        """Keep `picture`; show it if the latest was shown (the user did not step back)."""
        following = self.index is None or self.index == len(self.pictures) - 1
        self.pictures.append(picture)
        if following:
            self._show(len(self.pictures) - 1)
        else:
            self._caption()

    def step(self, delta: int) -> bool:
        """Show the picture `delta` epochs away; False when there is none that way."""
        if self.index is None:
            return False
        target = self.index + delta
        if not 0 <= target < len(self.pictures):
            return False
        self._show(target)
        return True

    def _show(self, index: int) -> None:
        self.index = index
        path = self.pictures[index].path
        if self._image is None:
            self._image = image_widget(path, id="demo-epoch-image", classes="demo-image")
            self.mount(self._image)
        elif isinstance(self._image, HalfBlockImage):
            self._image.reload(path)
        else:
            self._image.image = path  # type: ignore[attr-defined]
        self._caption()

    def _caption(self) -> None:
        picture = self.shown
        if picture is None:
            return
        total = f"/{picture.epochs}" if picture.epochs else ""
        when = "before training" if picture.epoch == 0 else f"after epoch {picture.epoch}{total}"
        latest = " (latest)" if self.index == len(self.pictures) - 1 else ""
        self.query_one("#demo-epoch-caption", Label).update(
            Text(f"samples {when}{latest} · [ ] step through epochs · o opens it")
        )


def viewer_command() -> str | None:
    """The system viewer: `open` on macOS, `xdg-open` elsewhere; None when not installed."""
    return shutil.which("open" if sys.platform == "darwin" else "xdg-open")


def open_in_viewer(path: Path) -> None:
    """Open `path` with the system viewer and return at once; raises `FileNotFoundError` when
    there is no viewer to run."""
    command = viewer_command()
    if command is None:
        raise FileNotFoundError("no xdg-open (or open) to show it with")
    subprocess.Popen(
        [command, str(path)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def shown_path(path: Path | str, run_dir: Path | None = None) -> str:
    """`path` as the screen writes it: relative to `run_dir` when it lies inside it, else with
    the home folder written `~`, else as it is."""
    target = Path(path)
    if run_dir is not None and target.is_relative_to(run_dir) and target != run_dir:
        return str(target.relative_to(run_dir))
    home = Path.home()
    for base in dict.fromkeys((home, home.resolve())):
        if base.parent != base and target.is_relative_to(base):  # a home of "/" is no home
            return str(Path("~") / target.relative_to(base))
    return str(target)


def command_text(command: Sequence[str]) -> str:
    """The demo's command line, short: the app's own interpreter as `python` (what the
    catalogue writes), paths under the home folder with `~`."""
    words = [
        "python" if i == 0 and word == sys.executable else word for i, word in enumerate(command)
    ]
    return " ".join(shown_path(word) if Path(word).is_absolute() else word for word in words)


def lesson_verdict(lesson: Lesson, demo: str) -> str:
    """E.g. "Lesson passed: test_accuracy = 0.93 (goal test_accuracy ≥ 0.9)"; the goal as the
    catalogue words it, or the bare target for a demo it does not know."""
    try:
        from studyapp.demos.catalogue import demo_by_name

        plan = demo_by_name(demo).lesson
    except Exception:  # unknown (a test's fake demo) or the catalogue is missing
        plan = None
    goal = plan.goal if plan is not None else f"{lesson.metric} target {lesson.target:g}"
    verdict = "Lesson passed" if lesson.passed else "Lesson not passed"
    return f"{verdict}: {lesson.metric} = {lesson.value:.4g} (goal {goal})"


def download_size(event: DownloadEvent) -> str:
    """E.g. "12.3 MB of 26.4 MB"."""
    done = f"{event.bytes_done / 1e6:.1f} MB"
    return f"{done} of {event.total_bytes / 1e6:.1f} MB" if event.total_bytes else done


def download_log_line(event: DownloadEvent) -> str | None:
    """What the log says when a file starts and when it is complete; None in between."""
    finished = event.total_bytes is not None and event.bytes_done >= event.total_bytes
    if event.bytes_done and not finished:
        return None
    verb = "downloading" if event.bytes_done == 0 else "downloaded"
    return f"{verb} {event.extra.get('url') or event.file} ({download_size(event)})"
