"""Decks written for hashcards (eudoxia0/hashcards), read by its parser's rules (src/parser.rs).

A card starts with `Q:` (question; its answer starts with `A:`) or `C:` (cloze) at the very start
of a line and runs to the next such line, a `---` line or the end of the file; questions and
answers span several lines. Each `[deletion]` of a cloze card is a card of its own; `![…]`
images and `\\[`, `\\]` are not deletions. Media links (`![](@/image.webp)`, `![](sound.mp3)`)
and math (`$…$`, `$$…$$`) stay as they are written. A TOML front matter may name the deck
(`name = "…"`). hashcards refuses a whole file for a stray line; here the line is named in a
warning and the rest still imports (text above the first card, a title say, in one warning).
Duplicate cards in a file are kept once, as hashcards does.

Pure: no I/O.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import PurePath

from studyapp.domain.parsing.blocks import demo_names
from studyapp.domain.parsing.cloze_patterns import HIDDEN
from studyapp.domain.parsing.hashcards_db import HashcardsLog, basic_hash, cloze_hash
from studyapp.domain.parsing.model import (
    CardKind,
    DeckFormat,
    Dialect,
    ParsedCard,
    ParsedDeck,
    ParseWarning,
)

MAX_DELETIONS = 200


@dataclass(frozen=True, slots=True)
class Cloze:
    """One deletion: the text without deletion brackets, and the deleted bytes (inclusive),
    exactly what hashcards hashes."""

    text: str
    start: int
    end: int


@dataclass(slots=True)
class _Open:
    kind: str  # "Q", "A" (a question with its answer begun) or "C"
    line: int  # 0-based, where the card starts
    question: list[str] = field(default_factory=list)
    answer: list[str] = field(default_factory=list)


def parse_hashcards(path: str, text: str, log: HashcardsLog | None = None) -> ParsedDeck:
    """The deck; with the collection's `log`, each card known there carries its state."""
    lines = text.split("\n")
    warnings: list[ParseWarning] = []
    name, offset = _front_matter(path, lines, warnings)
    deck = ParsedDeck(path, name or PurePath(path).stem, DeckFormat.NOTES, warnings=warnings)
    deck.dialect = Dialect.HASHCARDS
    seen: set[tuple[str, str, str]] = set()
    current: _Open | None = None
    stray = False  # a warning was given for the text run being read

    def warn(line: int, message: str) -> None:
        warnings.append(ParseWarning(path, line + 1, message))

    def finish(card: _Open | None, at: int) -> None:
        if card is None:
            return
        if card.kind == "Q":
            warn(at, f"question at line {card.line + 1} has no answer ('A:'); not imported")
            return
        if card.kind == "A":
            _add(deck, seen, CardKind.BASIC, card.question, card.answer, card.line, log)
            return
        body = "\n".join(card.question).strip()
        clozes = cloze_deletions(body)
        if not clozes:
            warn(card.line, "cloze card must contain at least one [deletion]; not imported")
        elif len(clozes) > MAX_DELETIONS:
            warn(card.line, f"{len(clozes)} deletions in one cloze card; none imported")
        for deletion in clozes[:MAX_DELETIONS]:
            if deletion.end < deletion.start:
                warn(card.line, "empty [] deletion makes no card")
                continue
            hidden, shown = cloze_sides(deletion)
            _add(deck, seen, CardKind.CLOZE, [hidden], [shown], card.line, log, deletion)

    first = next((n for n in range(offset, len(lines)) if lines[n][:2] in ("Q:", "C:")), None)
    if first is not None:
        # A title or a line of description above the cards: hashcards refuses such a file.
        preamble = [n for n in range(offset, first) if lines[n].strip() not in ("", "---")]
        if preamble:
            first_line, last_line = preamble[0] + 1, preamble[-1] + 1
            where = (
                f"lines {first_line}-{last_line}"
                if last_line > first_line
                else f"line {first_line}"
            )
            message = f"text before the first card ({where}) is not a card; ignored"
            warn(preamble[0], message + " (hashcards itself refuses such a file)")
    for index in range(offset if first is None else first, len(lines)):
        line = lines[index]
        tag = line[:2]
        rest = line[2:].strip()
        if tag in ("Q:", "C:"):
            finish(current, index)
            current = _Open(tag[0], index, [rest])
            stray = False
        elif tag == "A:":
            if current is not None and current.kind == "Q":
                current.kind, current.answer = "A", [rest]
            elif current is None:
                warn(index, "answer ('A:') without a question; not imported")
                stray = True
            else:
                warn(index, "a second 'A:' in one card; read as part of the text")
                (current.answer if current.kind == "A" else current.question).append(line)
        elif line.strip() == "---":
            if current is not None and current.kind == "Q":
                warn(index, "card separator '---' while reading a question")
                current = None
            finish(current, index)
            current, stray = None, False
        elif current is not None:
            (current.answer if current.kind == "A" else current.question).append(line)
        elif line.strip() and not stray:
            warn(index, "text that is not a card; did you forget a 'Q:' or 'C:'?")
            stray = True
        elif not line.strip():
            stray = False
    finish(current, len(lines) - 1)
    if deck.cards:
        deck.format = DeckFormat.CARDS
    return deck


