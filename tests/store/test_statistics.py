"""Statistics against small histories whose figures are worked out by hand in each test.

The clock is fixed: Saturday 2026-11-21 12:00 UTC, which is 13:00 in Berlin (UTC+1 in
November); study days start at 04:00 Berlin time = 03:00 UTC. Every test runs on SQLite and
on PostgreSQL (the `store` fixture), so the SQL of both dialects is checked.
"""

from __future__ import annotations

import datetime as dt
import json
from itertools import count

import pytest
from sqlalchemy import delete, event, insert, text
from sqlalchemy.orm import Session

from db.models import Card, Deck, DemoRun, ReviewLog
from studyapp.domain.scheduling import SchedulerSettings, retrievability
from studyapp.store.opening import Store, open_store
from studyapp.store.review import memory_of
from studyapp.store.statistics import (
    LEECH_LAPSES,
    UnknownFilter,
    day_bounds,
    stats_document,
    study_date,
)

UTC = dt.UTC
NOW = dt.datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
SETTINGS = SchedulerSettings(timezone="Europe/Berlin", day_starts_at_hour=4)
_serial = count(1)


def at(text_: str) -> dt.datetime:
    """A UTC instant written '2026-11-21 09:00'."""
    return dt.datetime.fromisoformat(text_).replace(tzinfo=UTC)


def add_deck(session: Session, title: str = "Generative Deep Learning") -> Deck:
    deck = Deck(
        source_path=f"/decks/{title.replace(' ', '_')}.md",
        title=title,
        format="cards",
        content_hash="h",
        imported_at=NOW,
    )
    session.add(deck)
    session.flush()
    return deck


def add_card(
    session: Session, deck: Deck, chapter: str | None = "Chapter 1", **fields: object
) -> Card:
    n = next(_serial)
    values: dict[str, object] = {
        "deck_id": deck.id,
        "identity": f"card-{n}",
        "kind": "basic",
        "question": f"Question {n}?",
        "answer": f"Answer {n}.",
        "chapter": chapter,
        "source_file": deck.source_path,
        "source_line": n,
        "position": n,
        "content_hash": "h",
        "state": "review",
        "stability": 10.0,
        "difficulty": 5.0,
        "reps": 1,
        "lapses": 0,
        "last_review": NOW - dt.timedelta(days=1),
        "due": NOW + dt.timedelta(days=9),
    }
    values.update(fields)
    if values["state"] == "new":
        values.update(stability=None, difficulty=None, last_review=None, due=None, reps=0)
        values.update(fields)
    card = Card(**values)
    session.add(card)
    session.flush()
    return card


def answer(
    session: Session,
    card: Card,
    when: dt.datetime,
    rating: int = 3,
    state_before: str = "review",
    duration_ms: int = 1000,
) -> None:
    session.execute(
        insert(ReviewLog).values(
            card_id=card.id,
            reviewed_at=when,
            rating=rating,
            duration_ms=duration_ms,
            state_before=state_before,
            state_after="review",
            before={},
            after={},
        )
    )


def document(store: Store, **filters: str) -> dict:  # type: ignore[type-arg]
    return stats_document(store.sessions, NOW, SETTINGS, **filters)


def test_study_days_start_at_four_local() -> None:
    # 03:00 UTC = 04:00 Berlin: 02:59 UTC still belongs to Friday's study day.
    assert study_date(at("2026-11-21 02:59"), SETTINGS) == dt.date(2026, 11, 20)
    assert study_date(at("2026-11-21 03:00"), SETTINGS) == dt.date(2026, 11, 21)
    # In summer Berlin is UTC+2, so the day starts at 02:00 UTC; clocks go back in the night
    # to Sunday Oct 25, so the study day of Saturday Oct 24 lasts 25 hours.
    assert day_bounds(dt.date(2026, 7, 1), SETTINGS)[0] == at("2026-07-01 02:00")
    start, end = day_bounds(dt.date(2026, 10, 24), SETTINGS)
    assert (start, end) == (at("2026-10-24 02:00"), at("2026-10-25 03:00"))


