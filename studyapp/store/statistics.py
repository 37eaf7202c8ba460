"""Study statistics as one JSON-able document: `stats_document(session, now, settings)`.

Every figure is an aggregate computed by the database (GROUP BY, and range counts over the
time index per study day and per week), never a Python loop over the review log, so a history
of a million answers costs a fraction of a second. Only small results (one row per day, week,
chapter or state) come back to Python. "Now" and the scheduler settings are passed in; nothing
here reads a clock except, like `scheduling.study_day_start`, the machine's zone when none is
set. The queries are written once for SQLite and PostgreSQL; where their date arithmetic
differs, a helper picks the dialect's expression. Migration 0003 adds the covering indexes
they read and `review_log.previous_at` (each answer's previous answer time, for retention).

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
import math
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    case,
    cast,
    column,
    extract,
    func,
    literal,
    or_,
    select,
    union_all,
    values,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from db.models import Card, Deck, DemoRun, ReviewLog, UTCDateTime
from studyapp.domain.scheduling import SchedulerSettings, study_day_start, study_zone

SCHEMA_VERSION = 1
HEATMAP_DAYS = 365
FORECAST_DAYS = 30
RETENTION_WEEKS = 12
MATURE_DAYS = 21
LEECH_LAPSES = 8
HARDEST_LIMIT = 20
# Days per range-count query: keeps the bound parameters far below SQLite's limit.
_DAYS_PER_QUERY = 1000
_UNIX_EPOCH_JULIAN_DAY = 2440587.5
_POWER_PROBE = "SELECT power(2.0, 3.0)"


def previous_at() -> ColumnElement[dt.datetime | None]:
    """`review_log.previous_at`: the card's previous answer time, kept by migration 0003's
    triggers."""
    return ReviewLog.previous_at.expression


class UnknownFilter(LookupError):
    """A deck or chapter filter that matches nothing; `str()` is the message a user sees."""


@dataclass(frozen=True, slots=True)
class Scope:
    """Which cards the figures cover: all, some decks (one title can name several), a chapter."""

    deck_ids: tuple[int, ...] | None = None
    chapter: str | None = None

    @property
    def everything(self) -> bool:
        return self.deck_ids is None and self.chapter is None

    def card_conditions(self) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if self.deck_ids is not None:
            conditions.append(Card.deck_id.in_(self.deck_ids))
        if self.chapter is not None:
            conditions.append(Card.chapter == self.chapter)
        return conditions

    def review_conditions(self) -> list[ColumnElement[bool]]:
        if self.everything:
            return []
        # `card_id + 0`: the planner must drive the query from the time index and test each
        # answer against the (small, materialised) list of cards; driven from the cards, a
        # per-day count would seek every card of the scope once per day.
        return [(ReviewLog.card_id + 0).in_(select(Card.id).where(*self.card_conditions()))]


def resolve_scope(session: Session, deck: str | None, chapter: str | None) -> Scope:
    """Turn the user's deck (title or end of its file path) and chapter into a Scope."""
    deck_ids: tuple[int, ...] | None = None
    if deck is not None:
        deck_ids = tuple(
            session.scalars(
                select(Deck.id).where(
                    or_(Deck.title == deck, Deck.source_path.endswith(deck, autoescape=True))
                )
            )
        )
        if not deck_ids:
            raise UnknownFilter(f"no deck named {deck!r}")
    scope = Scope(deck_ids, chapter)
    if chapter is not None:
        found = session.scalar(select(Card.id).where(*scope.card_conditions()).limit(1))
        if found is None:
            where = f" in deck {deck!r}" if deck is not None else ""
            raise UnknownFilter(f"no cards in chapter {chapter!r}{where}")
    return scope


# Study days.


def study_date(moment: dt.datetime, settings: SchedulerSettings) -> dt.date:
    """The study day an instant belongs to, named by the local date it started on."""
    return study_day_start(moment, settings).astimezone(study_zone(settings)).date()


