"""A rich `Console` that never writes a control character it was not asked to write.

Cards and deck titles are cleaned where they enter (`studyapp.domain.parsing.source`), but a
database written by an older studyapp, or edited by hand, may still hold ESC, BEL or C1 bytes:
an OSC 52 in a question would set the user's clipboard. This console removes them again at
the last step, from the text of every segment it renders (tables, pictures, error lines), so
whatever a command prints is safe whatever it came from (defence in depth). Rich's own
control segments (cursor moves of a live progress display) are kept: they are Rich's, not
the data's. Imports rich and the domain only.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console, ConsoleOptions, RenderableType
from rich.segment import Segment

from studyapp.domain.text_safety import strip_controls


class SafeConsole(Console):
    """`rich.console.Console` whose rendered text passes `strip_controls` (tab and newline
    kept); styles still come out as the terminal's escape codes, written by Rich."""

    def render(
        self, renderable: RenderableType, options: ConsoleOptions | None = None
    ) -> Iterable[Segment]:
        for segment in super().render(renderable, options):
            if segment.control or not segment.text:
                yield segment
            else:
                yield Segment(strip_controls(segment.text), segment.style)
