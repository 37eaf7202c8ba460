"""Scheduling as pure functions of (state, rating, now, settings), with fixed UTC times:
ratings, fuzz, the study day across its boundary, a DST change and a time-zone change."""

from __future__ import annotations

import datetime as dt

import pytest

from studyapp.domain.scheduling import (
    MemoryState,
    SchedulerSettings,
    format_interval,
    next_study_day,
    preview,
    retrievability,
    review,
    study_day_start,
)

UTC = dt.UTC
NOW = dt.datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
PLAIN = SchedulerSettings(timezone="UTC", fuzz=False)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def test_new_card_ratings_follow_the_learning_steps() -> None:
    new = MemoryState()
    again, hard, good, easy = (review(1, new, r, NOW, PLAIN) for r in (1, 2, 3, 4))
    assert (again.after.state, again.interval) == ("learning", dt.timedelta(minutes=1))
    assert (good.after.state, good.interval) == ("learning", dt.timedelta(minutes=10))
    assert hard.interval < good.interval
    assert easy.after.state == "review" and easy.interval >= dt.timedelta(days=1)
    assert easy.after.reps == 1 and easy.after.last_review == NOW


def test_review_is_pure_and_counts_lapses() -> None:
    state = MemoryState()
    for step in range(3):
        state = review(7, state, 3, NOW + dt.timedelta(days=step * 5), PLAIN).after
    snapshot = state
    lapsed = review(7, state, 1, NOW + dt.timedelta(days=30), PLAIN)
    assert state == snapshot  # nothing was mutated
    assert lapsed.after.state == "relearning" and lapsed.after.lapses == 1
    assert lapsed.after.reps == state.reps + 1


def test_fuzz_is_deterministic_per_card_and_time_and_stays_in_range() -> None:
    fuzzed = SchedulerSettings(timezone="UTC", fuzz=True)
    base = MemoryState(
        state="review",
        step=None,
        stability=40.0,
        difficulty=5.0,
        due=NOW,
        last_review=NOW - dt.timedelta(days=30),
        reps=5,
    )
    plain = review(1, base, 3, NOW, PLAIN).interval.days
    draws = {review(card, base, 3, NOW, fuzzed).interval.days for card in range(1, 60)}
    assert review(3, base, 3, NOW, fuzzed) == review(3, base, 3, NOW, fuzzed)
    assert len(draws) > 3  # fuzz spreads cards due together
    assert all(abs(days - plain) <= max(3, plain * 0.1) for days in draws)


def test_preview_matches_review_for_each_button() -> None:
    state = review(1, MemoryState(), 3, NOW, PLAIN).after
    later = NOW + dt.timedelta(minutes=10)
    shown = preview(1, state, later, PLAIN)
    assert shown == {r: review(1, state, r, later, PLAIN).interval for r in (1, 2, 3, 4)}
    # Again restarts the steps; Good graduates with the initial Good stability (2.3 days).
    assert [format_interval(shown[r]) for r in (1, 3)] == ["1m", "2d"]


def test_now_must_be_aware_utc() -> None:
    with pytest.raises(ValueError, match="UTC"):
        review(1, MemoryState(), 3, dt.datetime(2026, 1, 1), PLAIN)
    with pytest.raises(ValueError, match="UTC"):
        study_day_start(dt.datetime(2026, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=2))), PLAIN)


def test_retrievability_falls_with_time() -> None:
    state = MemoryState(
        state="review", stability=10.0, difficulty=5.0, due=NOW, last_review=NOW, reps=3
    )
    assert retrievability(MemoryState(), NOW, PLAIN) == 0.0
    day_10 = retrievability(state, NOW + dt.timedelta(days=10), PLAIN)
    assert (
        retrievability(state, NOW, PLAIN)
        > day_10
        > retrievability(state, NOW + dt.timedelta(days=40), PLAIN)
    )
    assert day_10 == pytest.approx(0.9, abs=0.005)  # stability = days to 90 % recall


@pytest.mark.parametrize(
    ("now", "start", "following"),
    [
        # Berlin in winter is UTC+1: the day starts at 03:00 UTC.
        ("2026-01-15T02:59:00+00:00", "2026-01-14T03:00:00+00:00", "2026-01-15T03:00:00+00:00"),
        ("2026-01-15T03:00:00+00:00", "2026-01-15T03:00:00+00:00", "2026-01-16T03:00:00+00:00"),
        # 29 March 2026: clocks go forward at 01:00 UTC; the 04:00 start is now 02:00 UTC, and
        # the study day that began on the 28th (03:00 UTC) lasted 23 hours.
        ("2026-03-29T01:30:00+00:00", "2026-03-28T03:00:00+00:00", "2026-03-29T02:00:00+00:00"),
        ("2026-03-29T02:00:00+00:00", "2026-03-29T02:00:00+00:00", "2026-03-30T02:00:00+00:00"),
        # 25 October 2026: clocks go back; that study day lasts 25 hours.
        ("2026-10-25T02:30:00+00:00", "2026-10-24T02:00:00+00:00", "2026-10-25T03:00:00+00:00"),
    ],
)
def test_study_day_boundary_across_dst(now: str, start: str, following: str) -> None:
    berlin = SchedulerSettings(timezone="Europe/Berlin", day_starts_at_hour=4)
    assert study_day_start(at(now), berlin) == at(start)
    assert next_study_day(at(now), berlin) == at(following)


def test_time_zone_change_moves_the_boundary_not_the_history() -> None:
    """A learner flies from Berlin to New York: the same instant belongs to a different study
    day, and the boundary follows the new local 4 am; stored UTC times stay what they were."""
    now = at("2026-06-10T06:00:00+00:00")  # 08:00 in Berlin, 02:00 in New York
    berlin = SchedulerSettings(timezone="Europe/Berlin")
    new_york = SchedulerSettings(timezone="America/New_York")
    assert study_day_start(now, berlin) == at("2026-06-10T02:00:00+00:00")
    assert study_day_start(now, new_york) == at("2026-06-09T08:00:00+00:00")
    state = review(1, MemoryState(), 4, now, berlin).after
    assert state.due == review(1, MemoryState(), 4, now, new_york).after.due


def test_day_start_hour_zero_is_midnight() -> None:
    midnight = SchedulerSettings(timezone="Asia/Tokyo", day_starts_at_hour=0)
    assert study_day_start(at("2026-05-01T14:59:00+00:00"), midnight) == at(
        "2026-04-30T15:00:00+00:00"
    )


def test_settings_round_trip_and_validation() -> None:
    settings = SchedulerSettings(desired_retention=0.85, learning_steps_minutes=(1.0, 5.0))
    assert SchedulerSettings.from_dict(settings.to_dict()) == settings
    bad = SchedulerSettings(desired_retention=0.5, day_starts_at_hour=25, timezone="Mars/Base")
    assert bad.validate() == [
        "desired retention must be between 0.70 and 0.99",
        "the day must start at an hour from 0 to 23",
        "unknown time zone 'Mars/Base'",
    ]