def test_today(store: Store) -> None:
    with store.sessions.begin() as session:
        deck = add_deck(session)
        a = add_card(session, deck, state="new")
        b, c, d = (add_card(session, deck) for _ in range(3))
        answer(session, a, at("2026-11-21 09:00"), 3, "new", 5000)
        answer(session, b, at("2026-11-21 10:00"), 1, "review", 8000)
        answer(session, c, at("2026-11-21 11:00"), 3, "review", 7000)
        # 03:30 Berlin: still Friday's study day.
        answer(session, d, at("2026-11-21 02:30"), 1, "review", 9000)
    today = document(store)["today"]
    # By hand: 3 answers since 03:00 UTC (a, b, c); one to a new card; one Again (b);
    # 5 + 8 + 7 = 20 seconds.
    assert today == {
        "date": "2026-11-21",
        "start": "2026-11-21T03:00:00+00:00",
        "reviews": 3,
        "new_learned": 1,
        "again": 1,
        "again_rate": pytest.approx(1 / 3),
        "time_spent_s": 20.0,
    }


def test_streak_and_heatmap_count_study_days_from_four_am(store: Store) -> None:
    with store.sessions.begin() as session:
        card = add_card(session, add_deck(session))
        for moment in (
            "2026-11-21 09:00",  # Sat 10:00 Berlin -> Nov 21 (today)
            "2026-11-21 02:30",  # Sat 03:30 Berlin -> Nov 20: before the 04:00 boundary
            "2026-11-19 22:00",  # Thu 23:00 Berlin -> Nov 19
            # Nov 18: nothing
            "2026-11-17 04:00",  # Tue 05:00 -> Nov 17
            "2026-11-16 11:00",  # -> Nov 16
            "2026-11-16 12:00",  # -> Nov 16 (a second answer, same day)
            "2026-11-15 11:00",  # -> Nov 15
            "2026-11-15 02:59",  # Sun 03:59 Berlin -> Nov 14
            "2025-06-01 10:00",  # long ago, outside the heatmap
        ):
            answer(session, card, at(moment))
    doc = document(store)
    # Runs: Nov 19-21 (3 days, the current one; it relies on 03:30 counting for Nov 20) and
    # Nov 14-17 (4 days, the longest; it relies on 03:59 counting for Nov 14), and Jun 1 2025.
    assert doc["streak"] == {
        "current": 3,
        "longest": 4,
        "longest_start": "2026-11-14",
        "longest_end": "2026-11-17",
        "days_studied": 8,
    }
    heatmap = doc["heatmap"]
    assert (heatmap["start"], heatmap["end"]) == ("2025-11-22", "2026-11-21")
    assert len(heatmap["days"]) == 365
    nonzero = {day["date"]: day["reviews"] for day in heatmap["days"] if day["reviews"]}
    assert nonzero == {
        "2026-11-14": 1,
        "2026-11-15": 1,
        "2026-11-16": 2,
        "2026-11-17": 1,
        "2026-11-19": 1,
        "2026-11-20": 1,
        "2026-11-21": 1,
    }


def test_current_streak_survives_until_today_is_studied(store: Store) -> None:
    with store.sessions.begin() as session:
        card = add_card(session, add_deck(session))
        answer(session, card, at("2026-11-20 12:00"))
        answer(session, card, at("2026-11-19 12:00"))
    assert document(store)["streak"]["current"] == 2  # nothing yet today: Thu + Fri count


