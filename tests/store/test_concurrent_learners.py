"""Two learners reviewing at once, in two real processes, on one SQLite file and on one
PostgreSQL database: no answer is lost and each learner's schedule is exactly their own."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.models import Card, ReviewLog
from studyapp.domain.scheduling import MemoryState
from studyapp.store.library import import_paths
from studyapp.store.opening import open_store
from studyapp.store.review import memory_of
from tests.conftest import NOW, no_demos

CARDS = 200
# Each learner answers every card once, with their own rating, through the store's API.
WORKER = textwrap.dedent(
    """
    import datetime as dt, sys
    from sqlalchemy import select
    from db.models import Card
    from studyapp.store import review
    from studyapp.domain.scheduling import SchedulerSettings
    from studyapp.store.opening import open_store

    url, profile, rating = sys.argv[1], sys.argv[2], int(sys.argv[3])
    store = open_store(url, profile)
    settings = SchedulerSettings(timezone="UTC")
    now = dt.datetime(2026, 11, 21, 12, tzinfo=dt.UTC)
    with store.sessions() as session:
        cards = list(session.scalars(select(Card.id).order_by(Card.id)))
    print("ready", flush=True)
    sys.stdin.readline()  # both start answering at once
    for card in cards:
        review.answer(store.sessions, card, rating, now, settings, 1000)
    store.close()
    print("done", flush=True)
    """
)
RATINGS = {"alice": 3, "bob": 1}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shared_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shared.db'}"
    return str(request.getfixturevalue("postgres_url"))


def test_two_learners_answering_at_once_lose_no_answer(shared_url: str, tmp_path: Path) -> None:
    deck = tmp_path / "deck.md"
    deck.write_text("# Deck\n\n" + "".join(f"Q{i}? :: A{i}.\n\n" for i in range(CARDS)))
    store = open_store(shared_url)
    import_paths(store.sessions, [deck], NOW, no_demos)
    store.close()

    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, shared_url, profile, str(rating)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for profile, rating in RATINGS.items()
    ]
    for worker in workers:
        assert worker.stdout is not None
        assert worker.stdout.readline().strip() == "ready", worker.communicate()[1]
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.flush()
    for worker in workers:
        out, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err
        assert out.strip() == "done"

    for profile, rating in RATINGS.items():
        learner = open_store(shared_url, profile)
        with learner.sessions() as session:
            logs = list(session.scalars(select(ReviewLog)))
            assert len(logs) == CARDS
            assert {log.rating for log in logs} == {rating}
            assert len({log.card_id for log in logs}) == CARDS
            # Each card's state is what this learner's one answer made of it.
            after = {log.card_id: MemoryState.from_dict(log.after) for log in logs}
            cards = list(session.scalars(select(Card)))
            assert len(cards) == CARDS
            for card in cards:
                assert memory_of(card) == after[card.id]
                assert card.reps == 1
            assert session.scalar(select(func.count(Card.id)).where(Card.state == "new")) == 0
        learner.close()
    if shared_url.startswith("sqlite"):
        check = open_store(shared_url)
        with check.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        check.close()
