"""A deck's display name: the cleaned book title, or the user's own rename, which every part
file of the book shares and which survives re-imports."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.models import Deck
from studyapp.domain.book_title import BookTitle


def name_deck(session: Session, deck: Deck, source_title: str, book: BookTitle) -> None:
    """The display name: a rename the user made to this book wins over the cleaned title."""
    deck.source_title, deck.book_key, deck.part = source_title, book.key, book.part
    with session.no_autoflush:  # a new deck is not complete before this names it
        sibling = session.scalars(
            select(Deck).where(Deck.book_key == book.key, Deck.renamed.is_(True)).limit(1)
        ).first()
    if sibling is not None:
        deck.title, deck.renamed = sibling.title, True
    elif not deck.renamed:
        deck.title = book.display


def rename_deck(sessions: sessionmaker[Session], title: str, new_title: str) -> int:
    """Give a deck (every part file of a book) a display name that survives re-imports.
    Returns how many files it covers; 0 when no deck has that title."""
    with sessions.begin() as session:
        decks = session.scalars(select(Deck).where(Deck.title == title)).all()
        for deck in decks:
            deck.title, deck.renamed = new_title, True
        return len(decks)