def day_bounds(day: dt.date, settings: SchedulerSettings) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants a study day starts and ends (23 or 25 hours apart across DST)."""
    zone = study_zone(settings)
    hour = dt.time(settings.day_starts_at_hour)
    start = dt.datetime.combine(day, hour, tzinfo=zone).astimezone(dt.UTC)
    end = dt.datetime.combine(day + dt.timedelta(days=1), hour, tzinfo=zone).astimezone(dt.UTC)
    return start, end


# Dialect helpers: days since the Unix epoch, whole days since an instant, power().


def _epoch_days(value: Any, dialect: str) -> ColumnElement[Any]:
    if dialect == "sqlite":
        # julianday() parses the stored UTC text; far cheaper than strftime or datetime().
        return func.julianday(value) - _UNIX_EPOCH_JULIAN_DAY
    return cast(extract("epoch", value), Float) / 86400.0


def _whole_days_since(moment: Any, now: dt.datetime, dialect: str) -> ColumnElement[Any]:
    """Whole days from `moment` to `now`, floored like `timedelta.days`, never below 0.

    Exact, not floating point: an answer exactly ten days ago is 10 days, not 9.99999.
    """
    if dialect == "sqlite":
        # julianday() keeps whole milliseconds, so this round trip is exact.
        millis = cast(
            func.round((func.julianday(moment) - _UNIX_EPOCH_JULIAN_DAY) * 86_400_000), Integer
        )
        elapsed = literal(round(now.timestamp() * 1000), Integer) - millis
        # Integer division truncates, which is floor for the non-negative values kept.
        return case(
            (elapsed < 0, 0), else_=elapsed.self_group().op("/")(literal(86_400_000, Integer))
        )
    seconds = extract("epoch", literal(now, UTCDateTime()) - moment)
    return case((seconds < 0, 0), else_=func.floor(seconds / 86400))


def _ensure_power(session: Session) -> None:
    """SQLite has power() only when built with its math functions; add it if missing."""
    if session.get_bind().dialect.name != "sqlite":
        return
    connection = session.connection()
    try:
        connection.exec_driver_sql(_POWER_PROBE).scalar()
    except OperationalError:
        raw = connection.connection.driver_connection
        raw.create_function("power", 2, _power, deterministic=True)  # type: ignore[union-attr]


def _power(base: float | None, exponent: float | None) -> float | None:
    if base is None or exponent is None:
        return None
    return math.pow(base, exponent)


def retrievability_sql(
    now: dt.datetime, settings: SchedulerSettings, dialect: str
) -> ColumnElement[float]:
    """A card's recall probability at `now`, in SQL; equals `scheduling.retrievability`.

    FSRS-6 (py-fsrs `Scheduler.get_card_retrievability`): t = whole days since the last
    answer, R = (1 + factor * t / S) ** decay, 0 for cards never answered.
    """
    decay = -settings.parameters[20]
    factor = 0.9 ** (1 / decay) - 1
    days = _whole_days_since(Card.last_review, now, dialect)
    curve = func.power(
        1.0 + literal(factor, Float) * cast(days, Float) / Card.stability,
        literal(decay, Float),
    )
    never = or_(
        Card.state == "new",
        Card.stability.is_(None),
        Card.stability <= 0,
        Card.last_review.is_(None),
    )
    return case((never, 0.0), else_=curve)


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
    """Answers per study day from `first` to `last` inclusive (days without any left out).

    One range count per day against the review log's time index: the day boundaries are
    computed here, in the study zone (DST-exact), and sent as a VALUES list, so the database
    never needs a time-zone table and each count is an index range.
    """
    counts: dict[dt.date, int] = {}
    total = (last - first).days + 1
    for offset in range(0, max(0, total), _DAYS_PER_QUERY):
        days = [
            first + dt.timedelta(days=n)
            for n in range(offset, min(total, offset + _DAYS_PER_QUERY))
        ]
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
                *scope.review_conditions(),
            )
            .scalar_subquery()
        )
        for ordinal, count in session.execute(select(study_days.c.day, answers)):
            if count:
                counts[dt.date.fromordinal(ordinal)] = count
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
    """True retention per week, young vs mature (see the module docstring).

    The interval of an answer is read from `review_log.previous_at` (migration 0003 keeps
    it), so each week is one range scan of the stats index, not a window function.
    """
    dialect = session.get_bind().dialect.name
    today = study_date(now, settings)
    this_monday = today - dt.timedelta(days=today.weekday())
    mondays = [
        this_monday - dt.timedelta(weeks=RETENTION_WEEKS - 1 - n) for n in range(RETENTION_WEEKS)
    ]
    starts = [day_bounds(monday, settings)[0] for monday in mondays]
    window_end = day_bounds(this_monday + dt.timedelta(days=6), settings)[1]
    ends = [*starts[1:], window_end]
    passed = case((ReviewLog.rating > 1, 1), else_=0)
    previous = previous_at()
    gap = _epoch_days(ReviewLog.reviewed_at, dialect) - _epoch_days(previous, dialect)
    weeks_sql = []
    for n, (start, end) in enumerate(zip(starts, ends, strict=True)):
        # Within a week, a previous answer after (end - 21 days) is surely young and one
        # before (start - 21 days) surely mature: plain comparisons with constants settle
        # most answers, and the date arithmetic runs only for the rest.
        young = case(
            (previous >= end - dt.timedelta(days=MATURE_DAYS), 1),
            (previous < start - dt.timedelta(days=MATURE_DAYS), 0),
            (gap < MATURE_DAYS, 1),
            else_=0,
        )
        weeks_sql.append(
            select(
                literal(n, Integer).label("week"),
                func.count(),
                func.coalesce(func.sum(passed), 0),
                func.coalesce(func.sum(young), 0),
                func.coalesce(func.sum(young * passed), 0),
            ).where(
                ReviewLog.reviewed_at >= start,
                ReviewLog.reviewed_at < end,
                ReviewLog.state_before == "review",
                *scope.review_conditions(),
            )
        )
    by_week: dict[int, tuple[int, int, int, int]] = {}
    for n, answers, passes, young_n, young_passes in session.execute(union_all(*weeks_sql)):
        by_week[n] = (young_n, young_passes, answers - young_n, passes - young_passes)

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


def _scheduled(scope: Scope) -> list[ColumnElement[bool]]:
    return [
        Card.retired_at.is_(None),
        Card.suspended.is_(False),
        Card.state.in_(("learning", "review", "relearning")),
        *scope.card_conditions(),
    ]


def forecast_figures(
    session: Session, now: dt.datetime, settings: SchedulerSettings, scope: Scope
) -> dict[str, Any]:
    today = study_date(now, settings)
    days = [today + dt.timedelta(days=n) for n in range(FORECAST_DAYS)]
    ends = [day_bounds(day, settings)[1] for day in days]
    today_start = day_bounds(today, settings)[0]
    bucket = case(*[(Card.due < end, n) for n, end in enumerate(ends)])
    rows = session.execute(
        select(bucket.label("day"), func.count())
        .where(*_scheduled(scope), Card.due < ends[-1])
        .group_by(bucket)
    ).all()
    per_day: dict[int, int] = {day: count for day, count in rows}
    overdue = session.scalar(
        select(func.count()).select_from(Card).where(*_scheduled(scope), Card.due < today_start)
    )
    return {
        "overdue": overdue or 0,
        "days": [{"date": day.isoformat(), "due": per_day.get(n, 0)} for n, day in enumerate(days)],
        "total": sum(per_day.values()),
    }


CARD_GROUPS = ("new", "learning", "review", "relearning", "suspended", "retired")


def card_figures(session: Session, scope: Scope) -> dict[str, int]:
    group = case(
        (Card.retired_at.is_not(None), "retired"),
        (Card.suspended.is_(True), "suspended"),
        else_=Card.state,
    )
    rows = session.execute(
        select(group.label("group"), func.count()).where(*scope.card_conditions()).group_by(group)
    ).all()
    counts = {name: 0 for name in CARD_GROUPS}
    for name, count in rows:
        counts[name] = counts.get(name, 0) + count
    counts["total"] = sum(count for _name, count in rows)
    return counts


def _natural_key(text: str | None) -> tuple[Any, ...]:
    if text is None:
        return (1,)
    return (
        0,
        *[
            (0, int(part)) if part.isdigit() else (1, part.lower())
            for part in re.split(r"(\d+)", text)
            if part
        ],
    )


def chapter_figures(
    session: Session, now: dt.datetime, settings: SchedulerSettings, scope: Scope
) -> list[dict[str, Any]]:
    dialect = session.get_bind().dialect.name
    recall = retrievability_sql(now, settings, dialect)
    studied = Card.reps > 0
    rows = session.execute(
        select(
            Card.chapter,
            func.count(),
            func.count().filter(studied),
            func.avg(recall),
            func.avg(case((studied, recall))),
            func.coalesce(func.sum(Card.lapses), 0),
            func.count().filter(Card.lapses >= LEECH_LAPSES),
        )
        .where(Card.retired_at.is_(None), *scope.card_conditions())
        .group_by(Card.chapter)
    ).all()
    chapters = [
        {
            "chapter": chapter,
            "cards": cards,
            "studied": studied_n,
            "mastery": round(float(mastery or 0.0), 6),
            "studied_retrievability": (
                round(float(known), 6) if known is not None and studied_n else None
            ),
            "lapses": int(lapses),
            "leeches": leeches,
        }
        for chapter, cards, studied_n, mastery, known, lapses, leeches in rows
    ]
    return sorted(chapters, key=lambda row: _natural_key(row["chapter"]))


def hardest_figures(
    session: Session, now: dt.datetime, settings: SchedulerSettings, scope: Scope
) -> dict[str, Any]:
    dialect = session.get_bind().dialect.name
    recall = retrievability_sql(now, settings, dialect).label("recall")
    live = [Card.retired_at.is_(None), *scope.card_conditions()]
    rows = session.execute(
        select(
            Card.id,
            Card.deck_id,
            Deck.title,
            Card.chapter,
            Card.title,
            Card.question,
            Card.state,
            Card.suspended,
            Card.reps,
            Card.lapses,
            recall,
        )
        .join(Deck, Deck.id == Card.deck_id)
        .where(*live, Card.reps > 0)
        .order_by(Card.lapses.desc(), recall, Card.id)
        .limit(HARDEST_LIMIT)
    ).all()
    leeches = session.scalar(
        select(func.count()).select_from(Card).where(*live, Card.lapses >= LEECH_LAPSES)
    )
    return {
        "leech_lapses": LEECH_LAPSES,
        "leeches": leeches or 0,
        "cards": [
            {
                "card_id": card_id,
                "deck_id": deck_id,
                "deck": deck,
                "chapter": chapter,
                "title": title,
                "question": question,
                "state": "suspended" if suspended else state,
                "reps": reps,
                "lapses": lapses,
                "retrievability": round(float(r), 6),
                "leech": lapses >= LEECH_LAPSES,
            }
            for (
                card_id,
                deck_id,
                deck,
                chapter,
                title,
                question,
                state,
                suspended,
                reps,
                lapses,
                r,
            ) in rows
        ],
    }


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def demo_figures(session: Session, scope: Scope) -> list[dict[str, Any]]:
    """Demo runs per (chapter, demo): counts by outcome and the latest run's results."""
    joined = select(DemoRun).outerjoin(Card, Card.id == DemoRun.card_id)
    conditions = scope.card_conditions()
    counts = session.execute(
        select(
            Card.chapter,
            DemoRun.demo_name,
            func.count(),
            func.count().filter(DemoRun.status == "succeeded"),
            func.count().filter(DemoRun.status == "failed"),
        )
        .select_from(DemoRun)
        .outerjoin(Card, Card.id == DemoRun.card_id)
        .where(*conditions)
        .group_by(Card.chapter, DemoRun.demo_name)
    ).all()
    newest = func.row_number().over(
        partition_by=(Card.chapter, DemoRun.demo_name),
        order_by=(DemoRun.started_at.desc(), DemoRun.id.desc()),
    )
    ranked = (
        joined.with_only_columns(Card.chapter, DemoRun.id, newest.label("rank"))
        .where(*conditions)
        .subquery("ranked")
    )
    latest = {
        (chapter, run.demo_name): run
        for chapter, run in session.execute(
            select(ranked.c.chapter, DemoRun)
            .join(DemoRun, DemoRun.id == ranked.c.id)
            .where(ranked.c.rank == 1)
        )
    }
    rows = []
    for chapter, demo, runs, succeeded, failed in counts:
        last = latest[(chapter, demo)]
        rows.append(
            {
                "chapter": chapter,
                "demo": demo,
                "runs": runs,
                "succeeded": succeeded,
                "failed": failed,
                "last": {
                    "run_id": last.id,
                    "status": last.status,
                    "started_at": _iso(last.started_at),
                    "ended_at": _iso(last.ended_at),
                    "backend": last.backend,
                    "device": last.device,
                    "metrics": last.metrics,
                },
            }
        )
    return sorted(rows, key=lambda row: (_natural_key(row["chapter"]), row["demo"]))


