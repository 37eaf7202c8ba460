"""The files the imported decks come from, for the app's live re-import (no Textual)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.models import Deck
from studyapp.store.library import GONE


def deck_files(sessions: sessionmaker[Session]) -> list[str]:
    """The source path of every deck whose file was there at its last import."""
    with sessions() as session:
        rows = session.execute(select(Deck.source_path, Deck.content_hash)).all()
    return sorted(path for path, content_hash in rows if not content_hash.startswith(GONE))
