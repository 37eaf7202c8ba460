"""Personal FSRS parameters fitted to the user's own review history.

The fit uses fsrs-rs-python (the Rust FSRS implementation Anki uses): a small wheel without
PyTorch, where `fsrs[optimizer]` would pull in torch (gigabytes) for the same result. Default
and fitted parameters are evaluated the same way, on the same history (log loss and RMSE over
bins, fsrs-rs' own `evaluate`), so the two figures can be compared. Imports neither Textual
nor Keras.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.models import Card, ReviewLog
from studyapp.domain.parsing import ParseError
from studyapp.domain.parsing.source import read_limited
from studyapp.domain.scheduling import SchedulerSettings, study_day_start

# Below this, a fit mostly learns noise; Anki asks for a few hundred reviews too.
MIN_REVIEWS = 400
MIN_CARDS = 20
CSV_COLUMNS = ("card_id", "review_rating", "review_time", "review_duration")
MAX_CSV_BYTES = 512 * 1024 * 1024
# Reviews outside these years are a broken export (datetime arithmetic overflows at 9999).
FIRST_YEAR, LAST_YEAR = 1970, 2200

History = dict[str, list[tuple[dt.datetime, int]]]


class TooLittleHistory(Exception):
    pass


@dataclass(slots=True)
class OptimizeResult:
    reviews: int
    cards: int
    default: dict[str, float]
    fitted: dict[str, float]
    parameters: list[float]
    rescheduled: int = 0
    source: str = "database"
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "reviews": self.reviews,
            "cards": self.cards,
            "default": self.default,
            "fitted": self.fitted,
            "parameters": self.parameters,
            "rescheduled": self.rescheduled,
        }


def history_from_database(sessions: sessionmaker[Session]) -> History:
    history: History = defaultdict(list)
    with sessions() as session:
        rows = session.execute(
            select(ReviewLog.card_id, ReviewLog.reviewed_at, ReviewLog.rating).order_by(
                ReviewLog.card_id, ReviewLog.reviewed_at, ReviewLog.id
            )
        )
        for card_id, reviewed_at, rating in rows:
            history[str(card_id)].append((reviewed_at, rating))
    return dict(history)


def history_from_csv(path: Path) -> History:
    """py-fsrs' review-log CSV: card_id, review_rating, review_time (ISO-8601 UTC),
    review_duration (ms). Errors name the file and line.

    Only a regular file is read, up to `MAX_CSV_BYTES` (a FIFO or /dev/zero would block or
    never end); UTF-16 and binary files are refused rather than misread.
    """
    name = str(path)
    data = read_limited(path, name, MAX_CSV_BYTES)
    if b"\x00" in data[:65536]:
        raise ParseError(name, "binary or UTF-16 file, not a UTF-8 CSV")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ParseError(name, "not UTF-8 text; save the CSV as UTF-8", line) from None
    history: History = defaultdict(list)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ParseError(name, f"missing column(s) {', '.join(missing)}", 1)
        for row in reader:
            line = reader.line_num
            card_id, rating_text, time_text = (
                row.get("card_id"),
                row.get("review_rating"),
                row.get("review_time"),
            )
            if not card_id or rating_text is None or time_text is None:
                raise ParseError(name, "short row: card_id, rating or time missing", line)
            try:
                rating = int(rating_text)
                when = dt.datetime.fromisoformat(time_text.replace("Z", "+00:00"))
            except ValueError:
                raise ParseError(name, "bad rating or time", line) from None
            if rating not in (1, 2, 3, 4):
                raise ParseError(name, f"rating must be 1-4, got {rating}", line)
            if when.tzinfo is None:
                raise ParseError(name, "review_time needs a UTC offset", line)
            if not FIRST_YEAR <= when.year <= LAST_YEAR:
                raise ParseError(name, f"review_time {time_text} is out of range", line)
            history[card_id].append((when.astimezone(dt.UTC), rating))
    except csv.Error as error:
        raise ParseError(name, f"not CSV: {error}", reader.line_num) from None
    for reviews in history.values():
        reviews.sort()
    return dict(history)


def _study_day(moment: dt.datetime, settings: SchedulerSettings) -> dt.date:
    return study_day_start(moment, settings).date()


def training_items(history: History, settings: SchedulerSettings) -> list[Any]:
    """One FSRS item per review that came on a later study day than the card's previous one,
    holding the reviews up to it (same-day reviews stay in the history but predict nothing:
    FSRS models recall across days). Elapsed time is counted in study days."""
    from fsrs_rs_python import FSRSItem, FSRSReview

    items = []
    for reviews in history.values():
        days = [_study_day(when, settings) for when, _ in reviews]
        steps = [
            FSRSReview(rating, 0 if i == 0 else (days[i] - days[i - 1]).days)
            for i, (_, rating) in enumerate(reviews)
        ]
        for end in range(2, len(steps) + 1):
            if days[end - 1] > days[end - 2]:
                items.append(FSRSItem(steps[:end]))
    return items


def fit(history: History, settings: SchedulerSettings, source: str = "database") -> OptimizeResult:
    from fsrs_rs_python import DEFAULT_PARAMETERS, FSRS

    reviews = sum(len(r) for r in history.values())
    cards = len(history)
    if reviews < MIN_REVIEWS or cards < MIN_CARDS:
        raise TooLittleHistory(
            f"too little history to fit: {reviews} reviews of {cards} cards; at least "
            f"{MIN_REVIEWS} reviews of {MIN_CARDS} cards are needed. The default parameters stay."
        )
    items = training_items(history, settings)
    if len(items) < MIN_REVIEWS // 2:
        raise TooLittleHistory(
            f"too little history to fit: only {len(items)} reviews came on a later day than the "
            "card's previous one; keep reviewing for a few more days."
        )
    parameters = list(FSRS(list(DEFAULT_PARAMETERS)).compute_parameters(items))
    default = FSRS(list(DEFAULT_PARAMETERS)).evaluate(items)
    fitted = FSRS(parameters).evaluate(items)
    return OptimizeResult(
        reviews=reviews,
        cards=cards,
        default={"log_loss": default.log_loss, "rmse_bins": default.rmse_bins},
        fitted={"log_loss": fitted.log_loss, "rmse_bins": fitted.rmse_bins},
        parameters=[round(p, 4) for p in parameters],
        source=source,
    )


def reschedule(
    sessions: sessionmaker[Session], settings: SchedulerSettings, now: dt.datetime
) -> int:
    """Replay every reviewed card's history with the new parameters (py-fsrs, which the
    review screen uses) and store its new stability, difficulty and due date."""
    from fsrs import Card as FsrsCard
    from fsrs import Rating, Scheduler
    from fsrs import ReviewLog as FsrsLog

    scheduler = Scheduler(
        parameters=settings.parameters,
        desired_retention=settings.desired_retention,
        learning_steps=tuple(dt.timedelta(minutes=m) for m in settings.learning_steps_minutes),
        relearning_steps=tuple(dt.timedelta(minutes=m) for m in settings.relearning_steps_minutes),
        maximum_interval=settings.maximum_interval_days,
        enable_fuzzing=False,
    )
    names = {1: "learning", 2: "review", 3: "relearning"}
    history = history_from_database(sessions)
    with sessions.begin() as session:
        changes = {}
        for card_id, reviews in history.items():
            logs = [FsrsLog(int(card_id), Rating(r), when, None) for when, r in reviews]
            changes[int(card_id)] = scheduler.reschedule_card(FsrsCard(card_id=int(card_id)), logs)
        # Through the cards, not one bulk UPDATE: a card's state is the learner's own row.
        for card in session.scalars(select(Card).where(Card.id.in_(list(changes)))):
            fitted = changes[card.id]
            card.stability, card.difficulty = fitted.stability, fitted.difficulty
            card.due, card.state, card.step = fitted.due, names[int(fitted.state)], fitted.step
    return len(changes)
