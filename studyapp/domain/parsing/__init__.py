"""Pure parsers that turn markdown files into decks of sections and cards.

Built on markdown-it-py. No database, UI or demo code is imported here: a parsed deck is plain
data that remembers the file and line of everything in it.
"""

from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from studyapp.domain.parsing.detect import parse_file, parse_text

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


def __getattr__(name: str) -> Any:
    # The parsers (and markdown-it under them) load on first use: an unchanged re-import only
    # hashes files, and the CLI should start as if it were `--version`.
    if name in ("parse_file", "parse_text"):
        from studyapp.domain.parsing import detect

        return getattr(detect, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