def _add(
    deck: ParsedDeck,
    seen: set[tuple[str, str, str]],
    kind: CardKind,
    question: list[str],
    answer: list[str],
    line: int,
    log: HashcardsLog | None = None,
    deletion: Cloze | None = None,
) -> None:
    front, back = "\n".join(question).strip(), "\n".join(answer).strip()
    if not front or not back:
        side = "question" if not front else "answer"
        deck.warnings.append(ParseWarning(deck.path, line + 1, f"card without a {side}"))
        return
    key = (str(kind), front, back)
    if key in seen:
        return
    seen.add(key)
    review = None
    if log is not None and log.states:
        # Hashed only when there is a database to look in: BLAKE3 in Python is not free.
        if deletion is None:
            card_hash = basic_hash(front, back)
        else:
            card_hash = cloze_hash(deletion.text, deletion.start, deletion.end)
        review = log.states.get(card_hash)
    links = demo_names(f"{front}\n{back}")
    deck.cards.append(ParsedCard(kind, front, back, line + 1, demo_names=links, review=review))


def _front_matter(path: str, lines: list[str], warnings: list[ParseWarning]) -> tuple[str, int]:
    """The deck name of a TOML front matter, and the first line after it."""
    if not lines or lines[0].strip() != "---":
        return "", 0
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            try:
                meta = tomllib.loads("\n".join(lines[1:index]))
            except tomllib.TOMLDecodeError as error:
                warnings.append(ParseWarning(path, 1, f"front matter is not TOML: {error}"))
                return "", index + 1
            name = meta.get("name")
            return (name.strip() if isinstance(name, str) else ""), index + 1
    warnings.append(ParseWarning(path, 1, "front matter '---' is never closed"))
    return "", 0


def cloze_deletions(text: str) -> list[Cloze]:
    """hashcards' two passes over the bytes of a cloze card: the text without deletion
    brackets, then each `[…]` as (start, end) in that text. `![` opens an image, whose
    brackets stay; `\\[` and `\\]` are literal brackets."""
    data = text.encode()
    clean = bytearray()
    image = escape = False
    for at, byte in enumerate(data):
        if byte == 0x5B:  # [
            if image:
                clean.append(byte)
            if escape:
                escape = False
                clean.append(byte)
        elif byte == 0x5D:  # ]
            if image:
                image = False
                clean.append(byte)
            elif escape:
                escape = False
                clean.append(byte)
        elif byte == 0x21:  # !
            if not image and data[at + 1 : at + 2] == b"[":
                image = True
            clean.append(byte)
        elif byte == 0x5C:  # backslash
            if not escape:
                if data[at + 1 : at + 2] in (b"[", b"]"):
                    escape = True
                else:
                    clean.append(byte)
        else:
            clean.append(byte)
    clean_text = clean.decode(errors="replace")
    found: list[Cloze] = []
    start: int | None = None
    index = 0
    image = escape = False
    for at, byte in enumerate(data):
        if byte == 0x5B:
            if image:
                index += 1
            elif escape:
                index += 1
                escape = False
            else:
                start = index
        elif byte == 0x5D:
            if image:
                image = False
                index += 1
            elif escape:
                escape = False
                index += 1
            elif start is not None:
                found.append(Cloze(clean_text, start, index - 1))
                start = None
        elif byte == 0x21:
            if not image and data[at + 1 : at + 2] == b"[":
                image = True
            index += 1
        elif byte == 0x5C:
            if not escape:
                if data[at + 1 : at + 2] in (b"[", b"]"):
                    escape = True
                else:
                    index += 1
        else:
            index += 1
    return found


def cloze_sides(deletion: Cloze) -> tuple[str, str]:
    """The card's front (the deletion hidden) and back (the deletion in bold)."""
    data = deletion.text.encode()
    before = data[: deletion.start].decode(errors="replace")
    deleted = data[deletion.start : deletion.end + 1].decode(errors="replace")
    after = data[deletion.end + 1 :].decode(errors="replace")
    return f"{before}{HIDDEN}{after}", f"{before}**{deleted}**{after}"
