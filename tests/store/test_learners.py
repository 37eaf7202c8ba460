"""Learners: each profile has its own card states, answers, settings, demo runs and statistics
over the shared decks, on SQLite and PostgreSQL; migration 0006 moves a database made by the
release before it into the profile `default` with nothing lost."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.models import Card, CardState, DemoRun, ReviewLog, Setting
from studyapp.demos.runner.record import list_runs
from studyapp.domain.scheduling import SchedulerSettings
from studyapp.store.learners import (
    LearnerProblem,
    add_learner,
    check_name,
    class_chapters,
    learner_summaries,
)
from studyapp.store.library import import_paths
from studyapp.store.opening import Store, open_store
from studyapp.store.review import answer, build_queue, set_flag, undo
from studyapp.store.settings import load_scheduler_settings, save_scheduler_settings
from studyapp.store.statistics import stats_document
from tests.conftest import FIXTURES, NOW, no_demos

RELEASE_0005 = FIXTURES / "releases" / "study_0005.db"
SETTINGS = SchedulerSettings(timezone="UTC")


def as_learner(store: Store, profile: str) -> Store:
    return open_store(store.url, profile)


@pytest.fixture
def deck(store: Store, deck_dir: Path) -> Store:
    import_paths(store.sessions, [deck_dir / "cards.md"], NOW, no_demos)
    return store


def card_ids(store: Store) -> list[int]:
    with store.sessions() as session:
        return list(session.scalars(select(Card.id).order_by(Card.id)))


def test_the_release_before_learners_upgrades_into_default_with_nothing_lost(
    tmp_path: Path,
) -> None:
    copy = tmp_path / "study.db"
    shutil.copy(RELEASE_0005, copy)
    with sqlite3.connect(copy) as old:
        states = old.execute(
            "SELECT id, state, step, stability, difficulty, due, last_review, reps, lapses, "
            "suspended, buried_until, flag FROM cards ORDER BY id"
        ).fetchall()
        answers = old.execute(
            "SELECT id, card_id, reviewed_at, rating, duration_ms, previous_at FROM review_log "
            "ORDER BY id"
        ).fetchall()
        settings = old.execute("SELECT key, value FROM settings ORDER BY key").fetchall()
        runs = old.execute("SELECT id, demo_name, status, card_id FROM demo_runs").fetchall()
    old.close()
    assert len(states) == 9 and len(answers) == 4 and len(settings) == 2 and len(runs) == 1

    store = open_store(str(copy))
    assert store.migration_backup is not None
    assert store.learner is not None and store.learner.name == "default"
    store.close()
    with sqlite3.connect(copy) as new:
        assert new.execute("SELECT id, name FROM learners").fetchall() == [(1, "default")]
        assert (
            new.execute(
                "SELECT card_id, state, step, stability, difficulty, due, last_review, reps, "
                "lapses, suspended, buried_until, flag FROM card_states WHERE learner_id = 1 "
                "ORDER BY card_id"
            ).fetchall()
            == states
        )
        assert (
            new.execute(
                "SELECT id, card_id, reviewed_at, rating, duration_ms, previous_at "
                "FROM review_log WHERE learner_id = 1 ORDER BY id"
            ).fetchall()
            == answers
        )
        assert (
            new.execute(
                "SELECT key, value FROM settings WHERE learner_id = 1 ORDER BY key"
            ).fetchall()
            == settings
        )
        assert (
            new.execute(
                "SELECT id, demo_name, status, card_id FROM demo_runs WHERE learner_id = 1"
            ).fetchall()
            == runs
        )
        assert new.execute("PRAGMA foreign_key_check").fetchall() == []
    new.close()

    # And the app reads them as `default`'s: the settings, the schedule, the history.
    store = open_store(str(copy))
    assert load_scheduler_settings(store.sessions).desired_retention == 0.85
    with store.sessions() as session:
        assert session.get_one(Card, 4).suspended is True
        assert session.get_one(Card, 5).flag == 2
        assert session.get_one(Card, 3).state == "review"
    assert [run["demo"] for run in list_runs(store.sessions)] == ["gan"]
    # The per-learner triggers still keep previous_at: a new answer follows card 2's last.
    answer(store.sessions, 2, 3, NOW + dt.timedelta(hours=1), SETTINGS)
    with store.sessions() as session:
        latest = session.scalars(select(ReviewLog).order_by(ReviewLog.id.desc())).first()
        assert latest is not None and latest.previous_at == NOW + dt.timedelta(minutes=3)
    store.close()


def test_a_new_learner_sees_every_card_as_new_and_schedules_apart(deck: Store) -> None:
    ids = card_ids(deck)
    for card_id in ids[:3]:
        answer(deck.sessions, card_id, 3, NOW, SETTINGS)
    set_flag(deck.sessions, ids[4], 3)
    save_scheduler_settings(deck.sessions, SchedulerSettings(timezone="UTC", new_per_day=2))

    alice = as_learner(deck, "alice")
    try:
        with alice.sessions() as session:
            assert session.scalar(select(func.count(Card.id)).where(Card.state != "new")) == 0
            assert session.get_one(Card, ids[4]).flag == 0
            assert session.scalar(select(func.count(ReviewLog.id))) == 0
        assert load_scheduler_settings(alice.sessions).new_per_day == 20
        assert set(build_queue(alice.sessions, NOW, SETTINGS)) == set(ids)
        review_id = answer(alice.sessions, ids[5], 1, NOW, SETTINGS)
        alice_stats = stats_document(alice.sessions, NOW, SETTINGS)
        default_stats = stats_document(deck.sessions, NOW, SETTINGS)
        assert alice_stats["today"]["reviews"] == 1 and default_stats["today"]["reviews"] == 3
        # Undo of alice's answer touches only alice's rows.
        undo(alice.sessions, review_id)
        with alice.sessions() as session:
            assert session.get_one(Card, ids[5]).state == "new"
        with deck.sessions() as session:
            assert session.get_one(Card, ids[0]).state == "learning"
            assert session.get_one(Card, ids[4]).flag == 3
        assert load_scheduler_settings(deck.sessions).new_per_day == 2
    finally:
        alice.close()


def test_previous_answer_time_is_per_learner(deck: Store) -> None:
    card = card_ids(deck)[0]
    answer(deck.sessions, card, 3, NOW, SETTINGS)
    bob = as_learner(deck, "bob")
    try:
        answer(bob.sessions, card, 3, NOW + dt.timedelta(minutes=5), SETTINGS)
        answer(bob.sessions, card, 3, NOW + dt.timedelta(minutes=30), SETTINGS)
        with bob.sessions() as session:
            previous = list(
                session.scalars(select(ReviewLog.previous_at).order_by(ReviewLog.reviewed_at))
            )
        assert previous == [None, NOW + dt.timedelta(minutes=5)]
    finally:
        bob.close()


def test_the_list_of_learners_counts_each_ones_own(deck: Store) -> None:
    ids = card_ids(deck)
    for card_id in ids[:2]:
        answer(deck.sessions, card_id, 3, NOW, SETTINGS)
    carol = as_learner(deck, "carol")
    answer(carol.sessions, ids[0], 1, NOW, SETTINGS)
    answer(carol.sessions, ids[0], 3, NOW + dt.timedelta(minutes=1), SETTINGS)
    carol.close()
    rows = {row["name"]: row for row in learner_summaries(deck.every_learner(), NOW)}
    assert rows["default"]["answers"] == 2 and rows["default"]["cards_studied"] == 2
    assert rows["carol"]["answers"] == 2 and rows["carol"]["cards_studied"] == 1
    # Learning cards come back within minutes: due today for both.
    assert rows["default"]["due_today"] == 2 and rows["carol"]["due_today"] == 1
    chapters = class_chapters(deck.every_learner())
    assert sum(row["answers"] for row in chapters) == 4
    assert {row["class_size"] for row in chapters} == {2}


def test_demo_runs_are_per_learner(deck: Store) -> None:
    with deck.sessions.begin() as session:
        session.add(DemoRun(demo_name="vae", parameters={}, started_at=NOW, status="succeeded"))
    dave = as_learner(deck, "dave")
    try:
        assert list_runs(dave.sessions) == []
        assert [run["demo"] for run in list_runs(deck.sessions)] == ["vae"]
    finally:
        dave.close()


def test_profile_names_are_checked_and_not_made_twice(deck: Store) -> None:
    assert check_name("alice_2") == "alice_2"
    for bad in ("", "Alice", "a b", "1st", "x" * 64, "eve;drop"):
        with pytest.raises(LearnerProblem):
            check_name(bad)
    add_learner(deck.engine, "erin")
    with pytest.raises(LearnerProblem, match="exists"):
        add_learner(deck.engine, "erin")
    if deck.engine.dialect.name == "sqlite":
        with pytest.raises(LearnerProblem, match="PostgreSQL"):
            add_learner(deck.engine, "frank", password="secret")


def test_one_learners_card_states_and_settings_do_not_reach_another(deck: Store) -> None:
    ids = card_ids(deck)
    answer(deck.sessions, ids[0], 4, NOW, SETTINGS)
    save_scheduler_settings(deck.sessions, SchedulerSettings(desired_retention=0.8))
    grace = as_learner(deck, "grace")
    save_scheduler_settings(grace.sessions, SchedulerSettings(desired_retention=0.95))
    answer(grace.sessions, ids[0], 1, NOW, SETTINGS)
    grace.close()
    with deck.every_learner()() as session:
        assert session.scalar(select(func.count()).select_from(CardState)) == 2
        assert session.scalar(select(func.count()).select_from(Setting)) == 2
    assert load_scheduler_settings(deck.sessions).desired_retention == 0.8
    with deck.sessions() as session:
        assert session.get_one(Card, ids[0]).state == "review"
