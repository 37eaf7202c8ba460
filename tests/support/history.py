"""Synthetic review histories, for the optimizer's tests and the benchmarks.

A simulated learner whose memory follows FSRS with known "true" parameters: each card is
reviewed when due, recalled with the predicted probability, and rated accordingly.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import TYPE_CHECKING

from fsrs import Card as FsrsCard
from fsrs import Rating, Scheduler
from sqlalchemy import insert, select

from db.models import Card, ReviewLog

if TYPE_CHECKING:
    from studyapp.store.opening import Store

START = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)
# A learner who forgets faster than FSRS' defaults assume (lower initial stabilities).
TRUE_PARAMETERS = (
    0.1,
    0.6,
    1.2,
    4.0,
    6.4133,
    0.8334,
    3.0194,
    0.001,
    1.6,
    0.1666,
    0.796,
    1.4835,
    0.0614,
    0.2629,
    1.6483,
    0.6014,
    1.8729,
    0.5425,
    0.0912,
    0.0658,
    0.1542,
)


def simulate(cards: int, days: int, seed: int = 1) -> list[tuple[int, dt.datetime, int, int]]:
    """(card_id, review time, rating, duration ms) rows, in time order per card."""
    rng = random.Random(seed)
    scheduler = Scheduler(parameters=TRUE_PARAMETERS, enable_fuzzing=False)
    end = START + dt.timedelta(days=days)
    rows = []
    for card_id in range(1, cards + 1):
        when = START + dt.timedelta(days=rng.randrange(max(1, days // 2)), hours=rng.random())
        card = FsrsCard(card_id=card_id, due=when)
        first = True
        while when < end:
            if first:
                rating = rng.choice([1, 2, 3, 3, 3, 4])
                first = False
            else:
                recalled = rng.random() < scheduler.get_card_retrievability(card, when)
                rating = rng.choice([2, 3, 3, 3, 3, 4]) if recalled else 1
            card, _ = scheduler.review_card(card, Rating(rating), review_datetime=when)
            rows.append((card_id, when, rating, rng.randrange(2000, 15000)))
            # A learner reviews at some hour of the day the card is due, not to the second.
            when = max(card.due, when + dt.timedelta(minutes=1)) + dt.timedelta(
                minutes=rng.randrange(0, 240)
            )
    return rows


def seed_database(store: Store, folder: Path, cards: int, days: int, seed: int = 1) -> int:
    """Import a deck of `cards` one-line cards into `store` and give them a simulated history
    of `days` days (review-log rows only). Returns the number of reviews."""
    from studyapp.store.library import import_paths

    deck = folder / "many.md"
    deck.write_text(
        "# Many\n\n" + "".join(f"Question {i}? :: Answer {i}.\n\n" for i in range(cards))
    )
    import_paths(store.sessions, [deck], START, lambda _text: [])
    rows = simulate(cards, days, seed)
    with store.sessions.begin() as session:
        ids = list(session.scalars(select(Card.id).order_by(Card.id)))
        session.execute(
            insert(ReviewLog),
            [
                {
                    "card_id": ids[c - 1],
                    "reviewed_at": when,
                    "rating": rating,
                    "duration_ms": ms,
                    "state_before": "review",
                    "state_after": "review",
                    "before": {},
                    "after": {},
                }
                for c, when, rating, ms in rows
            ],
        )
    return len(rows)
