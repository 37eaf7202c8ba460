"""The notes outline: every notes section with its place in the hierarchy (no Textual import)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.models import Deck, Section
from studyapp.domain.book_title import natural_key


@dataclass(frozen=True, slots=True)
class NoteSection:
    section_id: int
    deck_id: int
    deck: str
    parent_id: int | None
    level: int
    title: str
    markdown: str
    location: str  # file name and line


@dataclass(frozen=True, slots=True)
class NotesOutline:
    decks: list[tuple[int, str]]  # (first deck id, title) of each book that has sections
    sections: list[NoteSection]  # in book, part and document order


def load_outline(sessions: sessionmaker[Session]) -> NotesOutline:
    with sessions() as session:
        rows = session.execute(
            select(Section, Deck.title, Deck.source_path, Deck.part).join(
                Deck, Section.deck_id == Deck.id
            )
        ).all()
    # A book's parts are one node, in reading order: "Part 2" before "Part 10".
    rows = sorted(
        rows, key=lambda r: (natural_key(r[1]), r[3] or 0, natural_key(r[2]), r[0].position)
    )
    sections = [
        NoteSection(
            section.id,
            section.deck_id,
            title,
            section.parent_id,
            section.level,
            section.title,
            section.markdown,
            f"{Path(path).name}:{section.source_line}",
        )
        for section, title, path, _ in rows
    ]
    first_deck: dict[str, int] = {}
    for section in sections:
        first_deck.setdefault(section.deck, section.deck_id)
    decks = [(deck_id, title) for title, deck_id in first_deck.items()]
    return NotesOutline(decks, sections)
