"""Adding a card from the app: it is written to the deck's markdown file in the hand-written
format of `flashcards/FORMAT.md` and that file is imported again, so the file stays the
source of truth and the card gets its identity and chapter the usual way.

One line (`front :: back`, `front ::: back` for a reversed pair) when both sides are one line;
otherwise the question lines, a line holding `?` (`??` reversed), then the answer lines, from
which blank lines are dropped (a blank line would end the answer). A cloze is its text alone.
Control characters never reach the file. Imports no UI.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.models import Card, Deck
from studyapp.domain.parsing.notes import ANKI_CLOZE, HIGHLIGHT
from studyapp.domain.text_safety import strip_controls
from studyapp.store.library import DemoMatcher, FileReport, import_paths

KINDS = ("basic", "reversed", "cloze")
WRITABLE_FORMATS = ("notes", "cards")


@dataclass(frozen=True, slots=True)
class WritableDeck:
    deck_id: int
    title: str
    path: str


@dataclass(frozen=True, slots=True)
class AddedCard:
    report: FileReport
    card_ids: tuple[int, ...]
    line: int


def writable_decks(sessions: sessionmaker[Session]) -> list[WritableDeck]:
    """Notes and cards files that still exist (book flashcards have their own syntax)."""
    with sessions() as session:
        rows = session.execute(
            select(Deck.id, Deck.title, Deck.source_path)
            .where(Deck.format.in_(WRITABLE_FORMATS))
            .order_by(Deck.title, Deck.source_path)
        ).all()
    return [WritableDeck(*row) for row in rows if Path(row[2]).is_file()]


def card_markdown(kind: str, front: str, back: str) -> str:
    """The card in the hand-written syntax; ValueError says what is missing."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    front, back = (strip_controls(side).strip() for side in (front, back))
    if not front:
        raise ValueError("the front is empty")
    if kind == "cloze":
        if not (ANKI_CLOZE.search(front) or HIGHLIGHT.search(front)):
            raise ValueError("a cloze needs a deletion: {{c1::text}} or ==text==")
        return _lines(front)
    if not back:
        raise ValueError("the back is empty")
    if "\n" not in front + back and "::" not in front + back:
        return f"{front} {':::' if kind == 'reversed' else '::'} {back}"
    mark = "??" if kind == "reversed" else "?"
    return f"{_lines(front)}\n{mark}\n{_lines(back)}"


def _lines(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.splitlines() if line.strip())


def append_card(path: Path, markdown: str) -> int:
    """Append the card after a blank line; returns the line it starts on (1-based)."""
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    separator = "" if not existing else "\n" if existing.endswith("\n\n") else "\n\n"
    if existing and not existing.endswith("\n"):
        separator = "\n\n"
    line = (existing + separator).count("\n") + 1
    with path.open("a", encoding="utf-8") as file:
        file.write(separator + markdown + "\n")
    return line


def add_card(
    sessions: sessionmaker[Session],
    deck: WritableDeck,
    kind: str,
    front: str,
    back: str,
    now: dt.datetime,
    match_demos: DemoMatcher | None = None,
) -> AddedCard:
    """Write the card to the deck's file and import the file; the new cards' ids with it."""
    markdown = card_markdown(kind, front, back)
    line = append_card(Path(deck.path), markdown)
    reports = import_paths(sessions, [deck.path], now, match_demos)
    with sessions() as session:
        ids = tuple(
            session.scalars(
                select(Card.id)
                .join(Deck, Deck.id == Card.deck_id)
                .where(
                    Deck.source_path == deck.path,
                    Card.source_line >= line,
                    Card.retired_at.is_(None),
                )
                .order_by(Card.id)
            )
        )
    return AddedCard(reports[0], ids, line)
