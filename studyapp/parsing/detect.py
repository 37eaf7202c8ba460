"""Format detection per file, so one folder can mix book flashcards, notes and cards."""

from __future__ import annotations

from pathlib import Path

from studyapp.parsing.blocks import parse_blocks
from studyapp.parsing.book import looks_like_book, parse_book
from studyapp.parsing.model import ParsedDeck
from studyapp.parsing.notes import parse_notes
from studyapp.parsing.source import SourceText, read_source


def parse_text(path: str, text: str) -> ParsedDeck:
    """Parse markdown already in memory. Raises `ParseError` for a file that cannot be read."""
    blocks = parse_blocks(path, text)
    if looks_like_book(blocks):
        return parse_book(path, blocks)
    return parse_notes(path, blocks)


def parse_source(source: SourceText) -> ParsedDeck:
    return parse_text(source.path, source.text)


def parse_file(path: Path, display: str | None = None) -> ParsedDeck:
    return parse_source(read_source(path, display))