def test_true_retention_young_and_mature_by_week(store: Store) -> None:
    with store.sessions.begin() as session:
        deck = add_deck(session)
        cards = {
            name: add_card(session, deck) for name in ("Y1", "Y2", "Y3", "M1", "M2", "M3", "W", "L")
        }
        history = {
            # card: (first answer, new) then (answer in the week of Nov 16, rating)
            "Y1": ("2026-11-01 10:00", "2026-11-17 10:00", 3),  # 16 days: young, pass
            "Y2": ("2026-11-10 10:00", "2026-11-18 10:00", 1),  # 8 days: young, fail
            "Y3": ("2026-10-28 10:00", "2026-11-18 09:00", 2),  # 20 d 23 h: young, pass
            "M1": ("2026-10-01 10:00", "2026-11-18 12:00", 4),  # 48 days: mature, pass
            "M2": ("2026-10-20 10:00", "2026-11-19 10:00", 1),  # 30 days: mature, fail
            "M3": ("2026-10-27 09:00", "2026-11-17 10:00", 3),  # 21 d 1 h: mature, pass
        }
        for name, (first, second, rating) in history.items():
            if name == "M2":  # inserted out of order: the triggers must still link them
                answer(session, cards[name], at(second), rating, "review")
                answer(session, cards[name], at(first), 3, "new")
            else:
                answer(session, cards[name], at(first), 3, "new")
                answer(session, cards[name], at(second), rating, "review")
        # The week of Nov 9: one young pass (10 days).
        answer(session, cards["W"], at("2026-11-02 10:00"), 3, "new")
        answer(session, cards["W"], at("2026-11-12 10:00"), 3, "review")
        # Learning and relearning answers are not review-state answers: left out.
        answer(session, cards["L"], at("2026-11-19 10:00"), 1, "learning")
        answer(session, cards["L"], at("2026-11-19 10:10"), 3, "relearning")
        # An answer that is undone again: while it exists M1's answer of Nov 18 is young.
        answer(session, cards["M1"], at("2026-11-10 10:00"), 3, "review")
    with store.sessions.begin() as session:
        session.execute(
            delete(ReviewLog).where(
                ReviewLog.card_id == cards["M1"].id,
                ReviewLog.reviewed_at == at("2026-11-10 10:00"),
            )
        )
    retention = document(store)["retention"]
    weeks = retention["weeks"]
    assert len(weeks) == 12
    assert weeks[0]["week_start"] == "2026-08-31" and weeks[-1]["week_start"] == "2026-11-16"
    this_week, last_week = weeks[-1], weeks[-2]
    # Week of Nov 16: young Y1 pass, Y2 fail, Y3 pass; mature M1 pass, M2 fail, M3 pass.
    assert this_week["young"] == {"answers": 3, "passed": 2, "rate": pytest.approx(2 / 3)}
    assert this_week["mature"] == {"answers": 3, "passed": 2, "rate": pytest.approx(2 / 3)}
    assert this_week["total"] == {"answers": 6, "passed": 4, "rate": pytest.approx(4 / 6)}
    assert last_week["young"] == {"answers": 1, "passed": 1, "rate": 1.0}
    assert last_week["mature"] == {"answers": 0, "passed": 0, "rate": None}
    assert all(week["total"]["answers"] == 0 for week in weeks[:-2])
    assert retention["all_weeks"]["young"] == {"answers": 4, "passed": 3, "rate": 0.75}
    assert retention["all_weeks"]["mature"]["answers"] == 3
    assert retention["young_below_days"] == 21


def test_previous_answer_time_is_kept_by_the_triggers(store: Store) -> None:
    with store.sessions.begin() as session:
        card = add_card(session, add_deck(session))
        other = add_card(session, add_deck(session, "Other"))
        for moment in (
            "2026-11-10 10:00",
            "2026-11-01 10:00",
            "2026-11-20 10:00",
            "2026-11-05 10:00",
        ):
            answer(session, card, at(moment))
        answer(session, other, at("2026-11-07 10:00"))

    def previous() -> dict[str, str | None]:
        with store.sessions() as session:
            rows = session.execute(
                text(
                    "SELECT reviewed_at, previous_at FROM review_log WHERE card_id = :c "
                    "ORDER BY reviewed_at"
                ),
                {"c": card.id},
            ).all()
        return {_day(r[0]): _day(r[1]) if r[1] is not None else None for r in rows}

    assert previous() == {"11-01": None, "11-05": "11-01", "11-10": "11-05", "11-20": "11-10"}
    with store.sessions.begin() as session:
        session.execute(delete(ReviewLog).where(ReviewLog.reviewed_at == at("2026-11-05 10:00")))
    assert previous() == {"11-01": None, "11-10": "11-01", "11-20": "11-10"}


def _day(value: object) -> str:
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return moment.strftime("%m-%d")


