"""Today's queue (`studyapp.store.queue`) and the home screen's counts follow one set of rules:
each deck has its own daily limits (the global ones by default), learning cards due within
the learn-ahead window count in both, and custom study draws today's Agains, flagged cards or
a whole chapter to cram."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from db.models import Card, Deck
from studyapp.domain.scheduling import SchedulerSettings
from studyapp.store import card_actions
from studyapp.store.library import import_paths
from studyapp.store.opening import Store
from studyapp.store.overview import Counts, load_overview
from studyapp.store.queue import QueueScope, build_queue, plan_queue
from studyapp.store.settings import DeckLimit, grant_extra_new, save_deck_limit
from tests.conftest import no_demos

NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
SETTINGS = SchedulerSettings(timezone="UTC", fuzz=False, new_per_day=3)


def cards_file(title: str, count: int, chapters: int = 1) -> str:
    lines = [f"# {title}", ""]
    for chapter in range(1, chapters + 1):
        lines += [f"## Chapter {chapter}", ""]
        lines += [f"{title} {chapter}.{n}? :: Answer {n}." for n in range(count)]
        lines.append("")
    return "\n\n".join(lines)


@pytest.fixture
def two_decks(store: Store, tmp_path: Path) -> Store:
    (tmp_path / "old.md").write_text(cards_file("Old deck", 5, chapters=2))
    (tmp_path / "fresh.md").write_text(cards_file("Fresh deck", 6))
    reports = import_paths(store.sessions, [tmp_path], NOW, no_demos)
    assert sorted(r.added for r in reports) == [6, 10]
    return store


def deck_ids(store: Store, title: str) -> tuple[int, ...]:
    with store.sessions() as session:
        return tuple(session.scalars(select(Deck.id).where(Deck.title == title)))


def book_key(store: Store, title: str) -> str:
    with store.sessions() as session:
        return session.scalars(select(Deck.book_key).where(Deck.title == title)).one()


def deck_counts(store: Store, now: dt.datetime, settings: SchedulerSettings) -> dict[str, Counts]:
    overview = load_overview(store.sessions, now, settings)
    rows = {deck.title: deck.counts for deck in overview.decks}
    for deck in overview.decks:
        rows |= {f"{deck.title} › {c.chapter}": c.counts for c in deck.chapters}
    return rows | {"all": overview.totals}


def test_each_deck_has_its_own_new_card_limit(two_decks: Store) -> None:
    """A freshly imported deck shows new cards although another deck used up its own."""
    old = build_queue(
        two_decks.sessions, NOW, SETTINGS, QueueScope(deck_ids(two_decks, "Old deck"))
    )
    for card_id in old:
        card_actions.answer(two_decks.sessions, card_id, 4, now=NOW, settings=SETTINGS)
    counts = deck_counts(two_decks, NOW, SETTINGS)
    assert counts["Old deck"].new == 0
    assert counts["Fresh deck"].new == 3
    assert len(build_queue(two_decks.sessions, NOW, SETTINGS)) == 3


def test_a_deck_limit_overrides_the_global_one_and_extra_new_cards_last_a_day(
    two_decks: Store,
) -> None:
    save_deck_limit(two_decks.sessions, book_key(two_decks, "Fresh deck"), DeckLimit(5, None))
    assert deck_counts(two_decks, NOW, SETTINGS)["Fresh deck"].new == 5
    assert deck_counts(two_decks, NOW, SETTINGS)["Old deck"].new == 3
    grant_extra_new(two_decks.sessions, book_key(two_decks, "Old deck"), 4, dt.date(2026, 3, 2))
    assert deck_counts(two_decks, NOW, SETTINGS)["Old deck"].new == 7
    tomorrow = NOW + dt.timedelta(days=1)
    assert deck_counts(two_decks, tomorrow, SETTINGS)["Old deck"].new == 3
    save_deck_limit(two_decks.sessions, book_key(two_decks, "Fresh deck"), DeckLimit())
    assert deck_counts(two_decks, NOW, SETTINGS)["Fresh deck"].new == 3


def test_home_and_review_counts_agree(two_decks: Store) -> None:
    """With learning cards due now, in 5 minutes and in an hour, reviews past the review
    limit and new cards past the new limit, every row of Home equals the queue's counts."""
    old = deck_ids(two_decks, "Old deck")
    with two_decks.sessions() as session:
        cards = list(session.scalars(select(Card.id).where(Card.deck_id.in_(old))))
    settings = SchedulerSettings(timezone="UTC", fuzz=False, new_per_day=3, reviews_per_day=2)
    for card_id in cards[:6]:
        card_actions.answer(
            two_decks.sessions, card_id, 1, now=NOW - dt.timedelta(days=3), settings=settings
        )
    with two_decks.sessions.begin() as session:
        for card_id, (state, minutes) in zip(
            cards[:6],
            [("learning", 0), ("learning", 5), ("learning", 60)] + [("review", -60)] * 3,
            strict=True,
        ):
            card = session.get_one(Card, card_id)
            card.state, card.due = state, NOW + dt.timedelta(minutes=minutes)
            if state == "review":
                card.stability = 3.0
    home = deck_counts(two_decks, NOW, settings)
    assert home["Old deck"] == Counts(new=3, learning=2, due=2)
    for label, scope in [
        ("all", QueueScope()),
        ("Old deck", QueueScope(old)),
        ("Old deck › Chapter 1", QueueScope(old, "Chapter 1")),
        ("Old deck › Chapter 2", QueueScope(old, "Chapter 2")),
        ("Fresh deck", QueueScope(deck_ids(two_decks, "Fresh deck"))),
    ]:
        plan = plan_queue(two_decks.sessions, NOW, settings, scope)
        with two_decks.sessions() as session:
            states = dict(session.execute(select(Card.id, Card.state)).all())
        shown = Counts(
            new=sum(states[i] == "new" for i in plan.ids),
            learning=sum(states[i] == "learning" for i in plan.ids) + len(plan.learning_ahead),
            due=sum(states[i] == "review" for i in plan.ids),
        )
        assert shown == home[label], label
        # The plan carries each card's state, for the session's counts.
        assert plan.states == {i: states[i] for i in [*plan.ids, *plan.learning_ahead]}, label


