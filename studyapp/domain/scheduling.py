"""FSRS-6 scheduling as pure functions of (memory state, rating, now, settings).

Nothing here reads a clock or a database: "now" is always passed in, timezone-aware UTC. The
`fsrs` package does the memory model; this module adds what py-fsrs leaves to the app: a "new"
state, review counters, the study day (which starts at a local hour, not at midnight UTC) and
fuzz that is a pure function of the card and the review time rather than of a global RNG.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import asdict, dataclass, field, replace
from typing import Any
from zoneinfo import ZoneInfo

from fsrs import Card as FsrsCard
from fsrs import Rating, Scheduler, State
from fsrs.scheduler import DEFAULT_PARAMETERS, FUZZ_RANGES

RATINGS = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}
_STATE_NAMES = {State.Learning: "learning", State.Review: "review", State.Relearning: "relearning"}
_STATES = {name: state for state, name in _STATE_NAMES.items()}


@dataclass(frozen=True, slots=True)
class SchedulerSettings:
    """Everything the user can set about scheduling (stored in the settings table)."""

    desired_retention: float = 0.9
    learning_steps_minutes: tuple[float, ...] = (1.0, 10.0)
    relearning_steps_minutes: tuple[float, ...] = (10.0,)
    maximum_interval_days: int = 36500
    new_per_day: int = 20
    reviews_per_day: int = 200
    day_starts_at_hour: int = 4
    timezone: str | None = None  # IANA name; None means the machine's local zone
    parameters: tuple[float, ...] = tuple(DEFAULT_PARAMETERS)
    fuzz: bool = True
    # Once a reversed or cloze card is answered, its siblings (the other cards of the same
    # note) wait until the next study day, so one side never gives the other away.
    bury_siblings: bool = True
    # An answer counts at most this long in the review log, as in Anki: a card left on screen
    # while the user made tea would otherwise skew the time statistics.
    answer_time_cap_seconds: int = 60

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> SchedulerSettings:
        known = {k: v for k, v in values.items() if k in cls.__dataclass_fields__}
        for key in ("learning_steps_minutes", "relearning_steps_minutes", "parameters"):
            if key in known:
                known[key] = tuple(float(x) for x in known[key])
        return cls(**known)

    def validate(self) -> list[str]:
        problems = []
        if not 0.7 <= self.desired_retention <= 0.99:
            problems.append("desired retention must be between 0.70 and 0.99")
        if self.new_per_day < 0 or self.reviews_per_day < 0:
            problems.append("daily limits cannot be negative")
        if not 0 <= self.day_starts_at_hour <= 23:
            problems.append("the day must start at an hour from 0 to 23")
        if self.maximum_interval_days < 1:
            problems.append("the maximum interval must be at least one day")
        if self.answer_time_cap_seconds < 1:
            problems.append("the answer time cap must be at least one second")
        if any(s <= 0 for s in self.learning_steps_minutes + self.relearning_steps_minutes):
            problems.append("steps must be positive numbers of minutes")
        if self.timezone is not None:
            try:
                ZoneInfo(self.timezone)
            except Exception:
                problems.append(f"unknown time zone {self.timezone!r}")
        return problems


@dataclass(frozen=True, slots=True)
class MemoryState:
    """A card's scheduling state; what the review log stores before and after each answer."""

    state: str = "new"
    step: int | None = 0
    stability: float | None = None
    difficulty: float | None = None
    due: dt.datetime | None = None
    last_review: dt.datetime | None = None
    reps: int = 0
    lapses: int = 0

    def to_dict(self) -> dict[str, Any]:
        values = asdict(self)
        for key in ("due", "last_review"):
            if values[key] is not None:
                values[key] = values[key].isoformat()
        return values

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> MemoryState:
        values = dict(values)
        for key in ("due", "last_review"):
            if values.get(key):
                values[key] = dt.datetime.fromisoformat(values[key])
        return cls(**values)


@dataclass(frozen=True, slots=True)
class Outcome:
    after: MemoryState
    interval: dt.timedelta = field(default=dt.timedelta())


def _require_utc(now: dt.datetime) -> None:
    if now.tzinfo is None or now.utcoffset() != dt.timedelta(0):
        raise ValueError(f"'now' must be timezone-aware UTC, got {now!r}")


def _scheduler(settings: SchedulerSettings) -> Scheduler:
    return Scheduler(
        parameters=settings.parameters,
        desired_retention=settings.desired_retention,
        learning_steps=tuple(dt.timedelta(minutes=m) for m in settings.learning_steps_minutes),
        relearning_steps=tuple(dt.timedelta(minutes=m) for m in settings.relearning_steps_minutes),
        maximum_interval=settings.maximum_interval_days,
        # Fuzz is applied below, as a pure function of the card and the time.
        enable_fuzzing=False,
    )


def _to_fsrs(card_id: int, memory: MemoryState, now: dt.datetime) -> FsrsCard:
    return FsrsCard(
        card_id=card_id,
        state=_STATES.get(memory.state, State.Learning),
        step=memory.step if memory.state != "new" else 0,
        stability=memory.stability,
        difficulty=memory.difficulty,
        due=memory.due or now,
        last_review=memory.last_review,
    )