def test_forecast(store: Store) -> None:
    with store.sessions.begin() as session:
        deck = add_deck(session)
        for due in (
            "2026-11-19 10:00",  # overdue: counted today, and as overdue
            "2026-11-21 20:00",  # today
            "2026-11-22 02:30",  # 03:30 Berlin on Sunday: still Saturday's study day
            "2026-11-22 03:30",  # 04:30 Berlin: Sunday
            "2026-12-20 10:00",  # day 29, the last one shown
            "2026-12-21 10:00",  # day 30: beyond the forecast
        ):
            add_card(session, deck, due=at(due))
        add_card(session, deck, state="learning", due=at("2026-11-21 12:10"))
        add_card(session, deck, due=at("2026-11-21 15:00"), suspended=True)
        add_card(session, deck, due=at("2026-11-21 15:00"), retired_at=NOW)
        add_card(session, deck, state="new")
    forecast = document(store)["forecast"]
    days = forecast["days"]
    assert len(days) == 30
    assert days[0] == {"date": "2026-11-21", "due": 4}
    assert days[1] == {"date": "2026-11-22", "due": 1}
    assert days[29] == {"date": "2026-12-20", "due": 1}
    assert sum(day["due"] for day in days[2:29]) == 0
    assert (forecast["overdue"], forecast["total"]) == (1, 6)


def test_card_counts_by_state(store: Store) -> None:
    with store.sessions.begin() as session:
        deck = add_deck(session)
        for state, extra in (
            ("new", {}),
            ("new", {}),
            ("learning", {}),
            ("review", {}),
            ("review", {}),
            ("review", {}),
            ("relearning", {}),
            ("review", {"suspended": True}),
            ("learning", {"retired_at": NOW}),
        ):
            add_card(session, deck, state=state, **extra)
    assert document(store)["cards"] == {
        "new": 2,
        "learning": 1,
        "review": 3,
        "relearning": 1,
        "suspended": 1,
        "retired": 1,
        "total": 9,
    }


def test_mastery_is_mean_fsrs_recall_probability(store: Store) -> None:
    w = SETTINGS.parameters
    decay = -w[20]  # -0.1542 with the default parameters
    factor = 0.9 ** (1 / decay) - 1  # about 0.98045
    with store.sessions.begin() as session:
        deck = add_deck(session)
        # t = S: R = (1 + factor) ** decay = 0.9 exactly, whatever the parameters.
        a = add_card(
            session,
            deck,
            "Chapter 2: Deep Learning",
            stability=10.0,
            last_review=NOW - dt.timedelta(days=10),
        )
        add_card(session, deck, "Chapter 2: Deep Learning", state="new")  # counts 0
        # 2.5 days ago: FSRS counts whole days, t = 2: (1 + factor * 2 / 5) ** decay ≈ 0.9503
        c = add_card(
            session,
            deck,
            "Chapter 2: Deep Learning",
            stability=5.0,
            last_review=NOW - dt.timedelta(days=2, hours=12),
            lapses=2,
        )
        add_card(
            session,
            deck,
            "Chapter 10: Advanced GANs",
            stability=100.0,
            last_review=NOW - dt.timedelta(days=100),
        )
        add_card(
            session,
            deck,
            "Chapter 10: Advanced GANs",
            stability=1.0,
            last_review=NOW - dt.timedelta(days=50),
            retired_at=NOW,
        )  # left out
        memories = [memory_of(a), memory_of(c)]
    r_c = (1 + factor * 2 / 5) ** decay
    assert r_c == pytest.approx(0.9503, abs=1e-4)
    # The SQL agrees with py-fsrs itself.
    assert [retrievability(m, NOW, SETTINGS) for m in memories] == pytest.approx([0.9, r_c])
    chapters = document(store)["chapters"]
    assert [row["chapter"] for row in chapters] == [
        "Chapter 2: Deep Learning",
        "Chapter 10: Advanced GANs",
    ]
    two, ten = chapters
    assert (two["cards"], two["studied"], two["lapses"], two["leeches"]) == (3, 2, 2, 0)
    assert two["mastery"] == pytest.approx((0.9 + 0 + r_c) / 3, abs=1e-6)
    assert two["studied_retrievability"] == pytest.approx((0.9 + r_c) / 2, abs=1e-6)
    assert (ten["cards"], ten["mastery"]) == (1, pytest.approx(0.9, abs=1e-6))


