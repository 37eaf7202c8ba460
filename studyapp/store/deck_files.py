"""The files the imported decks come from: the app's live re-import watches them, and the
bundled deck is imported on first start (no Textual).

Light on purpose: `studyapp review` reads this at its start, and the importer
(`studyapp.store.library`, with every parser) loads only when a file must be imported.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.models import Deck

if TYPE_CHECKING:
    from studyapp.store.library import FileReport

# A deck whose file is gone keeps (most of) its content hash behind this mark: the same text
# under a new path is that deck moved, and the same path coming back must be parsed again.
GONE = "~"


def deck_files(sessions: sessionmaker[Session]) -> list[str]:
    """The source path of every deck whose file was there at its last import."""
    with sessions() as session:
        rows = session.execute(select(Deck.source_path, Deck.content_hash)).all()
    return sorted(path for path, content_hash in rows if not content_hash.startswith(GONE))


def bundled_deck() -> Path:
    """The project's own deck for the book, shipped in the `flashcards` package."""
    import flashcards

    return Path(flashcards.__file__).with_name("deck")


def ensure_bundled_deck(sessions: sessionmaker[Session], now: dt.datetime) -> list[FileReport]:
    """On first start (an empty database), import the bundled deck."""
    with sessions() as session:
        if session.scalar(select(Deck.id).limit(1)) is not None:
            return []
    from studyapp.store.library import import_paths

    return import_paths(sessions, [bundled_deck()], now)
