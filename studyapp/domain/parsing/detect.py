"""Format detection per file, so one folder can mix book flashcards, notes and cards."""

from __future__ import annotations

import re
from pathlib import Path

from studyapp.domain.parsing.blocks import parse_blocks
from studyapp.domain.parsing.book import looks_like_book, parse_book
from studyapp.domain.parsing.model import ParsedDeck
from studyapp.domain.parsing.notes import parse_notes
from studyapp.domain.parsing.source import SourceText, read_source

BOOK_MARKERS = re.compile(r"^#\s+Flashcards:|^\s*:p\s", re.M)


def parse_text(path: str, text: str) -> ParsedDeck:
    """Parse markdown already in memory. Raises `ParseError` for a file that cannot be read."""
    # markdown-it splits lines on \r too; line numbers must agree with it.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if BOOK_MARKERS.search(text):
        # Markers may sit inside code blocks (a file documenting the format): confirm them
        # outside code before trusting them.
        blocks = parse_blocks(path, text, structure=False)
        if looks_like_book(blocks):
            return parse_book(path, blocks)
    return parse_notes(path, parse_blocks(path, text))


def parse_source(source: SourceText) -> ParsedDeck:
    deck = parse_text(source.path, source.text)
    deck.warnings[:0] = source.warnings
    return deck


def parse_file(path: Path, display: str | None = None) -> ParsedDeck:
    return parse_source(read_source(path, display))
