"""Format and dialect detection per file, so one folder can mix book flashcards, notes, cards,
Obsidian Spaced Repetition notes and hashcards decks (rules in `dialect.py`)."""

from __future__ import annotations

import re
from pathlib import Path

from studyapp.domain.parsing.blocks import parse_blocks
from studyapp.domain.parsing.book import looks_like_book, parse_book
from studyapp.domain.parsing.dialect import (
    DEFAULT_OPTIONS,
    PREAMBLE_LINES,
    ParseOptions,
    SourceWithOptions,
    is_hashcards,
    obsidian_content_evidence,
)
from studyapp.domain.parsing.hashcards import parse_hashcards
from studyapp.domain.parsing.model import Dialect, ParsedDeck
from studyapp.domain.parsing.notes import parse_notes
from studyapp.domain.parsing.obsidian import parse_obsidian
from studyapp.domain.parsing.source import SourceText, read_source

BOOK_MARKERS = re.compile(r"^#\s+Flashcards:|^\s*:p\s", re.M)


def parse_text(path: str, text: str, options: ParseOptions = DEFAULT_OPTIONS) -> ParsedDeck:
    """Parse markdown already in memory. Raises `ParseError` for a file that cannot be read."""
    # markdown-it splits lines on \r too; line numbers must agree with it.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    dialect = options.dialect
    if dialect is None:
        # The plugin's own marks win: its notes may well hold lines that start with `Q:`.
        if obsidian_content_evidence(text, options.obsidian):
            dialect = Dialect.OBSIDIAN
        elif is_hashcards(text, 0 if options.vault else PREAMBLE_LINES):
            dialect = Dialect.HASHCARDS
    if dialect is Dialect.HASHCARDS:
        return parse_hashcards(path, text, options.hashcards)
    if dialect is not Dialect.OBSIDIAN:
        # Book flashcards are studyapp's own, in a vault too.
        book = _parse_book(path, text)
        if book is not None:
            return book
        if dialect is None and options.vault:
            dialect = Dialect.OBSIDIAN
    if dialect is Dialect.OBSIDIAN:
        return parse_obsidian(path, text, options)
    return parse_notes(path, parse_blocks(path, text))


def _parse_book(path: str, text: str) -> ParsedDeck | None:
    if BOOK_MARKERS.search(text):
        # Markers may sit inside code blocks (a file documenting the format): confirm them
        # outside code before trusting them.
        blocks = parse_blocks(path, text, structure=False)
        if looks_like_book(blocks):
            return parse_book(path, blocks)
    return None


def parse_source(source: SourceText, options: ParseOptions | None = None) -> ParsedDeck:
    """Parse a file read by `read_source`, by `options` or else those the source carries."""
    if options is None:
        options = source.options if isinstance(source, SourceWithOptions) else DEFAULT_OPTIONS
    deck = parse_text(source.path, source.text, options)
    deck.warnings[:0] = source.warnings
    return deck


def parse_file(
    path: Path, display: str | None = None, options: ParseOptions = DEFAULT_OPTIONS
) -> ParsedDeck:
    return parse_source(read_source(path, display), options)
