"""SQL building blocks of the statistics: the scope, dialect-neutral days, and FSRS recall.

SQLite and PostgreSQL count days and raise powers differently; everything here hides that, so
`studyapp.store.statistics` reads as one set of queries. Imports no UI.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Select,
    case,
    cast,
    extract,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from db.models import Card, CardState, Deck, ReviewLog, UTCDateTime
from studyapp.domain.scheduling import SchedulerSettings, study_day_start, study_zone

UNIX_EPOCH_JULIAN_DAY = 2440587.5
POWER_PROBE = "SELECT power(2.0, 3.0)"
HEATMAP_DAYS = 365
FORECAST_DAYS = 30
RETENTION_WEEKS = 12
MATURE_DAYS = 21
LEECH_LAPSES = 8
HARDEST_LIMIT = 20
# Days per range-count query: keeps the bound parameters far below SQLite's limit.
_DAYS_PER_QUERY = 1000


def previous_at() -> ColumnElement[dt.datetime | None]:
    """`review_log.previous_at`: the card's previous answer time, kept by migration 0003's
    triggers."""
    return ReviewLog.previous_at.expression


class Memory:
    """The learner's memory of each card, for the statistics' scans of every card: columns of
    `card_states` outer-joined once (`over_cards`), where `Card.state` and its kin would be a
    correlated subquery per column and card. The session's learner narrows the join."""

    state = func.coalesce(CardState.state, "new")
    stability = CardState.stability
    last_review = CardState.last_review
    due = CardState.due
    reps = func.coalesce(CardState.reps, 0)
    lapses = func.coalesce(CardState.lapses, 0)
    suspended = func.coalesce(CardState.suspended, false())


Query = TypeVar("Query", bound=Select)


def over_cards(query: Query, *, new_too: bool = True) -> Query:
    """`query` over every card with the learner's memory joined (new cards have no row);
    `new_too=False` where the query leaves new cards out anyway: a plain join, which the
    planner may drive from the learner's (fewer) rows."""
    return query.select_from(Card).join(CardState, CardState.card_id == Card.id, isouter=new_too)


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


def epoch_days(value: Any, dialect: str) -> ColumnElement[Any]:
    if dialect == "sqlite":
        # julianday() parses the stored UTC text; far cheaper than strftime or datetime().
        return func.julianday(value) - UNIX_EPOCH_JULIAN_DAY
    return cast(extract("epoch", value), Float) / 86400.0


def whole_days_since(moment: Any, now: dt.datetime, dialect: str) -> ColumnElement[Any]:
    """Whole days from `moment` to `now`, floored like `timedelta.days`, never below 0.

    Exact, not floating point: an answer exactly ten days ago is 10 days, not 9.99999.
    """
    if dialect == "sqlite":
        # julianday() keeps whole milliseconds, so this round trip is exact.
        millis = cast(
            func.round((func.julianday(moment) - UNIX_EPOCH_JULIAN_DAY) * 86_400_000), Integer
        )
        elapsed = literal(round(now.timestamp() * 1000), Integer) - millis
        # SQLite's two-argument max() is a scalar: julianday() runs once a row, where a CASE
        # would repeat the expression. Integer division truncates, which is floor for the
        # non-negative values kept.
        return func.max(elapsed, literal(0, Integer)).op("/")(literal(86_400_000, Integer))
    seconds = extract("epoch", literal(now, UTCDateTime()) - moment)
    return case((seconds < 0, 0), else_=func.floor(seconds / 86400))


def bucket_of(value: Any, bounds: list[dt.datetime]) -> ColumnElement[int | None]:
    """The interval of sorted `bounds` that `value` falls in: -1 before `bounds[0]`, n before
    `bounds[n + 1]`, null from the last bound on. A binary search of CASEs: about log2(len)
    comparisons a row, where a list of intervals would take up to len."""

    def within(low: int, high: int) -> ColumnElement[int]:
        # Values in [bounds[low - 1], bounds[high - 1]) fall in intervals low - 1 .. high - 2.
        if high - low == 1:
            return literal_column(str(low - 1), Integer)  # inlined: an int, not a parameter
        middle = (low + high) // 2
        return case((value < bounds[middle - 1], within(low, middle)), else_=within(middle, high))

    return case((value < bounds[-1], within(0, len(bounds))))


def ensure_power(session: Session) -> None:
    """SQLite has power() only when built with its math functions; add it if missing."""
    if session.get_bind().dialect.name != "sqlite":
        return
    connection = session.connection()
    try:
        connection.exec_driver_sql(POWER_PROBE).scalar()
    except OperationalError:
        raw = connection.connection.driver_connection
        raw.create_function("power", 2, sql_power, deterministic=True)  # type: ignore[union-attr]


def sql_power(base: float | None, exponent: float | None) -> float | None:
    if base is None or exponent is None:
        return None
    return math.pow(base, exponent)


def retrievability_sql(
    now: dt.datetime, settings: SchedulerSettings, dialect: str
) -> ColumnElement[float]:
    """A card's recall probability at `now`, in SQL; equals `scheduling.retrievability`.
    Its query goes `over_cards`.

    FSRS-6 (py-fsrs `Scheduler.get_card_retrievability`): t = whole days since the last
    answer, R = (1 + factor * t / S) ** decay, 0 for cards never answered.
    """
    decay = -settings.parameters[20]
    factor = 0.9 ** (1 / decay) - 1
    days = whole_days_since(Memory.last_review, now, dialect)
    curve = func.power(
        1.0 + literal(factor, Float) * cast(days, Float) / Memory.stability,
        literal(decay, Float),
    )
    never = or_(
        Memory.state == "new",
        Memory.stability.is_(None),
        Memory.stability <= 0,
        Memory.last_review.is_(None),
    )
    return case((never, 0.0), else_=curve)
