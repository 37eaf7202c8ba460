"""Real study databases for the CLI's hardening tests: one with cards and answers, and the same
with pages overwritten, as the red team damaged theirs (0xFF over whole pages of a file whose
WAL was checkpointed first, so the damage is in the file SQLite reads)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from db.models import Card, ReviewLog
from studyapp.store.library import import_paths
from studyapp.store.opening import open_store
from tests.conftest import NOW, no_demos

PAGE = 4096
DAMAGED_TABLES = ("decks", "review_log", "ix_review_log_stats")
"""Whose first page is overwritten: every command reads at least one of them (the listings
join decks, the CSV export reads the review log, stats its index)."""


def real_database(folder: Path, cards: int = 200, name: str = "study.db") -> Path:
    """`cards` cards in one deck, five of them answered, checkpointed into the file."""
    path = folder / name
    notes = folder / f"{path.stem}-notes.md"
    notes.write_text("# Deck\n\n" + "\n".join(f"Question {n}? :: Answer {n}" for n in range(cards)))
    store = open_store(str(path))
    import_paths(store.sessions, [notes], NOW, no_demos)
    answer_first_cards(store.sessions, 5)
    store.close()
    checkpoint(path)
    return path


def answer_first_cards(sessions: sessionmaker[Session], answers: int) -> None:
    """One "Good" answer each for the first `answers` cards, a day apart back from NOW."""
    with sessions.begin() as session:
        ids = list(session.scalars(select(Card.id).order_by(Card.id).limit(answers)))
        rows = [
            {
                "card_id": card_id,
                "reviewed_at": NOW - dt.timedelta(days=n),
                "rating": 3,
                "duration_ms": 4000,
                "state_before": "review",
                "state_after": "review",
                "before": {},
                "after": {},
            }
            for n, card_id in enumerate(ids)
        ]
        session.execute(insert(ReviewLog), rows)


def checkpoint(path: Path) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()


def damage(path: Path, tables: tuple[str, ...] = DAMAGED_TABLES) -> None:
    """0xFF over the first page of each of `tables` (three pages by default)."""
    checkpoint(path)
    with sqlite3.connect(path) as connection:
        roots = [
            connection.execute(
                "SELECT rootpage FROM sqlite_master WHERE name = ?", (t,)
            ).fetchone()[0]
            for t in tables
        ]
    connection.close()
    data = bytearray(path.read_bytes())
    for root in roots:  # page numbers count from 1
        data[(root - 1) * PAGE : root * PAGE] = b"\xff" * PAGE
    path.write_bytes(bytes(data))


def count(path: Path, table: str) -> int:
    with sqlite3.connect(path) as connection:
        (n,) = connection.execute(f"SELECT count(*) FROM {table}").fetchone()
    connection.close()
    return int(n)