def _fuzzed(interval_days: int, maximum: int, seed: str) -> int:
    """fsrs's fuzz ranges, drawn from an RNG seeded by card and time (so tests are exact)."""
    if interval_days < 2.5:
        return interval_days
    delta = 1.0
    for fuzz_range in FUZZ_RANGES:
        delta += fuzz_range["factor"] * max(
            min(float(interval_days), fuzz_range["end"]) - fuzz_range["start"], 0.0
        )
    low = max(2, round(interval_days - delta))
    high = min(round(interval_days + delta), maximum)
    low = min(low, high)
    drawn = random.Random(seed).random() * (high - low + 1) + low
    return min(round(drawn), maximum)


def review(
    card_id: int,
    memory: MemoryState,
    rating: int,
    now: dt.datetime,
    settings: SchedulerSettings,
) -> Outcome:
    """The state after answering `rating` (1 Again, 2 Hard, 3 Good, 4 Easy) at `now`."""
    _require_utc(now)
    if rating not in RATINGS:
        raise ValueError(f"rating must be 1-4, got {rating}")
    fsrs_card, _log = _scheduler(settings).review_card(
        _to_fsrs(card_id, memory, now), Rating(rating), review_datetime=now
    )
    due = fsrs_card.due
    if settings.fuzz and fsrs_card.state == State.Review:
        days = max(1, round((due - now).total_seconds() / 86400))
        fuzzed = _fuzzed(days, settings.maximum_interval_days, f"{card_id}:{now.isoformat()}")
        due = now + dt.timedelta(days=fuzzed)
    lapse = memory.state == "review" and rating == 1
    after = MemoryState(
        state=_STATE_NAMES[fsrs_card.state],
        step=fsrs_card.step,
        stability=fsrs_card.stability,
        difficulty=fsrs_card.difficulty,
        due=due,
        last_review=now,
        reps=memory.reps + 1,
        lapses=memory.lapses + int(lapse),
    )
    return Outcome(after, due - now)


def preview(
    card_id: int, memory: MemoryState, now: dt.datetime, settings: SchedulerSettings
) -> dict[int, dt.timedelta]:
    """The next interval for each rating, for the answer buttons."""
    return {r: review(card_id, memory, r, now, settings).interval for r in RATINGS}


def retrievability(memory: MemoryState, now: dt.datetime, settings: SchedulerSettings) -> float:
    """Predicted probability of recall at `now` (0 for a card never reviewed)."""
    _require_utc(now)
    if memory.state == "new" or memory.stability is None:
        return 0.0
    return float(_scheduler(settings).get_card_retrievability(_to_fsrs(0, memory, now), now))


def study_zone(settings: SchedulerSettings) -> dt.tzinfo:
    """The zone study days are counted in: the configured one, else the machine's."""
    if settings.timezone:
        return ZoneInfo(settings.timezone)
    local = dt.datetime.now().astimezone().tzinfo
    return local if local is not None else dt.UTC


def study_day_start(now: dt.datetime, settings: SchedulerSettings) -> dt.datetime:
    """The UTC instant the current study day began: the last local `day_starts_at_hour`.

    Computed in local wall-clock time, so a DST change moves the boundary with the clock.
    """
    _require_utc(now)
    zone = study_zone(settings)
    local = now.astimezone(zone)
    start = local.replace(hour=settings.day_starts_at_hour, minute=0, second=0, microsecond=0)
    if local < start:
        start = (start - dt.timedelta(days=1)).replace(hour=settings.day_starts_at_hour)
    # Re-attach the zone so the offset in force on that date applies (DST).
    start = dt.datetime.combine(start.date(), start.time(), tzinfo=zone)
    return start.astimezone(dt.UTC)


def next_study_day(now: dt.datetime, settings: SchedulerSettings) -> dt.datetime:
    start_local = study_day_start(now, settings).astimezone(study_zone(settings))
    following = dt.datetime.combine(
        start_local.date() + dt.timedelta(days=1), start_local.time(), tzinfo=study_zone(settings)
    )
    return following.astimezone(dt.UTC)


def format_interval(interval: dt.timedelta) -> str:
    """Anki-style short interval: 1m, 10m, 3h, 4d, 2.5mo, 1.2y."""
    seconds = max(0.0, interval.total_seconds())
    if seconds < 3600:
        return f"{max(1, round(seconds / 60))}m"
    if seconds < 86400:
        return f"{round(seconds / 3600)}h"
    days = seconds / 86400
    if days < 30:
        return f"{round(days)}d"
    if days < 365:
        return f"{days / 30:.1f}mo".replace(".0mo", "mo")
    return f"{days / 365:.1f}y".replace(".0y", "y")


def capped_answer_millis(elapsed: dt.timedelta, settings: SchedulerSettings) -> int:
    """The answer time the review log records: never negative, at most the cap."""
    millis = int(elapsed.total_seconds() * 1000)
    return max(0, min(millis, settings.answer_time_cap_seconds * 1000))


def day_start_of(date: dt.date, settings: SchedulerSettings) -> dt.datetime:
    """The UTC instant the study day of local `date` begins (for "due on this date")."""
    zone = study_zone(settings)
    local = dt.datetime.combine(date, dt.time(settings.day_starts_at_hour), tzinfo=zone)
    return local.astimezone(dt.UTC)


def with_settings(settings: SchedulerSettings, **changes: Any) -> SchedulerSettings:
    return replace(settings, **changes)