def stats_document(
    session: Session,
    now: dt.datetime,
    settings: SchedulerSettings,
    deck: str | None = None,
    chapter: str | None = None,
) -> dict[str, Any]:
    """Every statistic, for all cards or one deck and/or chapter, as one JSON-able dict.

    Raises `UnknownFilter` when `deck` or `chapter` matches nothing.
    """
    if now.tzinfo is None or now.utcoffset() != dt.timedelta(0):
        raise ValueError(f"'now' must be timezone-aware UTC, got {now!r}")
    _ensure_power(session)
    scope = resolve_scope(session, deck, chapter)
    streak, heatmap = history_figures(session, now, settings, scope)
    return {
        "schema": SCHEMA_VERSION,
        "generated_at": now.isoformat(),
        "filter": {"deck": deck, "chapter": chapter},
        "settings": {
            "day_starts_at_hour": settings.day_starts_at_hour,
            "timezone": settings.timezone,
            "desired_retention": settings.desired_retention,
        },
        "today": today_figures(session, now, settings, scope),
        "streak": streak,
        "heatmap": heatmap,
        "retention": retention_figures(session, now, settings, scope),
        "forecast": forecast_figures(session, now, settings, scope),
        "cards": card_figures(session, scope),
        "chapters": chapter_figures(session, now, settings, scope),
        "hardest": hardest_figures(session, now, settings, scope),
        "demos": demo_figures(session, scope),
    }
