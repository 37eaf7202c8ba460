"""A book judged whole: automatic demo links only where the book, all its parts together, is
about what the demos teach.

Each file is judged alone while it is parsed (`studyapp.demos.matching.link_deck`), and a file
of fewer than 20 cards always passes there, so a C++ book cut into small part files would be
judged by its single cards only. After an import, each book of several parts that the import
changed is judged again on all its live cards; if, taken whole, it is not about the subject,
its automatic links go. Explicit `demo:` links stay. Imports no UI.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from sqlalchemy import CursorResult, delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from db.models import Card, Deck, DemoLink
from studyapp.store.reading import card_text


def judge_books(sessions: sessionmaker[Session], changed_paths: Iterable[str]) -> int:
    """Drop the automatic links of every changed book that is off the subject as a whole;
    returns how many links went."""
    from studyapp.demos.matching import deck_on_subject

    paths = list(changed_paths)
    if not paths:
        return 0
    removed = 0
    with sessions.begin() as session:
        books = session.scalars(
            select(Deck.book_key)
            .where(Deck.book_key.in_(select(Deck.book_key).where(Deck.source_path.in_(paths))))
            .group_by(Deck.book_key)
            .having(func.count() > 1)
        ).all()
        for book in books:
            decks = select(Deck.id).where(Deck.book_key == book)
            cards = session.execute(
                select(Card.title, Card.question, Card.answer, Card.context).where(
                    Card.deck_id.in_(decks), Card.retired_at.is_(None)
                )
            ).all()
            if deck_on_subject([card_text(card) for card in cards]):
                continue
            gone = session.execute(
                delete(DemoLink).where(
                    DemoLink.explicit.is_(False),
                    DemoLink.card_id.in_(select(Card.id).where(Card.deck_id.in_(decks))),
                )
            )
            removed += cast(CursorResult[tuple[()]], gone).rowcount
    return removed
