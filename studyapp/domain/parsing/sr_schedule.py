"""Review state from Obsidian Spaced Repetition schedule comments, in FSRS terms.

The plugin writes `<!--SR:!2021-08-11,4,270-->` after a card: one `!due,interval,ease` group per
card of the flashcard (two for a reversed card, one per cloze card), `2000-01-01` marking a card
never reviewed. Its FSRS mode writes `!fsrs,due,interval,stability,difficulty,state,reps,
lapses,steps,last_review` instead.

An SM-2 group becomes FSRS memory the way Anki converts SM-2 cards when FSRS is switched on
(fsrs-rs `memory_state_from_sm2`, desired retention 0.9, FSRS-6 default parameters):

- stability S = the interval in days (the plugin scheduled the card for when recall is still
  about 90 %, which is what FSRS stability means);
- difficulty D = 11 − (ease − 1) / (e^w8 · S^−w9 · (e^(0.1·w10) − 1)), clamped to 1…10: the
  difficulty at which FSRS grows stability on a "Good" answer by the ease factor, as SM-2 did;
- due = the comment's date (00:00 UTC), last review = due − interval.

Pure: no I/O. `fsrs` is imported only when a comment is found.
"""

from __future__ import annotations

import datetime as dt
import math
import re

from studyapp.domain.parsing.model import ImportedReview, ParseWarning

SOURCE = "obsidian-sr"
SR_COMMENT = re.compile(r"<!--SR:(.+?)-->")
NEW_CARD_DATE = dt.date(2000, 1, 1)
DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%a %b %d %Y")
MAX_INTERVAL_DAYS = 36500
S_MIN = 0.001
SM2_RETENTION = 0.9
_FSRS_STATES = {1: "learning", 2: "review", 3: "relearning"}


def sm2_memory(interval_days: float, ease: float) -> tuple[float, float]:
    """(stability, difficulty) of an SM-2 card with this interval and ease factor (2.5 = 250)."""
    from fsrs.scheduler import DEFAULT_PARAMETERS

    w8, w9, w10 = DEFAULT_PARAMETERS[8], DEFAULT_PARAMETERS[9], DEFAULT_PARAMETERS[10]
    stability = max(interval_days, S_MIN)
    growth = math.exp(w8) * stability**-w9 * math.expm1((1 - SM2_RETENTION) * w10)
    difficulty = 11.0 - (ease - 1.0) / growth
    return stability, min(10.0, max(1.0, difficulty))


def schedules(
    text: str, path: str, line: int, warnings: list[ParseWarning]
) -> list[ImportedReview | None]:
    """The review state of each card of one flashcard, in card order (None: a new card).

    `text` is the flashcard's source; `line` (1-based) is where warnings point."""
    comment = SR_COMMENT.search(text)
    if comment is None:
        return []
    result: list[ImportedReview | None] = []
    for segment in comment.group(1).split("!"):
        segment = segment.strip()
        if not segment:
            continue
        try:
            if segment.startswith("fsrs,"):
                result.append(_fsrs(segment))
            else:
                result.append(_sm2(segment))
        except (ValueError, OverflowError) as error:
            warnings.append(
                ParseWarning(path, line, f"schedule {segment[:60]!r} not understood ({error})")
            )
            result.append(None)
    return result


def _date(text: str) -> dt.date:
    for form in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text.strip(), form).date()
        except ValueError:
            continue
    raise ValueError("no date")


def _number(text: str) -> float:
    value = float(text)
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"bad number {text!r}")
    return value


def _sm2(segment: str) -> ImportedReview | None:
    fields = segment.split(",")
    if len(fields) < 3:
        raise ValueError("expected date,interval,ease")
    due_date = _date(fields[0])
    if due_date == NEW_CARD_DATE:
        return None
    interval = min(_number(fields[1]), MAX_INTERVAL_DAYS)
    ease = _number(fields[2]) / 100
    stability, difficulty = sm2_memory(interval, ease)
    due = dt.datetime.combine(due_date, dt.time(), tzinfo=dt.UTC)
    return ImportedReview(
        source=SOURCE,
        due=due,
        stability=stability,
        difficulty=difficulty,
        last_review=due - dt.timedelta(days=interval),
        interval_days=interval,
        ease=ease,
    )


def _timestamp(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.strip())
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def _fsrs(segment: str) -> ImportedReview | None:
    fields = segment.split(",")
    if len(fields) < 9:
        raise ValueError("expected fsrs,due,interval,stability,difficulty,state,reps,lapses,steps")
    due = _timestamp(fields[1])
    interval = min(_number(fields[2]), MAX_INTERVAL_DAYS)
    stability = max(_number(fields[3]), S_MIN)
    difficulty = min(10.0, max(1.0, _number(fields[4])))
    state = _FSRS_STATES.get(int(fields[5]))
    if state is None:  # 0: new
        return None
    lapses = int(_number(fields[7]))
    step = int(_number(fields[8])) if state != "review" else None
    last = (
        _timestamp(fields[9])
        if len(fields) > 9 and fields[9].strip()
        else due - dt.timedelta(days=interval)
    )
    return ImportedReview(
        source=SOURCE,
        due=due,
        stability=stability,
        difficulty=difficulty,
        last_review=last,
        state=state,
        step=step,
        lapses=lapses,
        interval_days=interval,
    )