def test_mastery_without_sqlite_math_functions(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A SQLite built without its math functions gets power() from Python."""
    monkeypatch.setattr("studyapp.store.stats_sql.POWER_PROBE", "SELECT no_such_function(2.0)")
    calls: list[tuple[float, float]] = []

    def python_power(base: float, exponent: float) -> float:
        calls.append((base, exponent))
        return float(base**exponent)

    monkeypatch.setattr("studyapp.store.stats_sql.sql_power", python_power)
    with sqlite_store.sessions.begin() as session:
        add_card(
            session,
            add_deck(session),
            "Chapter 1",
            stability=10.0,
            last_review=NOW - dt.timedelta(days=10),
        )
    (chapter,) = document(sqlite_store)["chapters"]
    assert chapter["mastery"] == pytest.approx(0.9, abs=1e-6)
    assert calls, "the SQL used the registered Python function"


def test_hardest_cards_and_leeches(store: Store) -> None:
    with store.sessions.begin() as session:
        deck = add_deck(session)
        # Two leeches with 9 lapses: the one recalled worse (older answer) comes first.
        strong = add_card(session, deck, lapses=9, reps=20, last_review=NOW - dt.timedelta(days=1))
        weak = add_card(session, deck, lapses=9, reps=20, last_review=NOW - dt.timedelta(days=30))
        eight = add_card(session, deck, lapses=LEECH_LAPSES, reps=12)
        few = add_card(session, deck, lapses=3, reps=5)
        add_card(session, deck, state="new")  # never studied: not listed
        add_card(session, deck, lapses=12, retired_at=NOW)  # retired: not listed
    hardest = document(store)["hardest"]
    assert hardest["leeches"] == 3
    listed = [(row["card_id"], row["lapses"], row["leech"]) for row in hardest["cards"]]
    assert listed == [
        (weak.id, 9, True),
        (strong.id, 9, True),
        (eight.id, 8, True),
        (few.id, 3, False),
    ]
    first = hardest["cards"][0]
    assert first["deck"] == "Generative Deep Learning" and first["question"] == weak.question
    assert first["retrievability"] < hardest["cards"][1]["retrievability"]


def test_hardest_list_of_many_cards_skips_retired_and_other_decks(store: Store) -> None:
    """More studied cards than the list holds: the 20 most-lapsed live cards of the scope,
    also where retired cards and another deck's cards have the most lapses of all."""
    with store.sessions.begin() as session:
        deck = add_deck(session)
        other = add_deck(session, "Another book")
        ranked = [add_card(session, deck, lapses=lapses, reps=30) for lapses in range(30)]
    alone = [row["card_id"] for row in document(store)["hardest"]["cards"]]
    assert alone == [card.id for card in ranked[:-21:-1]]
    with store.sessions.begin() as session:
        for lapses in (40, 41, 42):
            add_card(session, deck, lapses=lapses, reps=50, retired_at=NOW)
        others = [add_card(session, other, lapses=lapses, reps=50) for lapses in range(50, 60)]
    everything = [row["card_id"] for row in document(store)["hardest"]["cards"]]
    assert everything == [card.id for card in others[::-1]] + [card.id for card in ranked[:-11:-1]]
    one_deck = document(store, deck="Generative Deep Learning")["hardest"]
    assert [row["card_id"] for row in one_deck["cards"]] == [card.id for card in ranked[:-21:-1]]
    assert one_deck["leeches"] == 30 - LEECH_LAPSES


def test_an_in_memory_database_is_counted_in_one_connection() -> None:
    """`sqlite://` is one connection per thread, each its own empty database: the two halves
    of the document must not run in threads there."""
    store = open_store("sqlite://")
    try:
        with store.sessions.begin() as session:
            deck = add_deck(session)
            card = add_card(session, deck, lapses=2, reps=4)
            answer(session, card, NOW - dt.timedelta(hours=1))
        doc = document(store)
        assert (doc["cards"]["review"], doc["today"]["reviews"]) == (1, 1)
        assert doc["hardest"]["cards"][0]["card_id"] == card.id
    finally:
        store.close()


def test_demo_runs_per_chapter_with_the_last_result(store: Store) -> None:
    with store.sessions.begin() as session:
        deck = add_deck(session)
        card = add_card(session, deck, "Chapter 4: GANs")
        for started, status, metrics in (
            ("2026-11-01 10:00", "failed", {}),
            ("2026-11-03 10:00", "succeeded", {"d_loss": 0.61}),
        ):
            session.add(
                DemoRun(
                    demo_name="dcgan",
                    card_id=card.id,
                    parameters={},
                    started_at=at(started),
                    ended_at=at(started),
                    status=status,
                    metrics=metrics,
                    artifacts={},
                )
            )
        session.add(
            DemoRun(
                demo_name="vae",
                card_id=None,
                parameters={},
                started_at=at("2026-11-02 10:00"),
                status="succeeded",
                metrics={"loss": 1.5},
                artifacts={},
            )
        )
    demos = document(store)["demos"]
    assert [(d["chapter"], d["demo"], d["runs"], d["succeeded"], d["failed"]) for d in demos] == [
        ("Chapter 4: GANs", "dcgan", 2, 1, 1),
        (None, "vae", 1, 1, 0),
    ]
    assert demos[0]["last"]["status"] == "succeeded"
    assert demos[0]["last"]["metrics"] == {"d_loss": 0.61}
    assert demos[0]["last"]["started_at"] == "2026-11-03T10:00:00+00:00"


def test_filters_by_deck_and_chapter(store: Store) -> None:
    with store.sessions.begin() as session:
        book, other = add_deck(session), add_deck(session, "Other deck")
        one = add_card(session, book, "Chapter 1")
        add_card(session, book, "Chapter 3", state="new")
        elsewhere = add_card(session, other, "Chapter 1")
        answer(session, one, at("2026-11-21 09:00"))
        answer(session, elsewhere, at("2026-11-21 10:00"))
        answer(session, elsewhere, at("2026-11-21 11:00"))
    everything = document(store)
    assert (everything["today"]["reviews"], everything["cards"]["total"]) == (3, 3)
    book_only = document(store, deck="Generative Deep Learning")
    assert (book_only["today"]["reviews"], book_only["cards"]["total"]) == (1, 2)
    assert book_only["filter"] == {"deck": "Generative Deep Learning", "chapter": None}
    chapter_one = document(store, chapter="Chapter 1")
    assert chapter_one["today"]["reviews"] == 3
    assert [row["chapter"] for row in chapter_one["chapters"]] == ["Chapter 1"]
    both = document(store, deck="Other deck", chapter="Chapter 1")
    assert both["heatmap"]["days"][-1]["reviews"] == 2
    with pytest.raises(UnknownFilter, match="no deck named 'Nope'"):
        document(store, deck="Nope")
    with pytest.raises(UnknownFilter, match="no cards in chapter 'Chapter 9'"):
        document(store, chapter="Chapter 9")


def test_a_deck_and_a_chapter_count_their_own_answers(store: Store) -> None:
    """Scoped answer figures are read card by card (`stats_answers`), the whole by time: for
    decks (and chapters) that split the cards, the parts add up to the whole, day by day and
    week by week, and each part is what its own answers say."""
    with store.sessions.begin() as session:
        book, other = add_deck(session), add_deck(session, "Other deck")
        young = add_card(session, book, "Chapter 1")
        mature = add_card(session, other, "Chapter 2")
        both = add_card(session, other, "Chapter 1")
        answer(session, young, at("2026-11-10 10:00"), 3, "new")
        answer(session, young, at("2026-11-18 10:00"), 1)  # 8 days: young, fail
        answer(session, mature, at("2026-10-01 10:00"), 3, "new")
        answer(session, mature, at("2026-11-19 10:00"), 3)  # 49 days: mature, pass
        # 02:30 UTC is 03:30 Berlin: still the study day of Nov 19.
        for when in ("2026-11-19 11:00", "2026-11-20 02:30", "2026-11-21 09:00"):
            answer(session, both, at(when), 4)
    whole = document(store)
    for parts in (("Generative Deep Learning", "Other deck"), ("Chapter 1", "Chapter 2")):
        key = "deck" if parts[0] == "Generative Deep Learning" else "chapter"
        docs = [document(store, **{key: part}) for part in parts]
        for n, day in enumerate(whole["heatmap"]["days"]):
            assert day["reviews"] == sum(doc["heatmap"]["days"][n]["reviews"] for doc in docs)
        for n, week in enumerate(whole["retention"]["weeks"]):
            for kind in ("young", "mature"):
                for count_ in ("answers", "passed"):
                    parts_sum = sum(doc["retention"]["weeks"][n][kind][count_] for doc in docs)
                    assert week[kind][count_] == parts_sum
    book_only = document(store, deck="Generative Deep Learning")
    days = {d["date"]: d["reviews"] for d in book_only["heatmap"]["days"] if d["reviews"]}
    assert days == {"2026-11-10": 1, "2026-11-18": 1}
    assert book_only["streak"]["current"] == 0 and book_only["streak"]["days_studied"] == 2
    this_week = book_only["retention"]["weeks"][-1]
    assert this_week["young"] == {"answers": 1, "passed": 0, "rate": 0.0}
    assert this_week["mature"]["answers"] == 0
    chapter_two = document(store, chapter="Chapter 2")["retention"]["weeks"][-1]
    assert chapter_two["mature"] == {"answers": 1, "passed": 1, "rate": 1.0}
    chapter_one = document(store, chapter="Chapter 1")
    days = {d["date"]: d["reviews"] for d in chapter_one["heatmap"]["days"] if d["reviews"]}
    assert days == {"2026-11-10": 1, "2026-11-18": 1, "2026-11-19": 2, "2026-11-21": 1}
    assert chapter_one["streak"]["current"] == 1


def test_document_is_json_with_the_documented_keys(store: Store) -> None:
    doc = document(store)
    assert json.loads(json.dumps(doc)) == doc
    assert list(doc) == [
        "schema",
        "generated_at",
        "filter",
        "settings",
        "today",
        "streak",
        "heatmap",
        "retention",
        "forecast",
        "cards",
        "chapters",
        "hardest",
        "demos",
    ]
    assert doc["streak"]["current"] == 0 and doc["chapters"] == [] and doc["demos"] == []


def test_now_must_be_utc(store: Store) -> None:
    with pytest.raises(ValueError, match="UTC"):
        stats_document(store.sessions, dt.datetime(2026, 11, 21, 12), SETTINGS)


def test_the_queries_read_indexes_not_the_review_log_table(sqlite_store: Store) -> None:
    """On SQLite every review-log query is answered from an index (no table scan)."""
    plans = []
    with sqlite_store.sessions() as session:
        connection = session.connection()

        def capture(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
            if "review_log" in statement and not statement.startswith("EXPLAIN"):
                plans.append((statement, parameters))

        with sqlite_store.sessions.begin() as writing:
            deck = add_deck(writing)
            answer(writing, add_card(writing, deck), at("2026-11-20 10:00"))
        event.listen(sqlite_store.engine, "before_cursor_execute", capture)
        stats_document(sqlite_store.sessions, NOW, SETTINGS)
        # A deck's answers are read from the (card, time) index.
        stats_document(sqlite_store.sessions, NOW, SETTINGS, deck="Generative Deep Learning")
        event.remove(sqlite_store.engine, "before_cursor_execute", capture)
        details = [
            row[3]
            for statement, parameters in plans
            for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
        ]
    review_log_steps = [d for d in details if "review_log" in d]
    assert review_log_steps, "the document reads the review log"
    assert all("INDEX" in d for d in review_log_steps), review_log_steps
    assert any("ix_review_log_stats" in d for d in review_log_steps)
    assert any("ix_review_log_card_time" in d for d in review_log_steps)
