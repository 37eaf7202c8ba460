"""Study statistics as one JSON-able document: `stats_document(sessions, now, settings)`.

Every figure is an aggregate computed by the database (GROUP BY, and range counts over the
time index per study day and per week, or for a deck or chapter its cards' answers, see
`stats_answers`), never a Python loop over the review log, so a history
of a million answers costs a fraction of a second. Only small results (one row per day, week,
chapter or state) come back to Python. "Now" and the scheduler settings are passed in; nothing
here reads a clock except, like `scheduling.study_day_start`, the machine's zone when none is
set. The queries are written once for SQLite and PostgreSQL; where their date arithmetic
differs, a helper picks the dialect's expression. Migrations 0003 and 0007 add the covering
indexes they read, 0003 `review_log.previous_at` (each answer's previous answer time, for
retention).

Imports neither Textual nor Keras (the CLI, the TUI and the benchmarks all call it).

Days are *study days*: a day starts at the configured local hour (`day_starts_at_hour`, 4 by
default) in the configured zone, so an answer at 03:00 local counts for the day before.

The document (keys are stable; `schema` changes if one ever does)::

    schema              1
    generated_at        "now" as ISO-8601 UTC
    filter              {"deck": str | null, "chapter": str | null} as asked for
    settings            {"day_starts_at_hour", "timezone", "desired_retention"}
    today               {"date": study day "YYYY-MM-DD", "start": ISO UTC instant it began,
                         "reviews", "new_learned" (answers to cards that were new),
                         "again" (answers rated 1), "again_rate" (again / reviews, null when
                         no reviews), "time_spent_s" (sum of answer durations, seconds)}
    streak              {"current": study days in a row with at least one answer, ending today
                         (or yesterday, while today has no answer yet), "longest",
                         "longest_start", "longest_end" (dates, null without history),
                         "days_studied" (all days with an answer)}
    heatmap             {"start", "end" (dates), "days": [{"date", "reviews"}] one entry for
                         each of the last 365 study days, oldest first, today last}
    retention           {"young_below_days": 21, "weeks": [one entry per week, oldest first,
                         the current week last: {"week_start": Monday's date, "young",
                         "mature", "total"}], "all_weeks": {"young", "mature", "total"}}
                        where each of young / mature / total is {"answers", "passed",
                        "rate" (passed / answers, null when no answers)}. Anki's "true
                        retention": answers to cards in the review state only; rating > 1
                        passes; young when the card's previous answer was less than 21 days
                        before, mature otherwise (also when the previous answer is unknown).
    forecast            {"overdue": cards due before today began, "days": [{"date", "due"}]
                         for today and the next 29 days (today includes the overdue cards),
                         "total"}: learning, review and relearning cards that are neither
                         suspended nor retired.
    cards               {"new", "learning", "review", "relearning", "suspended", "retired",
                         "total"}: each card counted once: retired first, then suspended,
                         then by its scheduling state.
    chapters            [{"chapter" (null: cards without one), "cards" (not retired),
                         "studied" (answered at least once), "mastery" (mean predicted recall
                         probability now over all the chapter's cards, new cards counting 0),
                         "studied_retrievability" (the same over studied cards; null if none),
                         "lapses", "leeches"}] in chapter order ("Chapter 2" before
                         "Chapter 10"). Recall probability is FSRS-6's forgetting curve
                         R = (1 + factor * t / S) ** decay, decay = -w[20],
                         factor = 0.9 ** (1 / decay) - 1, t = whole days since the last answer.
    hardest             {"leech_lapses": 8, "leeches": cards with at least 8 lapses,
                         "cards": [up to 20 studied cards, most lapses first, then lowest
                         recall probability: {"card_id", "deck_id", "deck", "chapter",
                         "title", "question", "state", "reps", "lapses", "retrievability",
                         "leech"}]}
    demos               [{"chapter" (of the card the demo ran for; null without one),
                         "demo", "runs", "succeeded", "failed", "last": {"run_id", "status",
                         "started_at", "ended_at", "backend", "device", "metrics"}}]
                        ordered by chapter, then demo name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import (
    func,
    select,
)
from sqlalchemy.orm import Session, sessionmaker

from db.models import ReviewLog
from studyapp.domain.scheduling import SchedulerSettings, study_day_start
from studyapp.store.stats_answers import day_counts, week_counts
from studyapp.store.stats_cards import card_pass, demo_figures, hardest_cards
from studyapp.store.stats_sql import (
    _DAYS_PER_QUERY,
    HEATMAP_DAYS,
    LEECH_LAPSES,
    MATURE_DAYS,
    RETENTION_WEEKS,
    Scope,
    UnknownFilter,
    day_bounds,
    ensure_power,
    resolve_scope,
    study_date,
)

__all__ = ["LEECH_LAPSES", "UnknownFilter", "day_bounds", "stats_document", "study_date"]

SCHEMA_VERSION = 1


def _rate(passed: int, answers: int) -> float | None:
    return passed / answers if answers else None


# The figures.


def today_figures(
    session: Session, now: dt.datetime, settings: SchedulerSettings, scope: Scope
) -> dict[str, Any]:
    start = study_day_start(now, settings)
    reviews, new_learned, again, millis = session.execute(
        select(
            func.count(),
            func.count().filter(ReviewLog.state_before == "new"),
            func.count().filter(ReviewLog.rating == 1),
            func.coalesce(func.sum(ReviewLog.duration_ms), 0),
        ).where(
            ReviewLog.reviewed_at >= start,
            ReviewLog.reviewed_at <= now,
            *scope.review_conditions(),
        )
    ).one()
    return {
        "date": study_date(now, settings).isoformat(),
        "start": start.isoformat(),
        "reviews": reviews,
        "new_learned": new_learned,
        "again": again,
        "again_rate": _rate(again, reviews),
        "time_spent_s": int(millis) / 1000,
    }


def daily_reviews(
    session: Session,
    first: dt.date,
    last: dt.date,
    settings: SchedulerSettings,
    scope: Scope,
) -> dict[dt.date, int]:
    """Answers per study day from `first` to `last` inclusive (days without any left out),
    counted by `stats_answers.day_counts` in chunks of days that keep the bound parameters
    far below SQLite's limit."""
    counts: dict[dt.date, int] = {}
    total = (last - first).days + 1
    for offset in range(0, max(0, total), _DAYS_PER_QUERY):
        days = [
            first + dt.timedelta(days=n)
            for n in range(offset, min(total, offset + _DAYS_PER_QUERY))
        ]
        counts.update(day_counts(session, days, settings, scope))
    return counts


