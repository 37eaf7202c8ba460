"""Two instances on one SQLite file: WAL and the busy timeout keep both writing without
corruption, and each sees the other's answers."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from sqlalchemy import func, select

from db.models import Card, ReviewLog
from studyapp.store.library import import_paths
from studyapp.store.opening import open_store
from tests.conftest import NOW, no_demos

WORKER = textwrap.dedent(
    """
    import datetime as dt, sys
    from sqlalchemy import func, select
    from db.models import ReviewLog
    from studyapp.store import review
    from studyapp.domain.scheduling import SchedulerSettings
    from studyapp.store.opening import open_store

    db, parity = sys.argv[1], int(sys.argv[2])
    store = open_store(db)
    settings = SchedulerSettings(timezone="UTC")
    now = dt.datetime(2026, 11, 21, 12, tzinfo=dt.UTC)
    queue = review.build_queue(store.sessions, now, settings)
    mine = [card for card in queue if card % 2 == parity]
    print("ready", flush=True)
    sys.stdin.readline()  # both start answering at once
    for card in mine:
        review.answer(store.sessions, card, 3, now, settings, 1000)
    print("done", flush=True)
    sys.stdin.readline()  # the other instance has finished too
    with store.sessions() as session:
        print(session.scalar(select(func.count(ReviewLog.id))), flush=True)
    """
)


def test_two_instances_share_one_sqlite_file(tmp_path: Path) -> None:
    db = tmp_path / "shared.db"
    deck = tmp_path / "deck.md"
    deck.write_text("# Deck\n\n" + "".join(f"Q{i}? :: A{i}.\n\n" for i in range(60)))
    store = open_store(str(db))
    import_paths(store.sessions, [deck], NOW, no_demos)
    store.close()

    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(db), str(parity)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for parity in (0, 1)
    ]
    for worker in workers:
        assert worker.stdout is not None and worker.stdout.readline().strip() == "ready"
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.flush()
    for worker in workers:
        assert worker.stdout is not None and worker.stdout.readline().strip() == "done"
    totals = []
    for worker in workers:
        out, _ = worker.communicate("go\n", timeout=60)
        assert worker.returncode == 0
        totals.append(int(out.strip()))
    # The new-card limit (20 by default) caps each queue; each saw both instances' answers.
    assert totals == [20, 20]

    store = open_store(str(db))
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    with store.sessions() as session:
        assert session.scalar(select(func.count(ReviewLog.id))) == 20
        assert session.scalar(select(func.count(Card.id)).where(Card.reps == 1)) == 20
    store.close()
