"""What a screen needs to show one card, loaded in a worker thread and rendered ahead of time.

Plain Python (no Textual import): the math conversion of `studyapp.domain.render` runs here, off the
UI thread, so that showing a prefetched card costs only a widget swap.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.models import Card, Deck, DemoLink, Section
from studyapp.domain.render import render_markdown, render_text
from studyapp.domain.scheduling import MemoryState
from studyapp.store.review import memory_of
from studyapp.store.search import NOTES_FORMAT, SectionHit, related_sections_in

FLAG_NAMES = {0: "", 1: "red", 2: "orange", 3: "green", 4: "blue"}
KIND_TITLES = {
    "basic": "Card",
    "reversed": "Reversed card",
    "cloze": "Cloze deletion",
    "definition": "Definition",
}


@dataclass(frozen=True, slots=True)
class CardData:
    """One card as the review and card screens show it; markdown fields are display-ready."""

    card_id: int
    deck_id: int
    deck: str
    title: str
    chapter: str | None
    kind: str
    context: str
    question: str
    answer: str
    source_file: str
    source_line: int
    section_id: int | None
    flag: int
    state: str
    suspended: bool
    retired: bool
    memory: MemoryState
    demos: tuple[str, ...]
    related: tuple[SectionHit, ...]
    section_title: str | None = None
    notes_deck: bool = False
    """The card comes from a notes deck, whose sections are prose to read."""
    buried_until: dt.datetime | None = None

    @property
    def heading(self) -> str:
        """The card's title; for a hand-written card without one, the heading of the section
        it stands in, else what kind of card it is (never "Untitled")."""
        if self.title:
            return self.title
        if self.section_title and self.section_title != self.chapter:
            return self.section_title
        return KIND_TITLES.get(self.kind, "Card")

    @property
    def location(self) -> str:
        """`file:line`, by file name only (the full path is in the edit command)."""
        return f"{Path(self.source_file).name}:{self.source_line}"

    @property
    def notes_section_id(self) -> int | None:
        """The card's own notes section, else the notes section that ranks closest to it.
        A section of a cards file is card syntax, not notes: it is never the answer."""
        if self.section_id is not None and self.notes_deck:
            return self.section_id
        return self.related[0].section_id if self.related else None


def load_card(
    sessions: sessionmaker[Session], card_id: int, *, with_related: bool = True
) -> CardData | None:
    with sessions() as session:
        return _load_card(session, card_id, with_related)


def _load_card(session: Session, card_id: int, with_related: bool) -> CardData | None:
    row = session.execute(
        select(Card, Deck.title, Deck.format, Section.title)
        .join(Deck, Card.deck_id == Deck.id)
        .outerjoin(Section, Section.id == Card.section_id)
        .where(Card.id == card_id)
    ).one_or_none()
    if row is None:
        return None
    card, deck_title, deck_format, section_title = row
    demos = tuple(
        session.scalars(
            select(DemoLink.demo_name)
            .where(DemoLink.card_id == card_id)
            .order_by(DemoLink.explicit.desc(), DemoLink.id)
        )
    )
    related = tuple(related_sections_in(session, card)) if with_related else ()
    return CardData(
        card_id=card.id,
        deck_id=card.deck_id,
        deck=deck_title,
        title=render_text(card.title) if card.title else "",
        chapter=card.chapter,
        kind=card.kind,
        context=render_markdown(card.context),
        question=render_markdown(card.question),
        answer=render_markdown(card.answer),
        source_file=card.source_file,
        source_line=card.source_line,
        section_id=card.section_id,
        flag=card.flag,
        state=card.state,
        suspended=card.suspended,
        retired=card.retired_at is not None,
        memory=memory_of(card),
        demos=demos,
        related=related,
        section_title=render_text(section_title) if section_title else None,
        notes_deck=deck_format == NOTES_FORMAT,
        buried_until=card.buried_until,
    )