def test_learning_cards_due_soon_wait_beside_the_queue(two_decks: Store) -> None:
    [first, *_rest] = build_queue(two_decks.sessions, NOW, SETTINGS)
    card_actions.answer(
        two_decks.sessions, first, 1, now=NOW, settings=SETTINGS
    )  # Again: due in 1m
    plan = plan_queue(two_decks.sessions, NOW, SETTINGS)
    assert first not in plan.ids
    assert plan.learning_ahead == {first: NOW + dt.timedelta(minutes=1)}
    later = plan_queue(two_decks.sessions, NOW + dt.timedelta(minutes=1), SETTINGS)
    assert later.ids[0] == first and later.learning_ahead == {}


def test_custom_study_draws_agains_flagged_or_a_whole_chapter(two_decks: Store) -> None:
    old = deck_ids(two_decks, "Old deck")
    first, second, third, *_rest = build_queue(two_decks.sessions, NOW, SETTINGS, QueueScope(old))
    card_actions.answer(two_decks.sessions, first, 1, now=NOW, settings=SETTINGS)
    card_actions.answer(two_decks.sessions, second, 3, now=NOW, settings=SETTINGS)
    card_actions.answer(
        two_decks.sessions, third, 1, now=NOW + dt.timedelta(seconds=5), settings=SETTINGS
    )
    agains = build_queue(two_decks.sessions, NOW, SETTINGS, QueueScope(mode="again_today"))
    assert agains == [first]  # the one at 12:00:05 is not "today so far" at 12:00
    later = NOW + dt.timedelta(minutes=1)
    assert build_queue(two_decks.sessions, later, SETTINGS, QueueScope(mode="again_today")) == [
        first,
        third,
    ]
    card_actions.set_flag(two_decks.sessions, [second], 3)
    assert build_queue(two_decks.sessions, NOW, SETTINGS, QueueScope(mode="flagged")) == [second]
    card_actions.bury(two_decks.sessions, [first], NOW, SETTINGS)
    cram = build_queue(two_decks.sessions, NOW, SETTINGS, QueueScope(old, "Chapter 1", "cram"))
    assert len(cram) == 5 and first in cram
    assert not QueueScope(mode="cram").writes_schedule
    crammed = plan_queue(two_decks.sessions, NOW, SETTINGS, QueueScope(old, "Chapter 1", "cram"))
    with two_decks.sessions() as session:
        states = dict(session.execute(select(Card.id, Card.state)).all())
    assert crammed.states == {i: states[i] for i in cram}
    assert crammed.states[first] == "learning" and "new" in crammed.states.values()
