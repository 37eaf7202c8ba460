"""Another tool's log of answers, carried into the review log when its cards are first stored.

hashcards keeps every answer in its `hashcards.db`; the parser reads them into
`ImportedReview.history`, and library sync hands the new cards' histories here.
"""

from __future__ import annotations

from sqlalchemy import insert
from sqlalchemy.orm import Session

from db.models import ReviewLog
from studyapp.domain.parsing.model import ImportedReview


def log_imported_answers(
    session: Session, histories: list[tuple[str, ImportedReview]], new_ids: dict[str, int]
) -> None:
    """Another tool's log of answers (hashcards keeps one) as review-log rows of the cards
    just added, so statistics and the optimizer see the whole history. Durations are unknown
    there: 0."""
    rows = [
        {
            "card_id": new_ids[identity],
            "reviewed_at": answer.reviewed_at,
            "rating": answer.rating,
            "duration_ms": 0,
            "state_before": before.state,
            "state_after": after.state,
            "before": before.to_dict(),
            "after": after.to_dict(),
        }
        for identity, review in histories
        if identity in new_ids
        for answer, before, after in review.logged_answers()
    ]
    if rows:
        session.execute(insert(ReviewLog), rows)
