"""The user's own study text, for the text demos' `--data library` ("a GPT on your own notes").

`read_study_text(url)` opens the study database at `url` read-only in spirit (no migration, no
write) and returns every notes section's markdown and every card's question and answer, deck
by deck in document order; retired cards (whose source is gone) are left out. The demo process
calls it with the URL the runner hands it in `$STUDYAPP_DB`, so a demo never needs the app.

Imports SQLAlchemy and the ORM models only: no Textual, no Keras.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.engine import open_engine, session_factory, sqlite_path
from db.models import Card, Deck, Section


class NoStudyText(LookupError):
    """The database is missing, unreadable or holds no cards and no notes."""


def study_texts(sessions: sessionmaker[Session]) -> list[str]:
    """Every section's markdown, then every live card as "question answer", deck by deck."""
    with sessions() as session:
        decks = session.scalars(select(Deck.id).order_by(Deck.title, Deck.id)).all()
        texts: list[str] = []
        for deck in decks:
            texts += session.scalars(
                select(Section.markdown).where(Section.deck_id == deck).order_by(Section.position)
            ).all()
            cards = session.execute(
                select(Card.question, Card.answer)
                .where(Card.deck_id == deck, Card.retired_at.is_(None))
                .order_by(Card.position, Card.id)
            ).all()
            texts += [f"{question}\n{answer}" for question, answer in cards]
    return [text for text in texts if text.strip()]


def read_study_text(url: str) -> list[str]:
    """`study_texts` of the database at `url`; raises `NoStudyText` saying why there is none."""
    path = sqlite_path(url)
    if path is not None and not path.is_file():
        raise NoStudyText(f"there is no study database at {path}")
    if url.startswith("sqlite") and path is None:
        raise NoStudyText("an in-memory database cannot be read from another process")
    engine = open_engine(url)
    try:
        texts = study_texts(session_factory(engine))
    except Exception as error:  # a database that is not ours, or an old schema
        raise NoStudyText(f"cannot read the study database: {error}") from error
    finally:
        engine.dispose()
    if not texts:
        raise NoStudyText("the study database holds no cards and no notes; import some first")
    return texts
