"""The review history as py-fsrs' review-log CSV (what `studyapp optimize --revlog` reads)."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.models import Card, Deck, ReviewLog

CSV_HEADER = ("card_id", "review_rating", "review_time", "review_duration", "deck", "question")


def write_review_csv(sessions: sessionmaker[Session], path: Path) -> int:
    """py-fsrs' review-log CSV (ISO-8601 UTC times with milliseconds), plus deck and question.

    Streams the rows, so a history of a million answers never sits in memory. Returns how
    many reviews were written.
    """
    query = (
        select(
            ReviewLog.card_id,
            ReviewLog.rating,
            ReviewLog.reviewed_at,
            ReviewLog.duration_ms,
            Deck.title,
            Card.question,
        )
        .join(Card, Card.id == ReviewLog.card_id)
        .join(Deck, Deck.id == Card.deck_id)
        .order_by(ReviewLog.card_id, ReviewLog.reviewed_at, ReviewLog.id)
        .execution_options(yield_per=5000)
    )
    written = 0
    with path.open("w", newline="", encoding="utf-8") as handle, sessions() as session:
        writer = csv.writer(handle)
        writer.writerow(CSV_HEADER)
        for card_id, rating, when, millis, deck, question in session.execute(query):
            stamp = when.astimezone(dt.UTC).isoformat(timespec="milliseconds")
            writer.writerow([card_id, rating, stamp.replace("+00:00", "Z"), millis, deck, question])
            written += 1
    return written