def streak_figures(active: set[dt.date], today: dt.date) -> dict[str, Any]:
    """Current and longest runs of consecutive study days with an answer."""
    current = 0
    day = today if today in active else today - dt.timedelta(days=1)
    while day in active:
        current += 1
        day -= dt.timedelta(days=1)
    longest, longest_start, longest_end = 0, None, None
    for day in sorted(active):
        if day - dt.timedelta(days=1) in active:
            continue  # not the first day of a run
        end = day
        while end + dt.timedelta(days=1) in active:
            end += dt.timedelta(days=1)
        length = (end - day).days + 1
        if length > longest:
            longest, longest_start, longest_end = length, day, end
    return {
        "current": current,
        "longest": longest,
        "longest_start": longest_start.isoformat() if longest_start else None,
        "longest_end": longest_end.isoformat() if longest_end else None,
        "days_studied": len(active),
    }


def history_figures(
    session: Session, now: dt.datetime, settings: SchedulerSettings, scope: Scope
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The streaks (over the whole history) and the heatmap of the last 365 days."""
    today = study_date(now, settings)
    heatmap_start = today - dt.timedelta(days=HEATMAP_DAYS - 1)
    first_answer = session.scalar(
        select(func.min(ReviewLog.reviewed_at)).where(*scope.review_conditions())
    )
    first = study_date(first_answer, settings) if first_answer is not None else today
    first = min(first, heatmap_start)
    counts = daily_reviews(session, first, today, settings, scope)
    heatmap = {
        "start": heatmap_start.isoformat(),
        "end": today.isoformat(),
        "days": [
            {"date": day.isoformat(), "reviews": counts.get(day, 0)}
            for day in (heatmap_start + dt.timedelta(days=n) for n in range(HEATMAP_DAYS))
        ],
    }
    return streak_figures(set(counts), today), heatmap


def retention_figures(
    session: Session, now: dt.datetime, settings: SchedulerSettings, scope: Scope
) -> dict[str, Any]:
    """True retention per week, young vs mature (see the module docstring); the counts come
    from `stats_answers.week_counts`."""
    today = study_date(now, settings)
    this_monday = today - dt.timedelta(days=today.weekday())
    mondays = [
        this_monday - dt.timedelta(weeks=RETENTION_WEEKS - 1 - n) for n in range(RETENTION_WEEKS)
    ]
    starts = [day_bounds(monday, settings)[0] for monday in mondays]
    window_end = day_bounds(this_monday + dt.timedelta(days=6), settings)[1]
    by_week = week_counts(session, starts, window_end, scope)

    def split(young_n: int, young_pass: int, mature_n: int, mature_pass: int) -> dict[str, Any]:
        return {
            "young": {"answers": young_n, "passed": young_pass, "rate": _rate(young_pass, young_n)},
            "mature": {
                "answers": mature_n,
                "passed": mature_pass,
                "rate": _rate(mature_pass, mature_n),
            },
            "total": {
                "answers": young_n + mature_n,
                "passed": young_pass + mature_pass,
                "rate": _rate(young_pass + mature_pass, young_n + mature_n),
            },
        }

    weeks = []
    sums = [0, 0, 0, 0]
    for n, monday in enumerate(mondays):
        figures = [int(x) for x in by_week.get(n, (0, 0, 0, 0))]
        sums = [a + b for a, b in zip(sums, figures, strict=True)]
        weeks.append({"week_start": monday.isoformat(), **split(*figures)})
    return {"young_below_days": MATURE_DAYS, "weeks": weeks, "all_weeks": split(*sums)}


def stats_document(
    sessions: sessionmaker[Session],
    now: dt.datetime,
    settings: SchedulerSettings,
    deck: str | None = None,
    chapter: str | None = None,
) -> dict[str, Any]:
    """Every statistic, for all cards or one deck and/or chapter, as one JSON-able dict.

    Raises `UnknownFilter` when `deck` or `chapter` matches nothing.
    The figures of the answers and those of the cards read different tables, so they are
    computed at the same time, each in a session of its own (SQLite and the database driver
    let go of the GIL while a query runs). An in-memory SQLite database is one connection:
    there they run one after the other.
    """
    if now.tzinfo is None or now.utcoffset() != dt.timedelta(0):
        raise ValueError(f"'now' must be timezone-aware UTC, got {now!r}")
    with sessions() as session:
        scope = resolve_scope(session, deck, chapter)
        shared = _shared_connections(session)
    halves = (_answer_figures, _card_figures)
    if shared:
        figures = [_in_session(sessions, half, now, settings, scope) for half in halves]
    else:
        with ThreadPoolExecutor(max_workers=len(halves)) as pool:
            futures = [
                pool.submit(_in_session, sessions, half, now, settings, scope) for half in halves
            ]
            figures = [future.result() for future in futures]
    answers, cards = figures
    hardest = {
        "leech_lapses": LEECH_LAPSES,
        "leeches": sum(row["leeches"] for row in cards["chapters"]),
        "cards": answers["hardest"],
    }
    return {
        "schema": SCHEMA_VERSION,
        "generated_at": now.isoformat(),
        "filter": {"deck": deck, "chapter": chapter},
        "settings": {
            "day_starts_at_hour": settings.day_starts_at_hour,
            "timezone": settings.timezone,
            "desired_retention": settings.desired_retention,
        },
        "today": answers["today"],
        "streak": answers["streak"],
        "heatmap": answers["heatmap"],
        "retention": answers["retention"],
        "forecast": cards["forecast"],
        "cards": cards["cards"],
        "chapters": cards["chapters"],
        "hardest": hardest,
        "demos": answers["demos"],
    }


def _shared_connections(session: Session) -> bool:
    url = session.get_bind().engine.url
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


Figures = dict[str, Any]


def _in_session(
    sessions: sessionmaker[Session],
    half: Callable[[Session, dt.datetime, SchedulerSettings, Scope], Figures],
    now: dt.datetime,
    settings: SchedulerSettings,
    scope: Scope,
) -> Figures:
    with sessions() as session:
        return half(session, now, settings, scope)


def _answer_figures(
    session: Session, now: dt.datetime, settings: SchedulerSettings, scope: Scope
) -> Figures:
    # With the answers, to even out the two halves: the card pass is the longest query.
    ensure_power(session)
    streak, heatmap = history_figures(session, now, settings, scope)
    return {
        "today": today_figures(session, now, settings, scope),
        "streak": streak,
        "heatmap": heatmap,
        "retention": retention_figures(session, now, settings, scope),
        "hardest": hardest_cards(session, now, settings, scope),
        "demos": demo_figures(session, scope),
    }


def _card_figures(
    session: Session, now: dt.datetime, settings: SchedulerSettings, scope: Scope
) -> Figures:
    ensure_power(session)
    cards, chapters, forecast = card_pass(session, now, settings, scope)
    return {"forecast": forecast, "cards": cards, "chapters": chapters}
