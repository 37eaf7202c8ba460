"""A generated book's part title made readable: `2A012---Reinforcement-Learning_processed
(Part 17)` reads as the book "Reinforcement Learning", part 17.

Generators name part files after the source document: an ID prefix ending in dashes, a
processing suffix, `-`/`_` for spaces, and a part marker. The parts of one book differ only
by the marker, so the cleaned title without it is the book's key. Pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PART = re.compile(r"[\s_-]*[(\[]?\s*part\s*(\d+)\s*[)\]]?\s*$", re.I)
PREFIX = re.compile(r"^[0-9A-Za-z]*\d[0-9A-Za-z]*-{2,}")  # an id with a digit, then "--"
SUFFIX = re.compile(r"[_-](processed|cleaned|converted|final|output|ocr)$", re.I)
SEPARATORS = re.compile(r"[-_\s]+")


@dataclass(frozen=True, slots=True)
class BookTitle:
    display: str
    part: int | None

    @property
    def key(self) -> str:
        return self.display.casefold()


def book_title(raw: str) -> BookTitle:
    """The display name and part number of a book-flashcard file's title."""
    text = raw.strip()
    part = None
    if match := PART.search(text):
        part = int(match.group(1))
        text = text[: match.start()]
    text = PREFIX.sub("", text)
    while match := SUFFIX.search(text):
        text = text[: match.start()]
    display = SEPARATORS.sub(" ", text).strip()
    return BookTitle(display or raw.strip(), part)


def natural_key(text: str | None) -> tuple[object, ...]:
    """Sorts "Part 2" before "Part 10" and "Chapter 9" before "Chapter 10"."""
    if text is None:
        return (1,)  # no chapter: last
    return (
        0,
        *[
            (0, int(piece)) if piece.isdigit() else (1, piece.casefold())
            for piece in re.split(r"(\d+)", text)
            if piece
        ],
    )
