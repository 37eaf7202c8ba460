"""A study database at the scale the benchmarks ask for: 100,000 cards, 1,000,000 reviews.

Rows are written with Core executemany (a realistic mix of states, due dates spread over the
past and the next months, a year of review history) so building it takes seconds, not the
hours real reviewing would. The file is cached under bench/work/ keyed by its size.
"""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
from pathlib import Path

from sqlalchemy import insert, select

from db.models import Card, CardState, Deck, ReviewLog, Section
from studyapp.store.opening import open_store

WORK = Path(__file__).with_name("work")
NOW = dt.datetime(2026, 11, 21, 12, tzinfo=dt.UTC)
CHAPTERS = [f"Chapter {n}: Benchmark chapter {n}" for n in range(1, 15)]


def database_path(cards: int = 100_000, reviews: int = 1_000_000) -> Path:
    return WORK / f"big-{cards}-{reviews}.db"


def build(cards: int = 100_000, reviews: int = 1_000_000, decks: int = 100) -> Path:
    path = database_path(cards, reviews)
    if path.exists():
        return path
    WORK.mkdir(exist_ok=True)
    partial = path.with_suffix(".partial")
    for leftover in WORK.glob(partial.name + "*"):
        leftover.unlink()
    store = open_store(str(partial))
    rng = random.Random(5)
    with store.sessions.begin() as session:
        session.execute(
            insert(Deck),
            [
                {
                    "source_path": f"/bench/deck{d:03}.md",
                    "title": f"Benchmark deck {d}",
                    "format": "book",
                    "content_hash": "x" * 64,
                    "imported_at": NOW,
                }
                for d in range(decks)
            ],
        )
        deck_ids = list(session.scalars(select(Deck.id).order_by(Deck.id)))
        session.execute(
            insert(Section),
            [
                {
                    "deck_id": deck_id,
                    "parent_id": None,
                    "position": 0,
                    "level": 2,
                    "title": CHAPTERS[i % 14],
                    "chapter": CHAPTERS[i % 14],
                    "markdown": f"- Notes about topic {i}: encoder decoder latent critic attention",
                    "source_line": 1,
                    "end_line": 2,
                }
                for i, deck_id in enumerate(deck_ids)
            ],
        )
    per_deck = cards // decks
    rows, memories = [], []
    for index in range(cards):
        deck = deck_ids[index // per_deck % decks]
        roll = rng.random()
        state = (
            "new"
            if roll < 0.3
            else "review"
            if roll < 0.93
            else rng.choice(["learning", "relearning"])
        )
        reviewed = state != "new"
        stability = rng.uniform(0.5, 200) if reviewed else None
        rows.append(
            {
                "deck_id": deck,
                "identity": f"{index:032x}",
                "kind": "basic",
                "generated": False,
                "title": f"Card {index}",
                "question": f"What does component {index} of the "
                f"{rng.choice(['encoder', 'decoder', 'critic', 'generator'])} do?",
                "answer": f"It transforms the input of step {index}.",
                "context": "",
                "chapter": CHAPTERS[index % 14],
                "source_file": f"/bench/deck{deck:03}.md",
                "source_line": 1 + index % per_deck * 8,
                "position": index % per_deck,
                "content_hash": "h",
                "retired_at": None,
            }
        )
        memories.append(
            {
                "state": state,
                "step": 0,
                "stability": stability,
                "difficulty": rng.uniform(1, 10) if reviewed else None,
                "due": NOW + dt.timedelta(days=rng.uniform(-20, 90)) if reviewed else None,
                "last_review": NOW - dt.timedelta(days=rng.uniform(0, 60)) if reviewed else None,
                "reps": rng.randrange(1, 30) if reviewed else 0,
                "lapses": rng.choice([0, 0, 0, 1, 2, 9]) if reviewed else 0,
                "suspended": rng.random() < 0.01,
                "buried_until": None,
                "flag": 0,
            }
        )
    assert store.learner is not None
    with store.sessions.begin() as session:
        session.connection().execute(Card.__table__.insert(), rows)  # type: ignore[attr-defined]
        ids = list(session.scalars(select(Card.id).order_by(Card.id)))
        # The card states are the default learner's: one row per card studied or suspended.
        states = [
            {**memory, "learner_id": store.learner.id, "card_id": card_id}
            for card_id, memory in zip(ids, memories, strict=True)
            if memory["state"] != "new" or memory["suspended"]
        ]
        session.connection().execute(CardState.__table__.insert(), states)  # type: ignore[attr-defined]
        reviewed_ids = list(session.scalars(select(Card.id).where(Card.state != "new")))
    batch: list[dict[str, object]] = []
    for n in range(reviews):
        card_id = reviewed_ids[n % len(reviewed_ids)]
        rating = rng.choice([1, 2, 3, 3, 3, 3, 4])
        batch.append(
            {
                "card_id": card_id,
                "reviewed_at": NOW - dt.timedelta(days=rng.uniform(0, 365)),
                "rating": rating,
                "duration_ms": rng.randrange(2000, 20000),
                "state_before": "review",
                "state_after": "relearning" if rating == 1 else "review",
                "learner_id": store.learner.id,
                "before": {},
                "after": {},
            }
        )
        if len(batch) == 50_000:
            with store.sessions.begin() as session:
                session.connection().execute(ReviewLog.__table__.insert(), batch)  # type: ignore[attr-defined]
            batch = []
    if batch:
        with store.sessions.begin() as session:
            session.connection().execute(ReviewLog.__table__.insert(), batch)  # type: ignore[attr-defined]
    store.close()
    with sqlite3.connect(partial) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.execute("ANALYZE")
    connection.close()
    partial.rename(path)
    for leftover in WORK.glob(partial.name + "-*"):
        leftover.unlink()
    return path


def build_apart() -> Path:
    """`build()` in a child process: a benchmark that reports its own peak memory must not
    count the building of its database (about 300 MB the first time). Default sizes."""
    import subprocess
    import sys

    if not database_path().exists():
        subprocess.run([sys.executable, "-m", "bench.big_database"], check=True)
    return build()


if __name__ == "__main__":
    import time

    start = time.perf_counter()
    print(build(), f"{time.perf_counter() - start:.1f} s")
