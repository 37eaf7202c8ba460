"""The notes outline: every notes section with its place in the hierarchy (no Textual import)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.models import Deck, Section


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
    decks: list[tuple[int, str]]  # (deck id, title), decks that have sections
    sections: list[NoteSection]  # in deck and document order


def load_outline(sessions: sessionmaker[Session]) -> NotesOutline:
    with sessions() as session:
        rows = session.execute(
            select(Section, Deck.title, Deck.source_path)
            .join(Deck, Section.deck_id == Deck.id)
            .order_by(Deck.title, Deck.id, Section.position)
        ).all()
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
        for section, title, path in rows
    ]
    decks = list(dict.fromkeys((s.deck_id, s.deck) for s in sections))
    return NotesOutline(decks, sections)
