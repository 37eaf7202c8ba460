"""Pure parsers that turn markdown files into decks of sections and cards.

Built on markdown-it-py. No database, UI or demo code is imported here: a parsed deck is plain
data that remembers the file and line of everything in it.
"""

from studyapp.domain.parsing.detect import parse_file, parse_text
from studyapp.domain.parsing.model import (
    CardKind,
    DeckFormat,
    ParsedCard,
    ParsedDeck,
    ParsedSection,
    ParseError,
    ParseWarning,
)
from studyapp.domain.parsing.source import SUFFIXES, read_source

__all__ = [
    "SUFFIXES",
    "CardKind",
    "DeckFormat",
    "ParseError",
    "ParseWarning",
    "ParsedCard",
    "ParsedDeck",
    "ParsedSection",
    "parse_file",
    "parse_text",
    "read_source",
]
