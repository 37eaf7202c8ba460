"""The answers' counts behind the statistics: answers per study day, and true retention per week.

Part of `studyapp.store.statistics` (whose docstring documents the JSON keys). Imports no UI.

Each count has two plans, picked by the scope:
- every card: range scans of the review log's time index (`ix_review_log_stats`), one per day
  or week, which read each answer of the period once;
- a deck or chapter: the scope's answers read card by card from the (card, time) index
  (`ix_review_log_card_time`), each put on its day or week by a binary search of the bounds.
  Testing every answer of the period against the scope's cards instead cost about 0.3 s a
  figure on a million answers (measured on the benchmark database, 2026-12-03), whatever the
  size of the deck.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    column,
    func,
    literal,
    or_,
    select,
    union_all,
    values,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import Executable

from db.models import Card, ReviewLog, UTCDateTime
from studyapp.domain.scheduling import SchedulerSettings
from studyapp.store.stats_sql import (
    MATURE_DAYS,
    Scope,
    bucket_of,
    day_bounds,
    epoch_days,
    previous_at,
)

#: Per week: (young answers, young passed, mature answers, mature passed).
WeekCounts = tuple[int, int, int, int]


def day_counts(
    session: Session, days: list[dt.date], settings: SchedulerSettings, scope: Scope
) -> dict[dt.date, int]:
    """Answers on each of `days` (consecutive study days), days without any left out."""
    if not scope.everything:
        starts = [day_bounds(day, settings)[0] for day in days]
        bounds = [*starts, day_bounds(days[-1], settings)[1]]
        day = bucket_of(ReviewLog.reviewed_at, bounds).label("day")
        rows = session.execute(
            select(day, func.count())
            .where(
                scope_answers(scope),
                ReviewLog.reviewed_at >= bounds[0],
                ReviewLog.reviewed_at < bounds[-1],
            )
            .group_by(day)
        )
        # Every answer read lies within the bounds, so none is put on no day (null).
        return {days[n]: count for n, count in rows if n is not None}
    # The day boundaries are computed here, in the study zone (DST-exact), and sent as a
    # VALUES list, so the database never needs a time-zone table and each count is an index
    # range.
    study_days = (
        values(
            column("day", Integer),
            column("day_start", UTCDateTime()),
            column("day_end", UTCDateTime()),
            name="study_days",
        )
        .data([(day.toordinal(), *day_bounds(day, settings)) for day in days])
        .cte()
    )
    answers = (
        select(func.count())
        .select_from(ReviewLog)
        .where(
            ReviewLog.reviewed_at >= study_days.c.day_start,
            ReviewLog.reviewed_at < study_days.c.day_end,
        )
        .scalar_subquery()
    )
    per_day = session.execute(select(study_days.c.day, answers))
    return {dt.date.fromordinal(ordinal): count for ordinal, count in per_day if count}


def week_counts(
    session: Session, starts: list[dt.datetime], window_end: dt.datetime, scope: Scope
) -> dict[int, WeekCounts]:
    """True retention's counts for the weeks starting at `starts` (the last ends at
    `window_end`), by the week's index; weeks without answers left out.

    The interval of an answer is read from `review_log.previous_at` (migration 0003 keeps it),
    not from a window function. Young: the previous answer less than `MATURE_DAYS` before.
    """
    dialect = session.get_bind().dialect.name
    passed = ReviewLog.rating > 1
    gap = epoch_days(ReviewLog.reviewed_at, dialect) - epoch_days(previous_at(), dialect)

    def counts(week: ColumnElement[Any], young: ColumnElement[bool]) -> Select[Any]:
        return select(
            week,
            func.count(),
            func.count().filter(passed),
            func.count().filter(young),
            func.count().filter(and_(young, passed)),
        ).where(ReviewLog.state_before == "review")

    weeks: Executable
    if scope.everything:
        ends = [*starts[1:], window_end]
        weeks = union_all(
            *(
                counts(literal(n, Integer).label("week"), _young_within(start, end, gap)).where(
                    ReviewLog.reviewed_at >= start, ReviewLog.reviewed_at < end
                )
                for n, (start, end) in enumerate(zip(starts, ends, strict=True))
            )
        )
    else:
        # The scope's answers are few, so the gap is computed for each.
        week = bucket_of(ReviewLog.reviewed_at, [*starts, window_end]).label("week")
        weeks = (
            counts(week, gap < MATURE_DAYS)
            .where(
                scope_answers(scope),
                ReviewLog.reviewed_at >= starts[0],
                ReviewLog.reviewed_at < window_end,
            )
            .group_by(week)
        )
    return {
        n: (young_n, young_passes, answers - young_n, passes - young_passes)
        for n, answers, passes, young_n, young_passes in session.execute(weeks)
    }


def _young_within(
    start: dt.datetime, end: dt.datetime, gap: ColumnElement[float]
) -> ColumnElement[bool]:
    """`gap < MATURE_DAYS` for answers in [start, end): a previous answer after
    (end - 21 days) is surely young and one before (start - 21 days) surely mature, so plain
    comparisons with constants settle most answers, and the date arithmetic runs only for the
    rest."""
    previous = previous_at()
    return or_(
        previous >= end - dt.timedelta(days=MATURE_DAYS),
        and_(previous >= start - dt.timedelta(days=MATURE_DAYS), gap < MATURE_DAYS),
    )


def scope_answers(scope: Scope) -> ColumnElement[bool]:
    """Answers to the scope's cards, found from the cards (the (card, time) index), unlike
    `Scope.review_conditions`, which tests answers found by time."""
    return ReviewLog.card_id.in_(select(Card.id).where(*scope.card_conditions()))
